import { analyze, RULES } from '../../src/engine/index.js';

function run(content: string) {
  const rules = Object.fromEntries(RULES.map((r) => [r.id, { enabled: r.id === 'waitgroup-misuse' }]));
  return analyze([{ path: 'p.go', content }], { scope: 'all', rules }).findings;
}

describe('waitgroup-misuse', () => {
  test('suggests moving a first-statement Add above the go statement', () => {
    const src = [
      'package p',
      '',
      'import "sync"',
      '',
      'func f(n int) {',
      '\tvar wg sync.WaitGroup',
      '\tfor i := 0; i < n; i++ {',
      '\t\tgo func() {',
      '\t\t\twg.Add(1)',
      '\t\t\tdefer wg.Done()',
      '\t\t}()',
      '\t}',
      '\twg.Wait()',
      '}',
      '',
    ].join('\n');
    const [f, ...rest] = run(src);
    expect(rest).toEqual([]);
    expect(f.line).toBe(9);
    expect(f.fix?.edits[0]).toEqual({ startLine: 8, endLine: 9, replacement: '\t\twg.Add(1)\n\t\tgo func() {' });
  });

  test('gives a hint, not a suggestion, when the Add is not next to the go line', () => {
    const src = [
      'package p',
      '',
      'import "sync"',
      '',
      'func f(work func()) {',
      '\tvar wg sync.WaitGroup',
      '\tgo func() {',
      '\t\twork()',
      '\t\twg.Add(1)',
      '\t\tdefer wg.Done()',
      '\t}()',
      '\twg.Wait()',
      '}',
      '',
    ].join('\n');
    const [f] = run(src);
    expect(f.line).toBe(9);
    expect(f.fix).toBeUndefined();
    expect(f.fixHint).toContain('wg.Add(1)\ngo func() {');
  });
});
