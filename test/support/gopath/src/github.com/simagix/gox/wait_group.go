// Package gox declares the part of github.com/simagix/gox that racecheck's fixtures call, so the Go
// compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package gox

type WaitGroup struct{ size int }

func NewWaitGroup(size int) *WaitGroup { return &WaitGroup{size: size} }

func (wg *WaitGroup) Add(num int) {}

func (wg *WaitGroup) Done() {}

func (wg *WaitGroup) Wait() {}
