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

  test('a range copy over a slice is fixed by iterating by index', () => {
    const [f] = findings('func total(cs []Counter) (n int) {\n\tfor _, c := range cs {\n\t\tn += len(c.n)\n\t}\n\treturn n\n}');
    expect(f.line).toBe(11);
    expect(f.fix?.edits).toEqual([{ startLine: 11, endLine: 11, replacement: '\tfor i := range cs {\n\t\tc := &cs[i]' }]);
  });

  test('a range copy whose variable is used whole gets an iterate-by-index hint, not an edit', () => {
    // `use(c)` takes a Counter: through a pointer it would not compile.
    const f = findings('func use(Counter) {}\n\nfunc each(cs []Counter) {\n\tfor _, c := range cs {\n\t\tuse(c)\n\t}\n}').find((x) => x.message.includes('range variable'))!;
    expect(f.fix).toBeUndefined();
    expect(f.fixHint).toContain('c := &cs[i]');
  });

  test('a parameter whose callers pass something not addressable as written gets no fix', () => {
    const found = findings('type box struct{ wg sync.WaitGroup }\n\nfunc drain(wg sync.WaitGroup) {\n\twg.Wait()\n}\n\nfunc run(b box) {\n\tdrain(b.wg)\n}');
    const f = found.find((x) => x.message.includes('parameter `wg sync.WaitGroup`'))!;
    expect(f.fix).toBeUndefined();
    expect(f.message).toContain('Pass a pointer');
  });
});
