// Package require declares the part of github.com/stretchr/testify/require that racecheck's fixtures
// call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package require

import (
	"time"

	"github.com/stretchr/testify/assert"
)

type TestingT interface {
	Errorf(format string, args ...interface{})
	FailNow()
}

func Eventually(t TestingT, condition func() bool, waitFor time.Duration, tick time.Duration, msgAndArgs ...interface{}) {
}

func EventuallyWithT(t TestingT, condition func(collect *assert.CollectT), waitFor time.Duration, tick time.Duration, msgAndArgs ...interface{}) {
}

func NoError(t TestingT, err error, msgAndArgs ...interface{}) {}

func Fail(t TestingT, failureMessage string, msgAndArgs ...interface{}) {}

func FailNow(t TestingT, failureMessage string, msgAndArgs ...interface{}) {}
