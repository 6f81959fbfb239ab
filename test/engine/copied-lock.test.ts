/** copied-lock: suggestions and fix hints (the fixtures check what is flagged). */
import { analyze } from '../../src/engine/index.js';
import type { Finding } from '../../src/engine/index.js';

function findings(body: string): Finding[] {
  const content = `package p

import "sync"

type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

${body}
`;
  return analyze([{ path: 'p.go', content }], { scope: 'all', rules: { 'copied-lock': { enabled: true } } }).findings.filter((f) => f.rule === 'copied-lock');
}

describe('copied-lock', () => {
  test('a value receiver becomes a pointer receiver', () => {
    const [f] = findings('func (c Counter) Inc(k string) {\n\tc.mu.Lock()\n\tc.n[k]++\n\tc.mu.Unlock()\n}');
    expect(f.message).toContain('Counter contains sync.Mutex');
    expect(f.fix?.edits[0]).toEqual({ startLine: 10, endLine: 10, replacement: 'func (c *Counter) Inc(k string) {' });
  });

  test('a WaitGroup parameter becomes a pointer parameter', () => {
    const [f] = findings('func worker(id int, wg sync.WaitGroup) {\n\tdefer wg.Done()\n}');
    expect(f.fix?.edits[0]?.replacement).toBe('func worker(id int, wg *sync.WaitGroup) {');
  });

  test('a range copy gets an iterate-by-index hint', () => {
    const [f] = findings('func total(cs []Counter) (n int) {\n\tfor _, c := range cs {\n\t\tn += len(c.n)\n\t}\n\treturn n\n}');
    expect(f.line).toBe(11);
    expect(f.fixHint).toContain('c := &cs[i]');
  });
});
