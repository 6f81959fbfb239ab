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
