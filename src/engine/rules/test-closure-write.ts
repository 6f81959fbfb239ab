/**
 * test-closure-write: closure-write's hazard in a `_test.go` file. Off by default: test code orders its
 * goroutines through fake clocks, test servers and library calls the engine does not see, and
 * `go test -race` checks the tests it runs anyway (bench/triage rounds 55–78: 0.68 right in tests, 0.92 elsewhere).
 */
import { onlyWalkedBodies, type Rule } from '../rule.js';
import { mightSpawn } from '../semantic/model.js';
import { isTestFile, reportClosureWrites } from './closure-write.js';

export const testClosureWrite: Rule = {
  meta: {
    id: 'test-closure-write',
    summary: 'In a test file, a concurrently running closure assigns a variable it shares with other goroutines.',
    defaultSeverity: 'warning',
    fixable: true,
    defaultEnabled: false,
    docPath: 'docs/rules/test-closure-write.md',
  },
  bodies: onlyWalkedBodies,
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  run(model, report) {
    if (isTestFile(model)) reportClosureWrites(model, report);
  },
};
