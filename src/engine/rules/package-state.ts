/**
 * package-state: package-level maps, slices and counters written without synchronization from
 * HTTP handlers or other concurrent code.
 */
import { onlyWalkedBodies, type Rule } from '../rule.js';
import { mightSpawn } from '../semantic/model.js';
import { conflictingAccesses, inParallelTest, pickConflict, touchesWritten, unsynchronized } from './conflicts.js';
import { describeOtherInstance, describeThread, lineOf, spanOf } from './describe.js';
import { describeWrite, writeShape } from './shared-write.js';

export const packageState: Rule = {
  meta: {
    id: 'package-state',
    summary: 'Package-level state is written without synchronization from concurrent code.',
    defaultSeverity: 'error',
    fixable: false,
    docPath: 'docs/rules/package-state.md',
  },
  bodies: onlyWalkedBodies,
  // It reads goroutines' writes, and what may run beside them (handlers): a method of a locked struct matters when it may start goroutines.
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  run(model, report) {
    for (const a of model.accesses) {
      if (!a.decl.packageLevel || !a.thread.spawn || inParallelTest(a.thread)) continue;
      const shape = writeShape(model, a);
      if (!shape || !unsynchronized(model, a)) continue;
      // Another field, or the pointer the field is reached through, is other memory.
      const conflicts = conflictingAccesses(model, a, (b) => touchesWritten(model, a, b));
      if (conflicts.length === 0) continue;
      const other = pickConflict(a, conflicts);
      const otherText =
        other === a
          ? `written at the same time by ${describeOtherInstance(a.thread)}`
          : `${other.kind === 'write' ? 'written' : 'read'} on line ${lineOf(other.node)} by ${describeThread(other.thread)}`;
      const counter = shape === 'assign' && /^(int|int32|int64|uint|uint32|uint64)$/.test(a.decl.type.kind === 'named' ? a.decl.type.name : '');
      report({
        ...spanOf(a.node),
        message:
          `Package-level ${describeWrite(a, shape).replace(/^the map /, 'map ')} by ${describeThread(a.thread)} ` +
          `while it is also ${otherText}, with no lock held. ` +
          (counter ? 'Use an atomic counter (atomic.Int64) or guard it with a mutex.' : 'Guard it with a mutex next to it, or give each goroutine its own state.'),
        related: conflicts
          .filter((b) => b !== a)
          .slice(0, 3)
          .map((b) => ({ line: lineOf(b.node), message: `\`${b.decl.name}\` ${b.kind === 'write' ? 'written' : 'read'} by ${describeThread(b.thread)}` })),
        fixHint: counter
          ? `\`\`\`go\nvar ${a.decl.name} atomic.Int64\n\n${a.decl.name}.Add(1)\n\`\`\``
          : `\`\`\`go\nvar (\n\t${a.decl.name}Mu sync.Mutex\n\t${a.decl.name} …\n)\n\n${a.decl.name}Mu.Lock()\n// write ${a.decl.name}\n${a.decl.name}Mu.Unlock()\n\`\`\``,
      });
    }
  },
};
