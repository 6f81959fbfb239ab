/**
 * closure-write: a closure that runs concurrently assigns a variable declared outside it
 * (the seed article's first race: `err = Baz()` in two errgroup closures).
 */
import type { Rule } from '../rule.js';
import type { Access, FileModel } from '../semantic/model.js';
import { conflictingAccesses, inParallelTest, isOuter, pickConflict, unsynchronized } from './conflicts.js';

import { describeOtherInstance, describeThread, lineOf, spanOf } from './describe.js';

/**
 * `err = Baz()` -> `err := Baz()`, when that declares a fresh local for every name on the left
 * without changing what the closure reads: the statement sits directly in the closure body and
 * comes before any other use of those names there.
 */
function declareLocally(model: FileModel, a: Access, conflictsInParent: boolean): string | undefined {
  if (conflictsInParent || readOutside(model, a)) return undefined; // the parent wants the value: a local would lose it
  const stmt = a.node.parent?.parent;
  if (stmt?.type !== 'assignment_statement') return undefined;
  const op = stmt.children.find((c) => !c.isNamed);
  if (op?.type !== '=') return undefined;
  const body = a.unit.body;
  if (!body || stmt.parent?.parent?.startIndex !== body.startIndex || stmt.startPosition.row !== stmt.endPosition.row) return undefined;
  const left = stmt.childForFieldName('left')?.namedChildren ?? [];
  if (!left.every((l) => l.type === 'identifier')) return undefined;
  for (const l of left) {
    if (l.text === '_') continue;
    const decl = model.resolve(l);
    if (!decl || !isOuter(decl.node, a.unit.node)) return undefined;
    const earlier = model.accessesOf(decl).some((b) => b.unit === a.unit && b.node.startIndex < stmt.startIndex);
    if (earlier) return undefined;
  }
  if (left.every((l) => l.text === '_')) return undefined;
  const line = model.lines[lineOf(stmt) - 1];
  const col = op.startPosition.column;
  if (line.slice(col, col + 1) !== '=') return undefined;
  return line.slice(0, col) + ':' + line.slice(col);
}

/**
 * Where code outside the goroutines reads the variable (e.g. `return err` after `wg.Wait()`), or it is
 * a named result: then the value the goroutine stores is the point, and `:=` would change what the
 * function returns. The first such read's line, or the declaration's for a named result.
 */
function readOutside(model: FileModel, a: Access): number | undefined {
  if (a.decl.kind === 'result') return lineOf(a.decl.node);
  // Reads before the goroutine starts see the old value either way.
  const started = a.thread.spawn?.site?.startIndex ?? a.thread.node.startIndex;
  const read = model.accessesOf(a.decl).find((b) => b.kind === 'read' && !b.thread.spawn && b.node.startIndex > started);
  return read ? lineOf(read.node) : undefined;
}

/** The advice when the function uses the value after the join: one slot per goroutine, combined after. */
function perGoroutineAdvice(name: string, readLine: number, isError: boolean): string {
  return (
    ` The function uses \`${name}\` after the goroutines (line ${readLine}), so a local \`${name} := …\` would change what it returns. ` +
    (isError
      ? `Give each goroutine its own slot (\`errs[i] = …\`) and combine them after the join (first non-nil, or \`errors.Join\`), or run them in an \`errgroup.Group\` and return \`g.Wait()\`'s error.`
      : `Give each goroutine its own slot (\`results[i] = …\`) and combine them after the join, or guard \`${name}\` with a mutex.`)
  );
}

export const closureWrite: Rule = {
  meta: {
    id: 'closure-write',
    summary: 'A concurrently running closure assigns a variable it shares with other goroutines.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/closure-write.md',
  },
  run(model, report) {
    for (const a of model.accesses) {
      if (a.kind !== 'write' || a.path.length > 0 || a.appendSelf || a.deleted) continue;
      if (!a.thread.spawn || a.decl.loop) continue; // loop variables belong to loop-var-capture
      // Package-level state and parallel subtests have rules of their own.
      if (a.decl.packageLevel || inParallelTest(a.thread)) continue;
      if (!isOuter(a.decl.node, a.thread.node)) continue;
      if (!unsynchronized(model, a)) continue;
      const conflicts = conflictingAccesses(model, a, () => true);
      if (conflicts.length === 0) continue;
      const other = pickConflict(a, conflicts);
      const name = a.decl.name;
      const where = describeThread(a.thread);
      const otherWhere = other === a ? describeOtherInstance(a.thread) : describeThread(other.thread);
      const otherWhat = other.kind === 'write' ? 'written' : 'read';
      const inParent = conflicts.some((b) => !b.thread.spawn || b.thread === a.thread.spawn?.parent?.thread);
      const replacement = declareLocally(model, a, inParent);
      const readLine = inParent ? undefined : readOutside(model, a);
      const isError = /^(err|.*Err)$/.test(name) || a.decl.node.parent?.text.includes('error') === true;
      const kindOfName = a.decl.kind === 'result' ? 'named result' : 'variable';
      const message =
        `\`${name}\` is a ${kindOfName} declared outside ${where}, which assigns it while it is also ${otherWhat} ` +
        (other === a ? `by ${otherWhere}` : `on line ${lineOf(other.node)} by ${otherWhere}`) +
        `. Unsynchronized, the two accesses race.` +
        (replacement
          ? ` Declare a local instead (\`${name} := …\`), or return it through a named result.`
          : readLine !== undefined
            ? perGoroutineAdvice(name, readLine, isError)
            : ' Give each goroutine its own variable, or guard it with a mutex.');
      const related = conflicts
        .filter((b) => b !== a)
        .slice(0, 3)
        .map((b) => ({ line: lineOf(b.node), message: `\`${name}\` ${b.kind === 'write' ? 'written' : 'read'} by ${describeThread(b.thread)}` }));
      report({
        ...spanOf(a.node),
        message,
        related,
        ...(replacement ? { fix: { message: `Declare a local instead (\`${name} := …\`).`, edits: [{ startLine: lineOf(a.node), endLine: lineOf(a.node), replacement }] } } : {}),
      });
    }
  },
};
