/** closure-write's check in `_test.go` files is test-closure-write's, off by default (docs/rules/test-closure-write.md). */
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/engine/index.js';

const racy = readFileSync(new URL('../fixtures/test-closure-write/two_goroutines_test.go', import.meta.url), 'utf8');

function rulesAt(path: string, enableTests: boolean): [string, number][] {
  const rules: Record<string, { enabled: boolean }> = enableTests ? { 'test-closure-write': { enabled: true } } : {};
  return analyze([{ path, content: racy }], { scope: 'all', rules }).findings.map((f) => [f.rule, f.line]);
}

test('a test file is quiet by default, and reported by test-closure-write once enabled', () => {
  expect(rulesAt('start_test.go', false)).toEqual([]);
  expect(rulesAt('start_test.go', true)).toEqual([
    ['test-closure-write', 16],
    ['test-closure-write', 20],
  ]);
});

test('any other file is closure-write\'s, whether or not test-closure-write is on', () => {
  const expected = [
    ['closure-write', 16],
    ['closure-write', 20],
  ];
  expect(rulesAt('start.go', false)).toEqual(expected);
  expect(rulesAt('start.go', true)).toEqual(expected);
});
