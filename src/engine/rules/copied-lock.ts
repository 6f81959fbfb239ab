/** copied-lock: being written (placeholder so the registry compiles). */
import type { Rule } from '../rule.js';

export const copiedLock: Rule = {
  meta: {
    id: 'copied-lock',
    summary: 'A value that holds a lock is copied, so the copy locks nothing shared.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/copied-lock.md',
  },
  run() {},
};
