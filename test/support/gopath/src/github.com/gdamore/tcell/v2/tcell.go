// Package tcell declares the part of github.com/gdamore/tcell/v2 that racecheck's fixtures use, so
// the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package tcell

type Key int16
