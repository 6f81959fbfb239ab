// Package dockertest declares the part of github.com/ory/dockertest/v3 that racecheck's fixtures
// call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package dockertest

import "github.com/ory/dockertest/v3/docker"

type Pool struct{ Client *docker.Client }

type RunOptions struct {
	Repository string
	Tag        string
}

type Container struct{ ID string }

type Resource struct{ Container *Container }

func NewPool(endpoint string) (*Pool, error) { return &Pool{Client: &docker.Client{}}, nil }

func (p *Pool) RunWithOptions(opts *RunOptions) (*Resource, error) {
	return &Resource{Container: &Container{}}, nil
}
