/** shared-container: being written (placeholder so the registry compiles). */
import type { Rule } from '../rule.js';

export const sharedContainer: Rule = {
  meta: {
    id: 'shared-container',
    summary: 'A buffer, map or slice that is not safe for concurrent use is shared across goroutines.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/shared-container.md',
  },
  run() {},
};
