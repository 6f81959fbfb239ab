// Package mock declares the part of github.com/stretchr/testify/mock that racecheck's fixtures
// use, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package mock

// Mock records the calls made to a test double and answers what the test set up.
type Mock struct{}

// Arguments are a call's arguments, or the results set up for it.
type Arguments []interface{}

func (m *Mock) Called(arguments ...interface{}) Arguments { return nil }

func (a Arguments) Get(index int) interface{} { return nil }
