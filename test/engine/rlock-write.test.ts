/** rlock-write: suggestions and fix hints (the fixtures check what is flagged). */
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
  return analyze([{ path: 'p.go', content }], { scope: 'all', goVersion, rules: { [rule]: { enabled: true } } }).findings.filter((f) => f.rule === rule);
}

describe('rlock-write', () => {
  test('the suggestion turns RLock/RUnlock, including an early RUnlock, into Lock/Unlock', () => {
    const [f] = findings('rlock-write', `type S struct {
	mu sync.RWMutex
	m  map[string]int
}

func (s *S) Get(k string) int {
	s.mu.RLock()
	if v, ok := s.m[k]; ok {
		s.mu.RUnlock()
		return v
	}
	s.m[k] = 1
	s.mu.RUnlock()
	return 1
}`);
    expect(f.line).toBe(19);
    expect(f.fix?.edits[0]).toEqual({
      startLine: 14,
      endLine: 20,
      replacement: '\ts.mu.Lock()\n\tif v, ok := s.m[k]; ok {\n\t\ts.mu.Unlock()\n\t\treturn v\n\t}\n\ts.m[k] = 1\n\ts.mu.Unlock()',
    });
    expect(f.fixHint).toContain('re-check');
  });

  test('no Lock() suggestion when the region calls a method that locks again', () => {
    const [f] = findings('rlock-write', `type S struct {
	mu sync.RWMutex
	m  map[string]int
	n  int
}

func (s *S) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

func (s *S) Count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.n = s.Len()
	return s.n
}`);
    expect(f.message).toMatch(/`s.n` is written while holding only the read lock `s.mu`/);
    expect(f.fix).toBeUndefined();
    expect(f.fixHint).toBeDefined();
  });
});
