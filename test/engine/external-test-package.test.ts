/**
 * An external test package (`package lockhelper_test`) sees the functions of the package it tests, in
 * the same directory: a callback handed to `lockhelper.WithLock` runs under that package's lock.
 */
import { analyze } from '../../src/engine/index.js';

/** The races here are in `_test.go` files: test-closure-write's (named, so the tests do not lean on its default). */
const TEST_FILES = { 'test-closure-write': { enabled: true } };

const tested = {
  path: 'lockhelper/lockhelper.go',
  content: `package lockhelper

import "sync"

var mu sync.Mutex

// WithLock runs fn while holding the package's lock.
func WithLock(fn func() error) error {
	mu.Lock()
	defer mu.Unlock()
	return fn()
}

// WithoutLock runs fn as it is.
func WithoutLock(fn func() error) error {
	return fn()
}
`,
};

/** A test that counts from 50 goroutines through one of lockhelper's functions. */
function counting(helper: string) {
  return {
    path: 'lockhelper/lockhelper_test.go',
    content: `package lockhelper_test

import (
	"sync"
	"testing"

	"example.com/lockhelper"
)

func TestCount(t *testing.T) {
	counter := 0
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = lockhelper.${helper}(func() error {
				counter++
				return nil
			})
		}()
	}
	wg.Wait()
	if counter != 50 {
		t.Fatal(counter)
	}
}
`,
  };
}

test('a callback the tested package runs under its lock is serialized, whichever file comes first', () => {
  for (const files of [[tested, counting('WithLock')], [counting('WithLock'), tested]]) {
    const result = analyze(files, { scope: 'all', rules: TEST_FILES });
    expect(result.findings).toEqual([]);
    // Reported in the order the files were given, though the tested package is analyzed first.
    expect(result.files.map((f) => f.file)).toEqual(files.map((f) => f.path));
  }
});

test('a callback the tested package runs as it is still races', () => {
  const result = analyze([counting('WithoutLock'), tested], { scope: 'all', rules: TEST_FILES });
  expect(result.findings.map((f) => [f.rule, f.file, f.line])).toEqual([['test-closure-write', 'lockhelper/lockhelper_test.go', 18]]);
});

test('only the package of the same directory counts as the tested one', () => {
  const elsewhere = { ...tested, path: 'other/lockhelper.go' };
  const result = analyze([counting('WithLock'), elsewhere], { scope: 'all', rules: TEST_FILES });
  expect(result.findings.map((f) => [f.rule, f.line])).toEqual([['test-closure-write', 18]]);
});

test('the tested package as context only (a pull request changing the test): its lock helper is still read', () => {
  const result = analyze([counting('WithLock'), { ...tested, contextOnly: true }], { scope: 'all', reviewingChanges: true, rules: TEST_FILES });
  expect(result.findings).toEqual([]);
  // The helper's body was kept for it, not dropped with the other context bodies: without the lock it is reported.
  const unlocked = analyze([counting('WithoutLock'), { ...tested, contextOnly: true }], { scope: 'all', reviewingChanges: true, rules: TEST_FILES });
  expect(unlocked.findings.map((f) => f.line)).toEqual([18]);
});

/** A lazily set value whose Get hands the callback to a slow path that runs it under the value's lock. */
const lazy = {
  path: 'lazy/lazy.go',
  content: `package lazy

import (
	"sync"
	"sync/atomic"
)

type Value struct {
	done atomic.Bool
	mu   sync.Mutex
	v    int
}

func (l *Value) Get(init func() (int, error)) (int, error) {
	if !l.done.Load() {
		return l.initSlow(init)
	}
	return l.v, nil
}

func (l *Value) Peek(init func() (int, error)) (int, error) {
	if l.done.Load() {
		return init()
	}
	return l.initSlow(init)
}

func (l *Value) initSlow(init func() (int, error)) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done.Load() {
		return l.v, nil
	}
	v, err := init()
	if err == nil {
		l.v = v
		l.done.Store(true)
	}
	return v, err
}
`,
};

function retrying(method: string) {
  return {
    path: 'lazy/lazy_test.go',
    content: `package lazy_test

import (
	"sync"
	"testing"

	"example.com/lazy"
)

func TestRetry(t *testing.T) {
	attempts := 0
	var l lazy.Value
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = l.${method}(func() (int, error) {
				attempts++
				return attempts, nil
			})
		}()
	}
	wg.Wait()
}
`,
  };
}

test("a callback a tested type's method hands to its locked slow path is serialized, also with that package as context", () => {
  expect(analyze([retrying('Get'), lazy], { scope: 'all', rules: TEST_FILES }).findings).toEqual([]);
  expect(analyze([retrying('Get'), { ...lazy, contextOnly: true }], { scope: 'all', reviewingChanges: true, rules: TEST_FILES }).findings).toEqual([]);
  // Peek also runs it outside the lock.
  const peek = analyze([retrying('Peek'), lazy], { scope: 'all', rules: TEST_FILES });
  expect(peek.findings.map((f) => [f.rule, f.line])).toEqual([['test-closure-write', 19]]);
});

/** A condition whose methods run their callbacks holding its lock, without `Lock(); defer Unlock()` at the top. */
const signal = {
  path: 'signal/signal.go',
  content: `package signal

import "sync"

type Cond struct {
	L  sync.Locker
	ch chan struct{}
}

func (c *Cond) check() {}

// WaitDo checks first, then locks; the deferred Unlock releases it.
func (c *Cond) WaitDo(pred func() bool, do func()) {
	c.check()
	c.L.Lock()
	defer c.L.Unlock()
	for !pred() {
		c.L.Unlock()
		<-c.ch
		c.L.Lock()
	}
	do()
}

// SignalDo runs do between its Lock and Unlock statements.
func (c *Cond) SignalDo(do func()) {
	c.L.Lock()
	if do != nil {
		do()
	}
	c.L.Unlock()
	select {
	case c.ch <- struct{}{}:
	default:
	}
}

// NotifyDo runs do after its Unlock.
func (c *Cond) NotifyDo(do func()) {
	c.L.Lock()
	c.L.Unlock()
	do()
}
`,
};

/** Two goroutines that change `n` through the callbacks of the calls given. */
function signalling(first: string, second: string) {
  return {
    path: 'signal/signal_test.go',
    content: `package signal_test

import (
	"sync"
	"testing"

	"example.com/signal"
)

func TestSignal(t *testing.T) {
	c := &signal.Cond{L: new(sync.Mutex)}
	n := 0
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.${first}
	}()
	go func() {
		defer wg.Done()
		c.${second}
	}()
	wg.Wait()
}
`,
  };
}

const WAIT = 'WaitDo(func() bool { return n > 0 }, func() { n += 10 })';

test("callbacks a tested type's methods run between Lock and Unlock, or after set-up and Lock with a deferred Unlock, are serialized", () => {
  const serialized = signalling(WAIT, 'SignalDo(func() { n++ })');
  expect(analyze([serialized, signal], { scope: 'all', rules: TEST_FILES }).findings).toEqual([]);
  expect(analyze([serialized, { ...signal, contextOnly: true }], { scope: 'all', reviewingChanges: true, rules: TEST_FILES }).findings).toEqual([]);
  // NotifyDo runs its callback after the Unlock.
  const late = analyze([signalling('NotifyDo(func() { n-- })', 'NotifyDo(func() { n++ })'), { ...signal, contextOnly: true }], { scope: 'all', reviewingChanges: true, rules: TEST_FILES });
  expect(late.findings.map((f) => [f.rule, f.line])).toEqual([
    ['test-closure-write', 17],
    ['test-closure-write', 21],
  ]);
});
