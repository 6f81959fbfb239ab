// Package assert declares the part of github.com/stretchr/testify/assert that racecheck's fixtures
// call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package assert

import "time"

type TestingT interface {
	Errorf(format string, args ...interface{})
}

func Eventually(t TestingT, condition func() bool, waitFor time.Duration, tick time.Duration, msgAndArgs ...interface{}) bool {
	return true
}

// CollectT collects the failures of one EventuallyWithT tick.
type CollectT struct{}

func (c *CollectT) Errorf(format string, args ...interface{}) {}

func EventuallyWithT(t TestingT, condition func(collect *CollectT), waitFor time.Duration, tick time.Duration, msgAndArgs ...interface{}) bool {
	return true
}

func NoError(t TestingT, err error, msgAndArgs ...interface{}) bool { return err == nil }

func Equal(t TestingT, expected, actual interface{}, msgAndArgs ...interface{}) bool { return true }
