// Package syncutil declares the part of go4.org/syncutil that racecheck's fixtures call, so the Go
// compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package syncutil

type Group struct{}

func (g *Group) Go(f func() error) {}

func (g *Group) Wait() {}

func (g *Group) Err() error { return nil }
