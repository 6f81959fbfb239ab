/** mixed-atomic: being written (placeholder so the registry compiles). */
import type { Rule } from '../rule.js';

export const mixedAtomic: Rule = {
  meta: {
    id: 'mixed-atomic',
    summary: 'A variable is accessed both atomically and with plain reads or writes.',
    defaultSeverity: 'error',
    fixable: false,
    docPath: 'docs/rules/mixed-atomic.md',
  },
  run() {},
};
