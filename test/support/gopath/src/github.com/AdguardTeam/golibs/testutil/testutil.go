// Package testutil declares the part of github.com/AdguardTeam/golibs/testutil that racecheck's
// fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package testutil

import "time"

// TB is the part of testing.TB the helpers use.
type TB interface {
	Errorf(format string, args ...interface{})
	FailNow()
}

func RequireReceive[T any](t TB, ch <-chan T, timeout time.Duration) (res T, ok bool) {
	return res, false
}

func RequireSend[T any](t TB, ch chan<- T, v T, timeout time.Duration) {}
