// Package zk declares the part of github.com/samuel/go-zookeeper/zk that racecheck's fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package zk

import "time"

type Logger interface {
	Printf(string, ...interface{})
}

type Event struct{}

type Conn struct{ logger Logger }

type connOption func(c *Conn)

func WithLogger(logger Logger) connOption { return func(c *Conn) { c.logger = logger } }

func Connect(servers []string, sessionTimeout time.Duration, options ...connOption) (*Conn, <-chan Event, error) {
	return &Conn{}, nil, nil
}

func (c *Conn) SetLogger(l Logger) { c.logger = l }

func (c *Conn) Close() {}
