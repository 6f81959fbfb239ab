// Package ginkgo declares the part of github.com/onsi/ginkgo that racecheck's fixtures call, so the
// Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package ginkgo

// Fail ends the running spec: it panics, and the spec's recover reports the failure.
func Fail(message string, callerSkip ...int) { panic(message) }

// Skip ends the running spec as skipped, the same way.
func Skip(message string, callerSkip ...int) { panic(message) }
