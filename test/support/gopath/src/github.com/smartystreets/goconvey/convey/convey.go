// Package convey is a stub of goconvey's API, enough for the fixtures to type-check.
package convey

// Convey declares a block of a spec: a name, the *testing.T at the top level, and a func().
func Convey(items ...interface{}) {
	if f, ok := items[len(items)-1].(func()); ok {
		f()
	}
}

// So asserts; the stub ignores the result.
func So(actual interface{}, assert func(actual interface{}, expected ...interface{}) string, expected ...interface{}) {
	_ = assert(actual, expected...)
}

// ShouldBeNil is an assertion of the stub.
func ShouldBeNil(actual interface{}, expected ...interface{}) string { return "" }
