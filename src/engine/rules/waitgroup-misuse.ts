/** waitgroup-misuse: being written (placeholder so the registry compiles). */
import type { Rule } from '../rule.js';

export const waitGroupMisuse: Rule = {
  meta: {
    id: 'waitgroup-misuse',
    summary: 'A sync.WaitGroup is used in a way that lets Wait return early or panic.',
    defaultSeverity: 'error',
    fixable: false,
    docPath: 'docs/rules/waitgroup-misuse.md',
  },
  run() {},
};
