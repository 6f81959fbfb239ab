/**
 * package-state: package-level maps, slices and counters written without synchronization from
 * HTTP handlers or other concurrent code.
 */
import { onlyWalkedBodies, type Diagnostic, type Rule } from '../rule.js';
import type { Access, FileModel } from '../semantic/model.js';
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
      // Through a local pointing into the variable, any element write is a field of a shared object.
      const shape = a.via ? 'field' : writeShape(model, a);
      if (!shape || !unsynchronized(model, a)) continue;
      // Another field, or the pointer the field is reached through, is other memory.
      const conflicts = conflictingAccesses(model, a, (b) => touchesWritten(model, a, b));
      if (conflicts.length === 0) continue;
      const other = pickConflict(a, conflicts);
      const otherText =
        other === a
          ? `written at the same time by ${describeOtherInstance(a.thread)}`
          : `${other.kind === 'write' ? 'written' : 'read'} on line ${lineOf(other.node)} by ${describeThread(other.thread)}`;
      if (a.via) {
        reportThroughLocal(model, a, other, otherText, conflicts, report);
        continue;
      }
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

/**
 * `u := cache[k]` (or `for _, u := range cache[k]`) and then `u.hits++` in a handler: the local points
 * into package-level state, so every request that takes the same element writes the same object.
 */
function reportThroughLocal(model: FileModel, a: Access, other: Access, otherText: string, conflicts: Access[], report: (diagnostic: Diagnostic) => void): void {
  const via = a.via!;
  const written = [via.local.name, ...via.path.filter((p) => p !== '[]')].join('.');
  const fromLine = lineOf(via.from);
  report({
    ...spanOf(a.node),
    message:
      `\`${written}\` is assigned by ${describeThread(a.thread)} while it is also ${otherText}, with no lock held: ` +
      `\`${via.local.name}\` points into package-level \`${a.decl.name}\` (\`${model.text(via.from)}\`, line ${fromLine}), which every request shares. ` +
      'Change a copy and store it back under the lock, or guard the element with a mutex.',
    related: [
      { line: fromLine, message: `\`${via.local.name}\` taken from package-level \`${a.decl.name}\`` },
      ...conflicts
        .filter((b) => b !== a && b !== other)
        .slice(0, 2)
        .map((b) => ({ line: lineOf(b.node), message: `\`${a.decl.name}\` ${b.kind === 'write' ? 'written' : 'read'} by ${describeThread(b.thread)}` })),
    ],
    fixHint:
      `Copy the element, change the copy, and store it back while holding the lock that guards \`${a.decl.name}\`:\n\n` +
      `\`\`\`go\nmu.Lock()\nc := *${via.local.name} // a copy of its own\nc.… = …\n${a.decl.name}[k] = &c\nmu.Unlock()\n\`\`\``,
  });
}
