/** rlock-write: being written (placeholder so the registry compiles). */
import type { Rule } from '../rule.js';

export const rlockWrite: Rule = {
  meta: {
    id: 'rlock-write',
    summary: 'A write is made while holding only a read lock.',
    defaultSeverity: 'error',
    fixable: false,
    docPath: 'docs/rules/rlock-write.md',
  },
  run() {},
};
