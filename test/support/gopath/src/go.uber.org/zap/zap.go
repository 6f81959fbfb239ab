// Package zap declares the part of go.uber.org/zap that racecheck's fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package zap

type Field struct{}

type Logger struct{}

func NewNop() *Logger { return &Logger{} }

func (l *Logger) Info(msg string, fields ...Field) {}
