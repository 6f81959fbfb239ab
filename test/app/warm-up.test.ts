/** The analysis workers' warm-up must run the paths a review runs, or the first pull request compiles them. */
import { warmUp, warmUpMainThread } from '../../src/app/warm-up.js';

test('the warm-up reviews a package the way a pull request is reviewed: findings of package and function rules, fixes checked', () => {
  const seen = warmUp(1);
  expect(seen.rules).toEqual(expect.arrayContaining(['closure-write', 'unguarded-field']));
  expect(seen.fixesOffered).toBeGreaterThan(0);
  // The common race shapes: a `go` closure's and errgroup closures' shared variables.
  expect(seen.messages.some((m) => m.includes('outside the goroutine started'))).toBe(true);
  expect(seen.messages.some((m) => m.includes('outside the `g.Go` closure'))).toBe(true);
});

test("the App process's warm-up reviews a change that deletes a Lock/Unlock pair: bases rebuilt and compared", () => {
  expect(warmUpMainThread()).toEqual(['removed-sync']);
});
