/**
 * parallel-test-state: subtests that call t.Parallel() write variables or fixtures they share.
 */
import { onlyWalkedBodies, type Diagnostic, type Rule } from '../rule.js';
import { mightSpawn, type Access } from '../semantic/model.js';
import { conflictingAccesses, isOuter, parallelTestOf, pickConflict, touchesWritten, unsynchronized } from './conflicts.js';
import { accessedName, describeOtherInstance, describeThread, lineOf, reportOncePerWriter, spanOf } from './describe.js';
import { describeWrite, writeShape } from './shared-write.js';

export const parallelTestState: Rule = {
  meta: {
    id: 'parallel-test-state',
    summary: 'Parallel subtests write a variable or fixture they share.',
    defaultSeverity: 'error',
    fixable: false,
    docPath: 'docs/rules/parallel-test-state.md',
  },
  bodies: onlyWalkedBodies,
  // It reads parallel subtests' writes, and what may run beside them: a method of a locked struct matters when it may start goroutines.
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  run(model, report) {
    // One finding per variable (or field) and subtest, at its first write.
    const writes: { access: Access; diagnostic: Diagnostic }[] = [];
    for (const a of model.accesses) {
      const subtest = parallelTestOf(a.thread);
      if (!subtest || a.decl.loop) continue;
      const shape = writeShape(model, a);
      // The state must be shared between subtests: declared outside the parallel one. A subtest's
      // own variable, written by goroutines inside it, is closure-write's question.
      if (!shape || !isOuter(a.decl.node, subtest.node) || !unsynchronized(model, a)) continue;
      // Only accesses that may touch the written memory: not another field, nor a pointer the write goes through.
      const conflicts = conflictingAccesses(model, a, (b) => touchesWritten(model, a, b));
      if (conflicts.length === 0) continue;
      const other = pickConflict(a, conflicts);
      const otherText =
        other === a
          ? `written again by ${describeOtherInstance(a.thread)}`
          : `${other.kind === 'write' ? 'written' : 'read'} on line ${lineOf(other.node)} by ${describeThread(other.thread)}`;
      writes.push({
        access: a,
        diagnostic: {
          ...spanOf(a.node),
          message:
            `${describeWrite(a, shape)} by ${describeThread(a.thread)}, but it is shared: it is also ${otherText}. ` +
            `Subtests that call t.Parallel() run at the same time, so these accesses race. ` +
            `Give each subtest its own copy (declare it inside the subtest), or guard it with a mutex.`,
          related: conflicts
            .filter((b) => b !== a)
            .slice(0, 3)
            .map((b) => ({ line: lineOf(b.node), message: `\`${accessedName(b)}\` ${b.kind === 'write' ? 'written' : 'read'} by ${describeThread(b.thread)}` })),
          fixHint:
            'Build the state each subtest needs inside it:\n\n```go\nt.Run(tc.name, func(t *testing.T) {\n\tt.Parallel()\n\tfixture := newFixture() // per subtest, not shared\n\t// …\n})\n```',
        },
      });
    }
    reportOncePerWriter(writes.sort((x, y) => x.access.node.startIndex - y.access.node.startIndex), report);
  },
};
