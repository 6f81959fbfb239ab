/** mutex-lifetime: being written (placeholder so the registry compiles). */
import type { Rule } from '../rule.js';

export const mutexLifetime: Rule = {
  meta: {
    id: 'mutex-lifetime',
    summary: 'A mutex whose lifetime does not match the data it guards.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/mutex-lifetime.md',
  },
  run() {},
};
