/** //racecheck:ignore and //nolint:racecheck silence findings, and are counted. */
import { analyze } from '../../src/engine/index.js';

const race = (line8: string, line9: string, above = '') => `package p

import "sync"

func Run() error {
	var err error
	var wg sync.WaitGroup
${above}${line8}
	wg.Go(func() { err = b() })${line9}
	wg.Wait()
	return err
}
`;

function run(src: string) {
  return analyze([{ path: 'x.go', content: src }], { scope: 'all' });
}

test('without comments both sides are reported', () => {
  expect(run(race('\twg.Go(func() { err = a() })', '')).findings.map((f) => f.line)).toEqual([8, 9]);
});

test('racecheck:ignore with the rule id on the line silences that line only, and is counted', () => {
  const r = run(race('\twg.Go(func() { err = a() }) //racecheck:ignore closure-write reviewed', ''));
  expect(r.findings.map((f) => f.line)).toEqual([9]);
  expect(r.suppressed).toEqual({ 'closure-write': 1 });
});

test('a comment line above silences the line below', () => {
  const r = run(race('\twg.Go(func() { err = a() })', '', '\t//racecheck:ignore closure-write reviewed\n'));
  expect(r.findings.map((f) => f.line)).toEqual([10]);
  expect(r.suppressed['closure-write']).toBe(1);
});

test('a trailing comment on the line above does not reach down', () => {
  const r = run(race('\twg.Go(func() { err = a() }) //racecheck:ignore closure-write reviewed', ''));
  // Line 9 sits below a code line whose trailing comment silences only that line.
  expect(r.findings.some((f) => f.line === 9)).toBe(true);
});

test('another rule id does not silence it', () => {
  const r = run(race('\twg.Go(func() { err = a() }) //racecheck:ignore copied-lock not this', ''));
  expect(r.findings.map((f) => f.line)).toEqual([8, 9]);
  expect(r.suppressed).toEqual({});
});

test('nolint:racecheck silences every rule; nolint for other linters does not', () => {
  expect(run(race('\twg.Go(func() { err = a() }) //nolint:racecheck', '')).findings.map((f) => f.line)).toEqual([9]);
  expect(run(race('\twg.Go(func() { err = a() }) //nolint:errcheck,racecheck', '')).findings.map((f) => f.line)).toEqual([9]);
  expect(run(race('\twg.Go(func() { err = a() }) //nolint:errcheck', '')).findings.map((f) => f.line)).toEqual([8, 9]);
});

test('disabling a rule in the options turns it off', () => {
  const r = analyze([{ path: 'x.go', content: race('\twg.Go(func() { err = a() })', '') }], { scope: 'all', rules: { 'closure-write': { enabled: false } } });
  expect(r.findings).toEqual([]);
});

test('a severity override is applied', () => {
  const r = analyze([{ path: 'x.go', content: race('\twg.Go(func() { err = a() })', '') }], { scope: 'all', rules: { 'closure-write': { severity: 'warning' } } });
  expect(r.findings.map((f) => f.severity)).toEqual(['warning', 'warning']);
});

describe('an ignore needs a rule and a reason, and one that silences nothing is reported', () => {
  const problems = (src: string, options = {}) => analyze([{ path: 'x.go', content: src }], { scope: 'all', ...options }).files[0]!.ignoreProblems ?? [];

  test('a bare //racecheck:ignore silences nothing and is reported', () => {
    const r = run(race('\twg.Go(func() { err = a() }) //racecheck:ignore', ''));
    expect(r.findings.map((f) => f.line)).toEqual([8, 9]);
    expect(r.suppressed).toEqual({});
    expect(r.files[0]!.ignoreProblems).toEqual([{ line: 8, message: expect.stringContaining('names no rule') }]);
  });

  test('a rule without a reason silences nothing and is reported', () => {
    const r = run(race('\twg.Go(func() { err = a() }) //racecheck:ignore closure-write', ''));
    expect(r.findings.map((f) => f.line)).toEqual([8, 9]);
    expect(r.files[0]!.ignoreProblems).toEqual([{ line: 8, message: expect.stringContaining('gives no reason') }]);
  });

  test('all with a reason silences every rule on the line, with nothing to report', () => {
    const r = run(race('\twg.Go(func() { err = a() }) //racecheck:ignore all reviewed by hand', ''));
    expect(r.findings.map((f) => f.line)).toEqual([9]);
    expect(r.files[0]!.ignoreProblems).toBeUndefined();
  });

  test('an ignore that silences nothing is reported; an unknown rule id too', () => {
    expect(problems(race('\twg.Go(func() { err = a() }) //racecheck:ignore package-state not this', ''))).toEqual([{ line: 8, message: expect.stringContaining('silences nothing here') }]);
    expect(problems(race('\twg.Go(func() { err = a() }) //racecheck:ignore no-such-rule typo', ''))).toEqual([{ line: 8, message: expect.stringContaining('unknown rule no-such-rule') }]);
  });

  test('an ignore for a disabled rule, or outside the diff, is not called unused', () => {
    const src = race('\twg.Go(func() { err = a() }) //racecheck:ignore copied-lock not this', '');
    expect(problems(src, { rules: { 'copied-lock': { enabled: false } } })).toEqual([]);
    expect(analyze([{ path: 'x.go', content: src, addedLines: new Set([3]) }], { scope: 'diff' }).files[0]!.ignoreProblems).toBeUndefined();
  });
});
