// Package docker declares the part of github.com/ory/dockertest/v3/docker that racecheck's fixtures
// call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package docker

import (
	"context"
	"io"
)

type LogsOptions struct {
	Context      context.Context
	Container    string
	OutputStream io.Writer
	ErrorStream  io.Writer
	Stdout       bool
	Stderr       bool
	Follow       bool
	RawTerminal  bool
}

type Client struct{}

func (c *Client) Logs(opts LogsOptions) error { return nil }
