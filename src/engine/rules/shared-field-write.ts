/** shared-field-write: being written (placeholder so the registry compiles). */
import type { Rule } from '../rule.js';

export const sharedFieldWrite: Rule = {
  meta: {
    id: 'shared-field-write',
    summary: 'Concurrent goroutines mutate fields of one shared object.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/shared-field-write.md',
  },
  run() {},
};
