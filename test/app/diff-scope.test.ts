/** narrowToDiff, the engine's added-lines scope, agrees with analyze(scope: 'diff') (the App now reviews with the differential layer). */
import fc from 'fast-check';
import { analyze, type Finding } from '../../src/engine/index.js';
import { narrowToDiff } from '../../src/engine/index.js';
import { goSource } from './helpers.js';

const SEED = goSource('1-closure-capture.go');
const LINES = SEED.split('\n').length;
const key = (f: Finding) => `${f.file}:${f.line}:${f.column}:${f.rule}:${f.message}:${f.fix ? JSON.stringify(f.fix) : ''}`;

test('narrowToDiff of whole-file findings (as the App does) equals the engine’s diff scope for any set of added lines', () => {
  const whole = analyze([{ path: 'run.go', content: SEED }], { scope: 'all', goVersion: '1.22' }).findings;
  expect(whole.length).toBeGreaterThan(1);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: LINES }), { maxLength: 12 }), (lines) => {
      const added = new Set(lines);
      const viaEngine = analyze([{ path: 'run.go', content: SEED, addedLines: added }], { scope: 'diff', goVersion: '1.22' }).findings;
      const viaApp = narrowToDiff(whole, new Map([['run.go', added]]));
      expect(viaApp.map(key).sort()).toEqual(viaEngine.map(key).sort());
    }),
    { numRuns: 60 },
  );
});

test('a race reported from both sides, with one side added, is reported once on that side', () => {
  const a: Finding = { rule: 'closure-write', file: 'a.go', line: 5, column: 3, endLine: 5, endColumn: 6, severity: 'error', message: 'write at 5', related: [{ file: 'a.go', line: 9, message: 'other' }] };
  const b: Finding = { ...a, line: 9, message: 'write at 9', related: [{ file: 'a.go', line: 5, message: 'other' }] };
  const kept = narrowToDiff([a, b], new Map([['a.go', new Set([5])]]));
  expect(kept).toEqual([a]);
});
