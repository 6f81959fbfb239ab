/** closure-write's check in `_test.go` files is test-closure-write's (docs/rules/test-closure-write.md). */
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/engine/index.js';

const racy = readFileSync(new URL('../fixtures/test-closure-write/two_goroutines_test.go', import.meta.url), 'utf8');

function findingsAt(path: string, testsOn: boolean): [string, number, string][] {
  const rules: Record<string, { enabled: boolean }> = { 'test-closure-write': { enabled: testsOn } };
  return analyze([{ path, content: racy }], { scope: 'all', rules }).findings.map((f) => [f.rule, f.line, f.severity]);
}

test('a test file is test-closure-write\'s, a warning, and quiet once that rule is off', () => {
  expect(findingsAt('start_test.go', true)).toEqual([
    ['test-closure-write', 16, 'warning'],
    ['test-closure-write', 20, 'warning'],
  ]);
  expect(findingsAt('start_test.go', false)).toEqual([]);
});

test('any other file is closure-write\'s, whether or not test-closure-write is on', () => {
  const expected = [
    ['closure-write', 16, 'error'],
    ['closure-write', 20, 'error'],
  ];
  expect(findingsAt('start.go', true)).toEqual(expected);
  expect(findingsAt('start.go', false)).toEqual(expected);
});

test('test-closure-write is on by default when reviewing changes, not over whole files', () => {
  const byDefault = (reviewingChanges: boolean) =>
    analyze([{ path: 'start_test.go', content: racy }], { scope: 'all', reviewingChanges }).findings.map((f) => [f.rule, f.line]);
  expect(byDefault(false)).toEqual([]);
  expect(byDefault(true)).toEqual([
    ['test-closure-write', 16],
    ['test-closure-write', 20],
  ]);
});
