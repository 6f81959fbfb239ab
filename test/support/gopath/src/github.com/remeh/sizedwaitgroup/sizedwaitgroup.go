// Package sizedwaitgroup declares the part of github.com/remeh/sizedwaitgroup that racecheck's
// fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package sizedwaitgroup

type SizedWaitGroup struct{ Size int }

func New(limit int) SizedWaitGroup { return SizedWaitGroup{Size: limit} }

func (s *SizedWaitGroup) Add() {}

func (s *SizedWaitGroup) Done() {}

func (s *SizedWaitGroup) Wait() {}
