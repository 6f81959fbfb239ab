/**
 * shared-container: a map written or a slice appended to or sorted from a concurrent closure while
 * another goroutine uses it. The detection is shared with shared-buffer (shared-values.ts).
 */
import type { Rule } from '../rule.js';
import { reportSharedValues, walksCommandStarts } from './shared-values.js';

export const sharedContainer: Rule = {
  meta: {
    id: 'shared-container',
    summary: 'A map or slice that is not safe for concurrent use is shared across goroutines.',
    defaultSeverity: 'error',
    fixable: true,
    // Off: 20 of the 32 maps and slices read in the hand triage (bench/triage, rounds 1-24, rechecked) were right.
    defaultEnabled: false,
    docPath: 'docs/rules/shared-container.md',
  },
  ...walksCommandStarts,
  run: reportSharedValues('containers'),
};
