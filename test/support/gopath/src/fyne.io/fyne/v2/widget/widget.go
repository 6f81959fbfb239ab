// Package widget declares the part of fyne.io/fyne/v2/widget that racecheck's fixtures call (see fyne.go).
package widget

import "fyne.io/fyne/v2"

type ListItemID = int

type List struct {
	OnSelected func(id ListItemID)
}

func NewList(length func() int, createItem func() fyne.CanvasObject, updateItem func(ListItemID, fyne.CanvasObject)) *List {
	return &List{}
}

func (l *List) Refresh() {}

type Label struct{}

func NewLabel(text string) *Label { return &Label{} }

func (l *Label) SetText(text string) {}
