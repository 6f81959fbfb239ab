// Package fyne declares the part of fyne.io/fyne/v2 that racecheck's fixtures call, so the Go
// compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package fyne

type CanvasObject interface{}

type App interface {
	NewWindow(title string) Window
}

type Window interface {
	SetContent(content CanvasObject)
	ShowAndRun()
}

func Do(fn func())        {}
func DoAndWait(fn func()) {}
