/**
 * closure-write: a closure that runs concurrently assigns a variable declared outside it
 * (the seed article's first race: `err = Baz()` in two errgroup closures).
 */
import { onlyWalkedBodies, type Diagnostic, type Rule } from '../rule.js';
import { mightSpawn } from '../semantic/model.js';
import type { Access, Decl, FileModel, FuncUnit, Node } from '../semantic/model.js';
import { inParallelTest, isOuter, unsynchronized } from './conflicts.js';

import { describeOtherInstance, describeThread, lineOf, reportOncePerWriter, spanOf } from './describe.js';

/**
 * `err = Baz()` -> `err := Baz()`, when that declares a fresh local for every name on the left
 * without changing what the closure reads: the statement sits directly in the closure body and
 * comes before any other use of those names there.
 */
function declareLocally(model: FileModel, a: Access, conflictsInParent: boolean): string | undefined {
  if (conflictsInParent || readOutside(model, a)) return undefined; // the parent wants the value: a local would lose it
  if (readByOtherGoroutine(model, a)) return undefined; // so does another goroutine
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
  // A later `_, err := …` in the same block declares nothing new once err is local: it would not compile.
  const names = new Set(left.map((l) => l.text).filter((n) => n !== '_'));
  for (let next = stmt.nextNamedSibling; next; next = next.nextNamedSibling) {
    if (next.type !== 'short_var_declaration') continue;
    const declared = (next.childForFieldName('left')?.namedChildren ?? []).map((l) => l.text).filter((n) => n !== '_');
    if (declared.some((n) => names.has(n))) return undefined;
  }
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
  const after = accessIndex(model, a.decl).unspawned.filter((b) => b.node.startIndex > started);
  // `if err = g.Wait(); err != nil` first, in the function's own statements: later reads see that value.
  if (after[0]?.kind === 'write' && overwritesUnconditionally(after[0])) return undefined;
  const read = after.find((b) => b.kind === 'read');
  return read ? lineOf(read.node) : undefined;
}

/** `x = …` (or `if x = …; …`) as a statement of its function's own body, not under a branch or loop. */
function overwritesUnconditionally(w: Access): boolean {
  if (w.path.length > 0) return false;
  const stmt = w.node.parent?.parent;
  if (stmt?.type !== 'assignment_statement' || stmt.children.find((c) => !c.isNamed)?.type !== '=') return false;
  const holder = stmt.parent?.type === 'if_statement' && stmt.parent.childForFieldName('initializer')?.startIndex === stmt.startIndex ? stmt.parent : stmt;
  return !!w.unit.body && holder.parent?.parent?.startIndex === w.unit.body.startIndex;
}

/**
 * Whether a goroutine other than the writer's reads the variable before any write of its own: it
 * wants another goroutine's value (`r = newRelay()` here, `r.Pause()` there), which a local would lose.
 */
function readByOtherGoroutine(model: FileModel, a: Access): boolean {
  const accesses = model.accessesOf(a.decl);
  return accesses.some(
    (b) => b.kind === 'read' && b.thread !== a.thread && b.thread.spawn !== undefined && !accesses.some((w) => w.kind === 'write' && w.thread === b.thread && w.node.startIndex < b.node.startIndex),
  );
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

/** A declaration's accesses in source order, with those in each thread and in unspawned threads. */
interface AccessIndex {
  ordered: Access[];
  byThread: Map<FuncUnit, Access[]>;
  unspawned: Access[];
}

const indexes = new WeakMap<Decl, AccessIndex>();

function accessIndex(model: FileModel, decl: Decl): AccessIndex {
  let index = indexes.get(decl);
  if (index) return index;
  const starts = new Map<Access, number>();
  for (const b of model.accessesOf(decl)) starts.set(b, b.node.startIndex);
  const ordered = [...starts.keys()].sort((x, y) => starts.get(x)! - starts.get(y)!);
  const byThread = new Map<FuncUnit, Access[]>();
  for (const b of ordered) {
    const list = byThread.get(b.thread);
    if (list) list.push(b);
    else byThread.set(b.thread, [b]);
  }
  index = { ordered, byThread, unspawned: ordered.filter((b) => !b.thread.spawn) };
  indexes.set(decl, index);
  return index;
}

/**
 * The access to name as the conflict (the parent's write that stops what the goroutine waits in, if
 * any; else another thread's write first, then any write, then a read; the earliest of those), up to
 * three others, and whether the spawning code itself conflicts.
 * The scan stops once nothing better can turn up, so thousands of goroutines writing one variable
 * cost about one pass each instead of a check of every pair.
 */
function findConflicts(model: FileModel, a: Access): { other: Access; related: Access[]; inParent: boolean; stop?: string } | undefined {
  const index = accessIndex(model, a.decl);
  const multi = model.isMultiInstance(a.thread);
  const afterClose = nilledAfterClose(model, a);
  const conflicts = (b: Access) =>
    (b !== a || multi) &&
    !storedAddress(b) &&
    !(afterClose && b.kind === 'read' && b.thread !== a.thread && !closedBefore(model, b)) &&
    model.mayRunInParallel(a, b) &&
    unsynchronized(model, b);
  let other: Access | undefined;
  let otherScore = -1;
  const related: Access[] = [];
  for (const b of index.ordered) {
    if (otherScore === 3 && related.length >= 3) break;
    if (!conflicts(b)) continue;
    if (b !== a && related.length < 3) related.push(b);
    // Another instance's own write (b === a) races for sure; the same goroutine's other accesses
    // meet a's other instances only on paths that may exclude each other.
    const score = b === a ? 2.5 : (b.thread !== a.thread ? 2 : 0) + (b.kind === 'write' ? 1 : 0);
    if (score > otherScore) [other, otherScore] = [b, score];
  }
  if (!other) return undefined;
  const parent = a.thread.spawn?.parent?.thread;
  const parentAccesses = parent?.spawn ? (index.byThread.get(parent) ?? []) : index.unspawned;
  const inParent = index.unspawned.some(conflicts) || (parent?.spawn ? parentAccesses.some(conflicts) : false);
  // `err = srv.Run()` in the goroutine: it returns once the parent's `err = srv.Stop()` stops it,
  // so that write is the one it meets for sure; other parent accesses race only on a failure path.
  const waitsIn = blockingReceiver(model, a.node);
  if (waitsIn) {
    for (const b of parentAccesses) {
      const stop = b.kind === 'write' && conflicts(b) ? stopCallOn(b.node, waitsIn) : undefined;
      if (stop) return { other: b, related, inParent, stop };
    }
  }
  return { other, related, inParent };
}

/**
 * `&x` kept in a literal or a variable reads nothing: what reads x is a later use of the pointer,
 * which is not this access. An address passed straight to a call still counts (the callee uses it now).
 */
function storedAddress(b: Access): boolean {
  if (!b.addressTaken) return false;
  const at = b.node.parent?.parent?.type;
  return at === 'literal_element' || at === 'keyed_element' || at === 'expression_list';
}

/**
 * `ch = nil` in the `!ok` branch of a receive from ch (a select loop turning off a closed input):
 * it runs after ch was closed, and whoever closed it read ch first. Only a read that follows a
 * `close(ch)` of its own goroutine can meet the write.
 */
function nilledAfterClose(model: FileModel, a: Access): boolean {
  // Read the line first: asking a node deep in a long else-if chain for its parent costs the depth.
  if (!/=\s*nil\b/.test(restOfLine(model.source, a.node.endIndex))) return false;
  const stmt = a.node.parent?.parent;
  if (stmt?.type !== 'assignment_statement' || stmt.childForFieldName('right')?.text !== 'nil') return false;
  for (let n: Node | null = stmt.parent; n && n.startIndex > a.unit.node.startIndex; n = n.parent) {
    if (n.type !== 'if_statement') continue;
    const cond = n.childForFieldName('condition');
    const ok = cond?.type === 'unary_expression' && cond.child(0)?.type === '!' ? cond.childForFieldName('operand') : undefined;
    if (ok?.type !== 'identifier') continue;
    const okDecl = model.resolve(ok);
    // `v, ok := <-ch` as a statement or a select case: the declaration's list is the receive's left side.
    const holder = okDecl?.node.parent?.parent;
    const value = holder?.childForFieldName('right') ?? holder?.childForFieldName('value');
    const received = value?.type === 'expression_list' ? value.namedChild(0) : value;
    if (received?.type !== 'unary_expression' || received.child(0)?.type !== '<-') continue;
    const channel = received.childForFieldName('operand');
    return channel?.type === 'identifier' && model.resolve(channel) === a.decl;
  }
  return false;
}

/** Whether b's goroutine closes the channel variable b reads before b. */
function closedBefore(model: FileModel, b: Access): boolean {
  return model.accessesOf(b.decl).some((c) => {
    if (c.thread !== b.thread) return false;
    const call = c.node.parent?.parent;
    if (call?.type !== 'call_expression' || call.childForFieldName('function')?.text !== 'close') return false;
    // `defer close(ch)` closes at exit: after b, unless b runs in a closure deferred earlier (the last deferred runs first).
    if (call.parent?.type === 'defer_statement') return deferredBefore(b.node, call.parent);
    return c.node.startIndex < b.node.startIndex;
  });
}

/** Whether node sits in a defer statement that comes before `defer`, so runs after it. */
function deferredBefore(node: Node, defer: Node): boolean {
  for (let n: Node | null = node.parent; n; n = n.parent) if (n.type === 'defer_statement') return n.endIndex <= defer.startIndex;
  return false;
}

/** `srv` for the write in `err = srv.Run()` or `err := srv.Serve(l)`: a method call whose result is assigned. */
function blockingReceiver(model: FileModel, write: Node): string | undefined {
  if (!/=.*\.\w+\(/.test(restOfLine(model.source, write.endIndex))) return undefined;
  const stmt = write.parent?.parent;
  if (stmt?.type !== 'assignment_statement' && stmt?.type !== 'short_var_declaration') return undefined;
  const value = stmt.childForFieldName('right')?.namedChild(0);
  const fn = value?.type === 'call_expression' ? value.childForFieldName('function') : undefined;
  return fn?.type === 'selector_expression' ? fn.childForFieldName('operand')?.text : undefined;
}

/** The source from `pos` to the end of its line. */
function restOfLine(source: string, pos: number): string {
  const end = source.indexOf('\n', pos);
  return source.slice(pos, end < 0 ? source.length : end);
}

const STOP_METHODS = /^(Stop|Close|Shutdown|Cancel|Terminate|Kill)$/;

/** `srv.Stop()` when the access's statement calls a stopping method on `receiver`. */
function stopCallOn(node: Node, receiver: string): string | undefined {
  let stmt: Node | null = node;
  for (let i = 0; stmt && i < 4 && !stmt.type.endsWith('_statement') && stmt.type !== 'short_var_declaration'; i++) stmt = stmt.parent;
  if (!stmt) return undefined;
  for (const call of stmt.descendantsOfType('call_expression')) {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'selector_expression' || fn.childForFieldName('operand')?.text !== receiver) continue;
    if (STOP_METHODS.test(fn.childForFieldName('field')?.text ?? '')) return `${receiver}.${fn.childForFieldName('field')!.text}()`;
  }
  return undefined;
}

/**
 * `return items, total, g.Wait()`: a read in the same return statement as a later `Wait()` call. The
 * spec orders the calls of a statement, not its plain reads against them, so the read may come first.
 * The join's callee (`g.Wait`), for the message.
 */
function joinLaterInReturn(other: Access): string | undefined {
  if (other.kind !== 'read') return undefined;
  let stmt: Node | null = other.node.parent;
  for (let i = 0; stmt && i < 6 && stmt.type !== 'return_statement'; i++) stmt = stmt.parent;
  if (stmt?.type !== 'return_statement') return undefined;
  const join = stmt.descendantsOfType('call_expression').find((c) => c.startIndex > other.node.endIndex && /\.Wait$/.test(c.childForFieldName('function')?.text ?? ''));
  return join?.childForFieldName('function')?.text;
}

/** Whether a file is a `_test.go` file: its closure-writes are test-closure-write's (see that rule). */
export function isTestFile(model: FileModel): boolean {
  return model.path.endsWith('_test.go');
}

/** Every write by a concurrently running closure to a variable it shares, in the file: one finding per variable and goroutine. */
export function reportClosureWrites(model: FileModel, report: (diagnostic: Diagnostic) => void): void {
  reportOncePerWriter(racingWrites(model), report);
}

/** Each write that races, in source order, with the finding it would make alone. */
function* racingWrites(model: FileModel): Generator<{ access: Access; diagnostic: Diagnostic }> {
  const writes = model.accesses.filter((a) => a.kind === 'write').sort((x, y) => x.node.startIndex - y.node.startIndex);
  for (const a of writes) {
    if (a.path.length > 0 || a.appendSelf || a.deleted) continue;
    if (!a.thread.spawn || a.decl.loop) continue; // loop variables belong to loop-var-capture
    // Package-level state and parallel subtests have rules of their own.
    if (a.decl.packageLevel || inParallelTest(a.thread)) continue;
    if (!isOuter(a.decl.node, a.thread.node)) continue;
    if (!unsynchronized(model, a)) continue;
    const found = findConflicts(model, a);
    if (!found) continue;
    const { other, related: others, inParent, stop } = found;
    const name = a.decl.name;
    const where = describeThread(a.thread);
    const otherWhere = other === a ? describeOtherInstance(a.thread) : describeThread(other.thread);
    const otherWhat = other.kind === 'write' ? 'written' : 'read';
    const replacement = declareLocally(model, a, inParent);
    const readLine = inParent ? undefined : readOutside(model, a);
    const isError = /^(err|.*Err)$/.test(name) || a.decl.node.parent?.text.includes('error') === true;
    const kindOfName = a.decl.kind === 'result' ? 'named result' : 'variable';
    const waitInReturn = other !== a ? joinLaterInReturn(other) : undefined;
    const message =
      `\`${name}\` is a ${kindOfName} declared outside ${where}, which assigns it while it is also ${otherWhat} ` +
      (other === a ? `by ${otherWhere}` : `on line ${lineOf(other.node)} by ${otherWhere}`) +
      (stop ? `, whose \`${stop}\` is what makes the goroutine's call return` : '') +
      `. Unsynchronized, the two accesses race.` +
      (waitInReturn
        ? ` The read and \`${waitInReturn}()\` share one return statement, and Go does not fix whether \`${name}\` is read before or after that call returns; wait in a statement of its own first (\`err := ${waitInReturn}()\`), then return.`
        : replacement
          ? ` Declare a local instead (\`${name} := …\`), or return it through a named result.`
          : readLine !== undefined
            ? perGoroutineAdvice(name, readLine, isError)
            : other !== a && other.kind === 'read' && other.thread.spawn
              ? ' Make the reader wait for the write (a WaitGroup or channel it waits on after the write), or guard it with a mutex.'
              : ' Give each goroutine its own variable, or guard it with a mutex.');
    const related = others.map((b) => ({ line: lineOf(b.node), message: `\`${name}\` ${b.kind === 'write' ? 'written' : 'read'} by ${describeThread(b.thread)}` }));
    yield {
      access: a,
      diagnostic: {
        ...spanOf(a.node),
        message,
        related,
        ...(replacement ? { fix: { message: `Declare a local instead (\`${name} := …\`).`, edits: [{ startLine: lineOf(a.node), endLine: lineOf(a.node), replacement }] } } : {}),
      },
    };
  }
}

export const closureWrite: Rule = {
  meta: {
    id: 'closure-write',
    summary: 'A concurrently running closure assigns a variable it shares with other goroutines.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/closure-write.md',
  },
  bodies: onlyWalkedBodies,
  // It reads a goroutine's writes, and the accesses of its own function: a method of a locked struct matters when it may start goroutines.
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  run(model, report) {
    if (!isTestFile(model)) reportClosureWrites(model, report);
  },
};
