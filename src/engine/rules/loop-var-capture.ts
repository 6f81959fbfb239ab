/** loop-var-capture: being written (placeholder so the registry compiles). */
import type { Rule } from '../rule.js';

export const loopVarCapture: Rule = {
  meta: {
    id: 'loop-var-capture',
    summary: 'A loop variable is captured by concurrent code under pre-Go 1.22 loop semantics.',
    defaultSeverity: 'error',
    fixable: false,
    docPath: 'docs/rules/loop-var-capture.md',
  },
  run() {},
};
