// Package tview declares the part of github.com/rivo/tview that racecheck's fixtures call, so the Go
// compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package tview

import "github.com/gdamore/tcell/v2"

type Primitive interface{}

type Application struct{}

func NewApplication() *Application                                          { return &Application{} }
func (a *Application) QueueUpdate(f func()) *Application                    { return a }
func (a *Application) QueueUpdateDraw(f func()) *Application                { return a }
func (a *Application) SetRoot(root Primitive, fullscreen bool) *Application { return a }
func (a *Application) Run() error                                           { return nil }

type List struct{}

func NewList() *List { return &List{} }
func (l *List) AddItem(mainText, secondaryText string, shortcut rune, selected func()) *List {
	return l
}

type TextView struct{}

func NewTextView() *TextView                                          { return &TextView{} }
func (t *TextView) SetText(text string) *TextView                     { return t }
func (t *TextView) SetDoneFunc(handler func(key tcell.Key)) *TextView { return t }
