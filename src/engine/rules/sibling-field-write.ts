/**
 * sibling-field-write: goroutines started side by side set the same field of one object (the seed
 * article's second race: two errgroup closures each set `client.CheckRedirect` on one http.Client).
 * The reporting, message and fix are shared-field-write's; this rule owns the writes that race with
 * another goroutine's write, the shape that held up in triage.
 */
import { onlyWalkedBodies, type Rule } from '../rule.js';
import { mightSpawn } from '../semantic/model.js';
import { reportFieldWrites, siblingWrite } from './shared-field-write.js';

export const siblingFieldWrite: Rule = {
  meta: {
    id: 'sibling-field-write',
    summary: 'Goroutines started side by side set the same field of one object.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/sibling-field-write.md',
  },
  bodies: onlyWalkedBodies,
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  run: reportFieldWrites((a, conflicts) => conflicts.filter((b) => siblingWrite(a, b))),
};
