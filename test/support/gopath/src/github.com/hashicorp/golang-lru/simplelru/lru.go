// Package simplelru declares the part of github.com/hashicorp/golang-lru/simplelru that racecheck's
// fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package simplelru

type LRU struct{ size int }

func (c *LRU) Get(key interface{}) (value interface{}, ok bool) { return nil, false }

func (c *LRU) Peek(key interface{}) (value interface{}, ok bool) { return nil, false }
