// Package tester stands in for OPA's test runner: just what the fixtures call.
package tester

// Result is one test's outcome.
type Result struct {
	Name string
	Fail bool
}

// Pass reports whether the test passed.
func (r *Result) Pass() bool { return !r.Fail }

// Reporter prints results; Report reads ch until it is closed.
type Reporter interface {
	Report(ch chan *Result) error
}
