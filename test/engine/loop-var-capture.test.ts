import { analyze, RULES } from '../../src/engine/index.js';

const only = { 'loop-var-capture': { enabled: true } };
const src = [
  'package p',
  '',
  'func f(xs []int) {',
  '\tfor _, x := range xs {',
  '\t\tgo func() {',
  '\t\t\tuse(x)',
  '\t\t}()',
  '\t}',
  '}',
  '',
].join('\n');

function run(content: string, goVersion?: string) {
  const rules = Object.fromEntries(RULES.map((r) => [r.id, { enabled: false }]));
  return analyze([{ path: 'p.go', content }], { scope: 'all', rules: { ...rules, ...only }, ...(goVersion ? { goVersion } : {}) }).findings.filter(
    (f) => f.rule === 'loop-var-capture',
  );
}

describe('loop-var-capture', () => {
  test('reports before Go 1.22 and suggests a per-iteration copy', () => {
    const [f, ...rest] = run(src, '1.21');
    expect(rest).toEqual([]);
    expect(f.line).toBe(6);
    expect(f.fix?.edits[0]).toEqual({ startLine: 5, endLine: 5, replacement: '\t\tx := x\n\t\tgo func() {' });
  });

  test('compares versions numerically', () => {
    expect(run(src, '1.9')).toHaveLength(1);
    expect(run(src, '1.22')).toEqual([]);
    expect(run(src, '1.23.4')).toEqual([]);
  });

  test('stays silent when the version is unknown', () => {
    expect(run(src)).toEqual([]);
  });

  test("a //go:build go1.22 line overrides the module's version", () => {
    expect(run('//go:build go1.22\n\n' + src, '1.21')).toEqual([]);
  });
});
