/**
 * test-closure-write: closure-write's hazard in a `_test.go` file, a rule of its own so that a team can
 * keep test races from failing its checks (a warning) or turn them off where `go test -race` runs.
 */
import type { Rule } from '../rule.js';
import { closureWrite, isTestFile, reportClosureWrites } from './closure-write.js';

export const testClosureWrite: Rule = {
  meta: {
    id: 'test-closure-write',
    summary: 'In a test file, a concurrently running closure assigns a variable it shares with other goroutines.',
    defaultSeverity: 'warning',
    fixable: true,
    // Under 70% in the hand triage's fresh rounds of whole repositories (docs page): on for changes only.
    defaultEnabled: 'changes',
    docPath: 'docs/rules/test-closure-write.md',
  },
  // The same check reads the same bodies.
  bodies: closureWrite.bodies,
  lockedMethods: closureWrite.lockedMethods,
  lockingBodies: closureWrite.lockingBodies,
  run(model, report) {
    if (isTestFile(model)) reportClosureWrites(model, report);
  },
};
