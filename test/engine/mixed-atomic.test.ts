/** mixed-atomic: suggestions, fix hints and version-dependent wording (the fixtures check what is flagged). */
import { analyze } from '../../src/engine/index.js';
import type { Finding } from '../../src/engine/index.js';

function findings(rule: string, body: string, goVersion = '1.22'): Finding[] {
  const content = `package p

import (
	"sync"
	"sync/atomic"
)

${body}
`;
  return analyze([{ path: 'p.go', content }], { scope: 'all', reviewingChanges: true, goVersion, rules: { 'mixed-atomic': { enabled: true } } }).findings.filter((f) => f.rule === rule);
}

const COUNTER = `type C struct {
	mu sync.Mutex
	n  uint32
}

func (c *C) Inc() { atomic.AddUint32(&c.n, 1) }
`;

describe('mixed-atomic', () => {
  test('a plain decrement becomes an atomic add of the all-ones value for unsigned fields', () => {
    const [f] = findings('mixed-atomic', COUNTER + `
func (c *C) Dec() {
	c.n-- // one fewer
}`);
    expect(f.fix?.edits[0]).toEqual({ startLine: 16, endLine: 16, replacement: '\tatomic.AddUint32(&c.n, ^uint32(0)) // one fewer' });
    expect(f.message).toContain('`atomic.Uint32` (Go 1.19+)');
    expect(f.related).toEqual([{ file: 'p.go', line: 13, message: '`atomic.AddUint32` on `c.n`' }]);
  });

  test('no typed-atomic advice before Go 1.19', () => {
    const [f] = findings('mixed-atomic', COUNTER + `
func (c *C) Get() uint32 { return c.n }`, '1.18');
    expect(f.message).not.toContain('atomic.Uint32');
    expect(f.fix).toBeUndefined(); // the return shares its line with the func header
  });

  test('a read in a larger expression is loaded atomically in place', () => {
    const [f] = findings('mixed-atomic', COUNTER + `
func (c *C) Positive() bool {
	if c.n > 0 {
		return true
	}
	return false
}`);
    expect(f.message).toMatch(/is read here non-atomically/);
    expect(f.fix?.edits).toEqual([{ startLine: f.line, endLine: f.line, replacement: '\tif atomic.LoadUint32(&c.n) > 0 {' }]);
  });

  test('a read beside a call is not loaded in place: the load would run before the call', () => {
    const [f] = findings('mixed-atomic', COUNTER + `
func (c *C) Settle(wait func() error) (uint32, error) {
	return c.n, wait()
}`);
    expect(f.message).toMatch(/is read here non-atomically/);
    expect(f.fix).toBeUndefined();
    expect(f.message).not.toMatch(/atomic\.LoadUint32\(&c\.n\), wait\(\)/);
  });

  test('a read passed to a call is loaded in place', () => {
    const [f] = findings('mixed-atomic', COUNTER + `
func (c *C) Show(show func(uint32)) {
	show(c.n)
}`);
    expect(f.fix?.edits).toEqual([{ startLine: f.line, endLine: f.line, replacement: '\tshow(atomic.LoadUint32(&c.n))' }]);
  });

  test('a plain read under the mutex every atomic write holds is silent; a lock-free atomic write is not', () => {
    const held = `func (c *C) Add() {
	c.mu.Lock()
	atomic.AddUint32(&c.n, 1)
	c.mu.Unlock()
}

func (c *C) Read() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}`;
    const decl = COUNTER.slice(0, COUNTER.indexOf('func'));
    expect(findings('mixed-atomic', decl + held)).toHaveLength(0);
    expect(findings('mixed-atomic', COUNTER + '\n' + held)).toHaveLength(1);
  });
});
