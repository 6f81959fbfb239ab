// Package lru declares the part of github.com/golang/groupcache/lru that racecheck's fixtures call,
// so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package lru

type Key interface{}

type Cache struct{ MaxEntries int }

func New(maxEntries int) *Cache { return &Cache{MaxEntries: maxEntries} }

func (c *Cache) Get(key Key) (value interface{}, ok bool) { return nil, false }

func (c *Cache) Len() int { return 0 }
