import type { Rule } from '../rule.js';

/** Every detector, in the order findings are produced. */
export const ALL_RULES: readonly Rule[] = [];
