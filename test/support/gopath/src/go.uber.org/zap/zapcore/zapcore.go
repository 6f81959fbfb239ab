// Package zapcore declares the part of go.uber.org/zap/zapcore that racecheck's fixtures call,
// so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package zapcore

import "io"

type WriteSyncer interface {
	io.Writer
	Sync() error
}

type writerWrapper struct{ io.Writer }

func (w writerWrapper) Sync() error { return nil }

func AddSync(w io.Writer) WriteSyncer { return writerWrapper{w} }
