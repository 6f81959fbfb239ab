/**
 * Facts the model reads from the text of the package's other files, whose bodies a skeleton may
 * leave out of the tree: who calls a function with which context (context-callers.ts), and which
 * methods take or release a lock for their caller (lock-helpers.ts).
 */
import { analyze, onlyRules } from '../../src/engine/index.js';
import { onlyUncancelledContext } from '../../src/engine/semantic/context-callers.js';
import { lockHelperOf, packageLockHelperOf } from '../../src/engine/semantic/lock-helpers.js';

const rules = onlyRules(new Set(['closure-write']));
const lines = (files: { path: string; content: string }[]) => analyze(files, { scope: 'all', rules }).findings.map((f) => `${f.file}:${f.line}`);

const send = {
  path: 'p/send.go',
  content: `package p

import (
	"context"
	"io"
)

func copyOut(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	var n int64
	var err error
	done := make(chan error, 1)
	go func() {
		n, err = io.Copy(dst, src)
		done <- err
	}()
	select {
	case <-ctx.Done():
		err = ctx.Err()
	case err = <-done:
	}
	return n, err
}
`,
};

const background = (path: string, ctx: string) => ({
  path,
  content: `package p

import (
	"context"
	"io"
)

// copyOut(ctx, …) in a comment is no call.
func sendAll(dst io.Writer, src io.Reader) error {
	_, err := copyOut(${ctx}, dst, src)
	return err
}
`,
});

test('a ctx.Done() case stays live until the callers in the other files are known', () => {
  expect(lines([send]).length).toBeGreaterThan(0);
  expect(lines([send, background('p/all.go', 'context.Background()')])).toEqual([]);
  // A caller in another file that passes its own context: the case may run, and the copier race with it.
  expect(lines([send, background('p/all.go', 'context.Background()'), background('p/cancel.go', 'context.WithoutCancel(nil)')]).length).toBeGreaterThan(0);
});

test('onlyUncancelledContext reads calls, not comments or strings, and refuses a function used as a value', () => {
  const decl = 'func run(ctx context.Context, n int) {}\n';
  expect(onlyUncancelledContext('run', false, 0, [decl + 'func a() { run(context.Background(), f(1, 2)) }\n'])).toBe(true);
  expect(onlyUncancelledContext('run', false, 0, [decl + 'func a() { run(context.TODO(), 3) } // run(ctx, 1)\nvar s = "run(ctx)"\n'])).toBe(true);
  expect(onlyUncancelledContext('run', false, 0, [decl + 'func a(ctx context.Context) { run(ctx, 3) }\n'])).toBe(false);
  expect(onlyUncancelledContext('run', false, 0, [decl + 'var handlers = []func(context.Context, int){run}\n'])).toBe(false);
  expect(onlyUncancelledContext('run', false, 0, [decl])).toBe(false);
  expect(onlyUncancelledContext('await', true, 0, ['func (f *F) await(ctx context.Context) {}\nfunc (f *F) Await() { f.await(context.Background()) }\n'])).toBe(true);
  expect(onlyUncancelledContext('await', true, 0, ['func (f *F) await(ctx context.Context) {}\nfunc (f *F) Await(ctx context.Context) { f.await(ctx) }\n'])).toBe(false);
});

test('lockHelperOf tells a helper that takes a lock from one that releases it, and refuses the rest', () => {
  expect(lockHelperOf('c', '{ c.mu.Lock() }')).toEqual({ locks: true, path: 'mu' });
  expect(lockHelperOf('c', '{ c.state.mu.RLock() }')).toEqual({ locks: true, path: 'state.mu' });
  expect(lockHelperOf('c', '{ c.mu.Unlock() }')).toEqual({ locks: false, path: 'mu' });
  expect(lockHelperOf('h', '{\n\th.mu.Lock()\n\tl := h.locks[id]\n\th.mu.Unlock()\n\tl.Lock()\n}')).toEqual({ locks: true, path: undefined });
  expect(lockHelperOf('h', '{\n\th.mu.Lock()\n\tl := h.locks[id]\n\th.mu.Unlock()\n\tl.Unlock()\n}')).toEqual({ locks: false, path: undefined });
  // An early return may leave without the lock; a method that locks and unlocks is no helper.
  expect(lockHelperOf('c', '{\n\tif skip {\n\t\treturn\n\t}\n\tc.mu.Lock()\n}')).toBeUndefined();
  expect(lockHelperOf('c', '{\n\tc.mu.Lock()\n\tc.n++\n\tc.mu.Unlock()\n}')).toBeUndefined();
  // The receiver's embedded mutex is the receiver's own lock.
  expect(lockHelperOf('c', '{ c.Lock() }')).toEqual({ locks: true, path: '' });
  expect(lockHelperOf('c', '{\n\tdefer c.Unlock()\n\tc.open = 0\n}')).toEqual({ locks: false, path: '' });
  // Locks first, then works under the lock up to its one plain return: the caller holds it.
  expect(lockHelperOf('j', '{\n\tj.Lock()\n\tj.next++\n\tid = j.next\n\treturn\n}')).toEqual({ locks: true, path: '' });
  expect(lockHelperOf('j', '{\n\tj.mu.Lock()\n\tj.next++\n\treturn j.next\n}')).toEqual({ locks: true, path: 'mu' });
  // Not when it may leave early, unlocks, or hands back a handle or func that unlocks.
  expect(lockHelperOf('j', '{\n\tj.mu.Lock()\n\tif j.closed {\n\t\treturn 0\n\t}\n\treturn j.next\n}')).toBeUndefined();
  expect(lockHelperOf('j', '{\n\tj.mu.Lock()\n\tid = j.next\n\tj.mu.Unlock()\n\treturn\n}')).toBeUndefined();
  expect(lockHelperOf('p', '{\n\tp.mu.Lock()\n\treturn &held{owner: p}, nil\n}')).toBeUndefined();
  expect(lockHelperOf('k', '{\n\tk.mu.Lock()\n\treturn k.mu.Unlock\n}')).toBeUndefined();
  // A channel field as a semaphore: a send takes it, a receive gives it back, a select's send case
  // that returns true takes it on success. Anything else in the select is no helper.
  expect(lockHelperOf('l', '{ l.sem <- struct{}{} }')).toEqual({ locks: true, path: 'sem', slot: true });
  expect(lockHelperOf('l', '{ <-l.sem }')).toEqual({ locks: false, path: 'sem', slot: true });
  const tried = (other: string, ret = 'false') => `{\n\tselect {\n\tcase l.sem <- struct{}{}:\n\t\treturn true\n\t${other}\n\t\treturn ${ret}\n\t}\n}`;
  expect(lockHelperOf('l', tried('case <-time.After(l.timeout):'))).toEqual({ locks: true, path: 'sem', slot: true, tried: true });
  expect(lockHelperOf('l', tried('default:'))).toEqual({ locks: true, path: 'sem', slot: true, tried: true });
  expect(lockHelperOf('l', tried('default:', 'true'))).toBeUndefined();
  expect(lockHelperOf('l', tried('case l.other <- x:'))).toBeUndefined();
  expect(lockHelperOf('l', '{\n\tif l.closed {\n\t\treturn\n\t}\n\tl.sem <- struct{}{}\n}')).toBeUndefined();
});

test('packageLockHelperOf tells package functions that take a package lock, always or on success, from the rest', () => {
  expect(packageLockHelperOf([], '', '{ dbMu.Lock() }')).toEqual({ lock: 'dbMu', locks: true });
  expect(packageLockHelperOf([], '', '{\n\tif h == nil {\n\t\treturn\n\t}\n\th = nil\n\tdbMu.Unlock()\n}')).toEqual({ lock: 'dbMu', locks: false });
  const acquire = '{\n\tl, err := open()\n\tif err != nil {\n\t\treturn fmt.Errorf("open: %v", err)\n\t}\n\tdbMu.Lock()\n\theld = l\n\treturn nil\n}';
  expect(packageLockHelperOf([], 'error', acquire)).toEqual({ lock: 'dbMu', locks: true, onSuccess: true });
  // A lock given as a parameter is the caller's argument: `lock(&mu)` takes mu, `with(&mu)` gives it back.
  expect(packageLockHelperOf(['mu'], '', '{ mu.Lock() }')).toEqual({ lock: 'mu', locks: true, param: 0 });
  expect(packageLockHelperOf(['m'], '*sync.Mutex', '{ m.Lock(); return m }')).toEqual({ lock: 'm', locks: true, param: 0 });
  expect(packageLockHelperOf(['id', 'm'], '', '{\n\tm.RUnlock()\n}')).toEqual({ lock: 'm', locks: false, param: 1 });
  expect(packageLockHelperOf(['m'], '*sync.Mutex', '{ return m }')).toBeUndefined();
  expect(packageLockHelperOf(['m'], '', '{ m.Lock(); log(m) }')).toBeUndefined();
  // A success without the lock, a lock made inside, a lock with fields: none.
  expect(packageLockHelperOf([], 'error', '{\n\tif held != nil {\n\t\treturn nil\n\t}\n\tdbMu.Lock()\n\treturn nil\n}')).toBeUndefined();
  expect(packageLockHelperOf([], '', '{\n\tmu := locks[id]\n\tmu.Lock()\n}')).toBeUndefined();
  expect(packageLockHelperOf([], 'error', '{\n\tdb.mu.Lock()\n\treturn nil\n}')).toBeUndefined();
  expect(packageLockHelperOf([], '(int, error)', '{\n\tdbMu.Lock()\n\treturn nil\n}')).toBeUndefined();
  // A lock found by the arguments, all of them, in order: keyed by what each call passes.
  expect(packageLockHelperOf(['kind', 'key'], '', '{ stripe(kind, key).Lock() }')).toEqual({ lock: 'stripe', locks: true, keyed: true });
  expect(packageLockHelperOf(['kind', 'key'], '', '{\n\tstripe(kind, key).Unlock()\n}')).toEqual({ lock: 'stripe', locks: false, keyed: true });
  expect(packageLockHelperOf(['kind', 'key'], '', '{ stripe(key, kind).Lock() }')).toBeUndefined();
  expect(packageLockHelperOf(['key'], '', '{ stripe(0, key).Lock() }')).toBeUndefined();
  // Longer set-up that only panics on failure, then one top-level Lock kept: a helper that takes it.
  const setup = '{\n\tf, err := open()\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tconfigMu.Lock()\n\theld = f\n\tlockOther()\n}';
  expect(packageLockHelperOf([], '', setup)).toEqual({ lock: 'configMu', locks: true });
  // Not when the Lock is in a branch, or a return may leave without it.
  expect(packageLockHelperOf([], '', '{\n\tif ok {\n\t\tconfigMu.Lock()\n\t}\n\theld = 1\n}')).toBeUndefined();
  expect(packageLockHelperOf([], '', '{\n\tif !ok {\n\t\treturn\n\t}\n\tconfigMu.Lock()\n\theld = 1\n}')).toBeUndefined();
});

test('a lock helper declared in another file guards the writes of the file that calls it', () => {
  const count = {
    path: 'p/count.go',
    content: `package p

import "sync"

func count(c *tally, workers int) int {
	total := 0
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.lock()
			total++
			c.unlock()
		}()
	}
	wg.Wait()
	return total
}
`,
  };
  const tally = {
    path: 'p/tally.go',
    content: `package p

import "sync"

type tally struct{ mu sync.Mutex }

func (c *tally) lock()   { c.mu.Lock() }
func (c *tally) unlock() { c.mu.Unlock() }
`,
  };
  expect(lines([count])).toEqual(['p/count.go:13']);
  expect(lines([count, tally])).toEqual([]);
});
