/**
 * shared-buffer: a `bytes.Buffer` or `strings.Builder` that something keeps writing to (a command's
 * output, a stream's writer) is read or written by another goroutine meanwhile (the seed article's
 * fourth race). The detection is shared with shared-container, which reports maps and slices
 * (shared-values.ts).
 */
import type { Rule } from '../rule.js';
import { reportSharedValues, walksCommandStarts } from './shared-values.js';

export const sharedBuffer: Rule = {
  meta: {
    id: 'shared-buffer',
    summary: 'A buffer that is not safe for concurrent use is written by one goroutine while another uses it.',
    defaultSeverity: 'error',
    fixable: false,
    // On for changes: 16 of the 17 buffer findings read in the hand triage (bench/triage, rounds 1-24,
    // rechecked; judged as shared-container's before the split) were right.
    defaultEnabled: 'changes',
    docPath: 'docs/rules/shared-buffer.md',
  },
  ...walksCommandStarts,
  run: reportSharedValues('buffers'),
};
