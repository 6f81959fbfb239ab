/**
 * reassigned-capture: a goroutine reads a variable it captured while the function that owns the
 * variable assigns it a new value (`go func() { serve(gs) }()` … `gs = secure`). closure-write reports
 * the goroutine's own writes; this is the other half, where the goroutine only reads.
 */
import { onlyWalkedBodies, type Rule } from '../rule.js';
import { mightSpawn, neverNilValue, statementOf, within } from '../semantic/model.js';
import type { Access, FileModel, FuncUnit, Node } from '../semantic/model.js';
import { inParallelTest, isOuter, unsynchronized } from './conflicts.js';
import { describeThread, lineOf, spanOf } from './describe.js';

/** A write closure-write reports itself: by a concurrent closure, to a variable declared outside it. */
function closureWriteOwns(b: Access): boolean {
  return b.thread.spawn !== undefined && isOuter(b.decl.node, b.thread.node);
}

/** The owner's reassignments of the variable a goroutine reads, which may run while it reads. */
function racingReassignments(model: FileModel, a: Access): Access[] {
  return model
    .accessesOf(a.decl)
    .filter((b) => b.kind === 'write' && b.path.length === 0 && !b.appendSelf && !closureWriteOwns(b) && !assignsLiteralAround(b, a) && model.mayRunInParallel(a, b) && unsynchronized(model, b));
}

/**
 * `retry = func() { go func() { connect(retry) }() }`: the assignment stores the func literal that
 * starts the goroutine. Nobody can call the literal before it is stored, so the read comes after.
 */
function assignsLiteralAround(write: Access, read: Access): boolean {
  if (read.node.startIndex < write.node.endIndex) return false;
  const stmt = statementOf(write.node);
  if (stmt?.type !== 'assignment_statement' || read.node.endIndex > stmt.endIndex) return false;
  const right = stmt.childForFieldName('right')?.namedChildren ?? [];
  return right.some((r) => r.type === 'func_literal' && r.startIndex <= read.node.startIndex && read.node.endIndex <= r.endIndex);
}

/** Builtins that never wait: a statement calling only these is still plain. */
const NON_WAITING_BUILTINS = new Set(['make', 'new', 'len', 'cap', 'append']);

/** Whether `node` holds a call, a send or a receive outside the func literals it holds: something that may wait. */
function mayWait(node: Node): boolean {
  if (node.type === 'func_literal') return false;
  if (node.type === 'send_statement') return true;
  if (node.type === 'unary_expression' && node.child(0)?.type === '<-') return true;
  if (node.type === 'call_expression' && !NON_WAITING_BUILTINS.has(node.childForFieldName('function')?.text ?? '')) return true;
  return node.namedChildren.some(mayWait);
}

/**
 * A late read: the goroutine reads the variable in a loop, or after it waited for something (a
 * receive, a select), when the function that owns the variable has had time to move on.
 */
function readsLate(a: Access): boolean {
  const fn = a.thread.node;
  for (let cur: Node | null = a.node; cur && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type === 'for_statement' || cur.type === 'communication_case') return true;
    // `if err := s.run(); err != nil { …read… }`: the branch runs once the call returned.
    if (cur.type === 'block' && cur.parent?.type === 'if_statement' && ifHeaderCalls(cur.parent)) return true;
    if (cur.parent?.type !== 'statement_list') continue;
    for (let prev = cur.previousNamedSibling; prev; prev = prev.previousNamedSibling) {
      if (prev.type === 'select_statement' || (prev.type !== 'defer_statement' && containsReceive(prev))) return true;
    }
  }
  return false;
}

const LOCKING_CALL = /\.R?Lock\(\)/;

/**
 * Whether the goroutine takes a lock before the read (earlier in its flow, or anywhere in a loop
 * around it): `for { s.RLock(); empty := s.subs.Len() == 0; s.RUnlock(); if empty { continue } … }`
 * waits for what a lock holder did, perhaps after the reassignment: the order is not known, and an
 * unknown order is no finding.
 */
function locksBefore(a: Access): boolean {
  const fn = a.thread.node;
  for (let cur: Node | null = a.node; cur && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type === 'for_statement' && LOCKING_CALL.test(cur.text)) return true;
    if (cur.parent?.type !== 'statement_list') continue;
    for (let prev = cur.previousNamedSibling; prev; prev = prev.previousNamedSibling) {
      if (LOCKING_CALL.test(prev.text)) return true;
    }
  }
  return false;
}

function ifHeaderCalls(stmt: Node): boolean {
  return [stmt.childForFieldName('initializer'), stmt.childForFieldName('condition')].some((n) => !!n && mayWait(n));
}

function containsReceive(node: Node): boolean {
  if (node.type === 'func_literal') return false;
  if (node.type === 'unary_expression' && node.child(0)?.type === '<-') return true;
  return node.namedChildren.some(containsReceive);
}

/**
 * An immediate reassignment: the statement that starts the goroutine is followed, in the same block,
 * by the assignment with nothing between that could wait (declarations, defers, other `go`
 * statements, assignments without calls).
 */
function reassignsAtOnce(a: Access, b: Access): boolean {
  const site = a.thread.spawn?.site;
  if (!site || b.thread !== a.thread.spawn?.parent?.thread) return false;
  const start = statementOf(site);
  const write = statementOf(b.node);
  if (!start || !write || start.parent?.id !== write.parent?.id || write.startIndex < start.endIndex) return false;
  if (write.type !== 'assignment_statement' && write.type !== 'short_var_declaration') return false;
  for (let s = start.nextNamedSibling; s && s.id !== write.id; s = s.nextNamedSibling) {
    // A defer runs at the end, and a `go` starts another goroutine without waiting for it.
    if (s.type !== 'defer_statement' && s.type !== 'go_statement' && s.type !== 'comment' && mayWait(s)) return false;
  }
  return true;
}

/**
 * `if peer == nil { peer = from; go func() { …peer… }() }`: the assignment makes its own test false,
 * so it runs once, before the goroutine it starts, unless another write empties the variable again.
 */
function setOnceBeforeStart(model: FileModel, a: Access, b: Access): boolean {
  const site = a.thread.spawn?.site;
  const write = statementOf(b.node);
  if (!site || write?.type !== 'assignment_statement' || site.startIndex < write.endIndex) return false;
  const left = write.childForFieldName('left');
  const right = write.childForFieldName('right');
  if (left?.namedChildCount !== 1 || left.namedChild(0)?.id !== b.node.id || right?.namedChildCount !== 1 || right.namedChild(0)?.type === 'nil') return false;
  const block = write.parent?.parent;
  const ifStmt = block?.parent;
  if (block?.type !== 'block' || ifStmt?.type !== 'if_statement' || ifStmt.childForFieldName('consequence')?.id !== block.id) return false;
  if (site.startIndex >= block.endIndex) return false;
  const cond = ifStmt.childForFieldName('condition');
  if (cond?.type !== 'binary_expression' || !/^\s*\w+\s*==\s*nil\s*$|^\s*nil\s*==\s*\w+\s*$/.test(cond.text)) return false;
  const tested = [cond.childForFieldName('left'), cond.childForFieldName('right')].find((n) => n?.type === 'identifier');
  const accesses = model.accessesOf(b.decl);
  if (!tested || !accesses.some((r) => r.node.id === tested.id)) return false;
  const declared = statementOf(b.decl.node);
  return accesses.every((w) => w === b || w.kind !== 'write' || w.path.length > 0 || (!!declared && w.node.startIndex >= declared.startIndex && w.node.endIndex <= declared.endIndex));
}

/**
 * `if cmd != nil { continue }; cmd = exec.Command(…); ptmx, err = pty.Start(cmd); go func() { …ptmx… }()`
 * in a loop: once cmd is set for good, every later turn leaves before the assignment, so it runs once,
 * before the goroutine it starts. Only when nothing else assigns either variable and cmd's value is
 * never nil (an address, a literal, or a call the models say returns non-nil).
 */
function setAfterOnceGuard(model: FileModel, a: Access, b: Access): boolean {
  const site = a.thread.spawn?.site;
  const write = statementOf(b.node);
  const list = write?.parent;
  if (!site || write?.type !== 'assignment_statement' || list?.type !== 'statement_list' || site.startIndex < write.endIndex || site.endIndex > list.endIndex) return false;
  if (!(write.childForFieldName('left')?.namedChildren ?? []).some((l) => l.id === b.node.id)) return false;
  const before = list.namedChildren.filter((st) => st.endIndex <= write.startIndex);
  const guardAt = before.findIndex((st) => onceGuardOf(st) !== undefined);
  if (guardAt < 0) return false;
  const guard = onceGuardOf(before[guardAt])!;
  const setter = before.slice(guardAt + 1).find((st) => st.type === 'assignment_statement' && st.childForFieldName('left')?.text === guard.text);
  const value = setter?.childForFieldName('right')?.namedChildren ?? [];
  if (!setter || value.length !== 1 || !neverNilValue(value[0], (call) => model.calleeModel(call)?.model.nonNilResult === true)) return false;
  const guardDecl = model.resolve(guard);
  if (!guardDecl || guardDecl.packageLevel) return false;
  const onlyWrite = (decl: typeof guardDecl, allowed: Node) => {
    const declared = statementOf(decl.node);
    return model.accessesOf(decl).every((w) => w.kind !== 'write' || w.path.length > 0 || within(w.node, allowed) || (!!declared && within(w.node, declared)));
  };
  return onlyWrite(guardDecl, setter) && onlyWrite(b.decl, write);
}

/** `if x != nil { continue }` (or return, or break) with nothing else: the identifier x. */
function onceGuardOf(st: Node): Node | undefined {
  if (st.type !== 'if_statement' || st.childForFieldName('initializer') || st.childForFieldName('alternative')) return undefined;
  const cond = st.childForFieldName('condition');
  if (cond?.type !== 'binary_expression' || !/^\s*\w+\s*!=\s*nil\s*$/.test(cond.text)) return undefined;
  const body = st.childForFieldName('consequence')?.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren ?? [];
  if (body.length !== 1 || !['continue_statement', 'return_statement', 'break_statement'].includes(body[0].type)) return undefined;
  const tested = cond.childForFieldName('left');
  return tested?.type === 'identifier' ? tested : undefined;
}

export const reassignedCapture: Rule = {
  meta: {
    id: 'reassigned-capture',
    summary: 'A goroutine reads a captured variable while the function that owns it assigns it a new value.',
    defaultSeverity: 'error',
    fixable: false,
    // On: restricted to late reads and immediate reassignments, 10 of the 11 it still reports among the
    // 36 first judged were right; of the 10 fresh ones of rounds 16-19, 6 (the 4 false are silent now).
    defaultEnabled: true,
    docPath: 'docs/rules/reassigned-capture.md',
  },
  bodies: onlyWalkedBodies,
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  run(model, report) {
    // One finding per goroutine and variable: its first read that races.
    const reported = new Set<string>();
    const writesIn = new Map<FuncUnit, Set<string>>();
    const writesOf = (thread: FuncUnit) => {
      let names = writesIn.get(thread);
      if (!names) {
        names = new Set(model.accesses.filter((b) => b.thread === thread && b.kind === 'write' && b.path.length === 0).map((b) => `${b.decl.node.startIndex}`));
        writesIn.set(thread, names);
      }
      return names;
    };
    for (const a of model.accesses) {
      if (a.kind !== 'read' || !a.thread.spawn) continue;
      const decl = a.decl;
      // Loop variables, package state and parallel subtests have rules of their own.
      if (decl.loop || decl.packageLevel || decl.kind === 'func' || decl.kind === 'const' || decl.kind === 'type' || inParallelTest(a.thread)) continue;
      if (!isOuter(decl.node, a.thread.node)) continue;
      const key = `${a.thread.node.startIndex}:${decl.node.startIndex}`;
      if (reported.has(key)) continue;
      // A goroutine that also assigns the variable is closure-write's to report.
      if (writesOf(a.thread).has(`${decl.node.startIndex}`)) continue;
      if (!unsynchronized(model, a)) continue;
      const all = racingReassignments(model, a).filter((b) => !setOnceBeforeStart(model, a, b) && !setAfterOnceGuard(model, a, b));
      if (all.length === 0) continue;
      // A read at the goroutine's start usually runs before whatever the function waits for before
      // it reassigns: only late reads, or a reassignment that follows the `go` at once, are reported.
      const writes = readsLate(a) ? all : all.filter((b) => reassignsAtOnce(a, b));
      // After the goroutine took a lock, the read may wait for what a holder did after the reassignment.
      if (writes.length === 0 || locksBefore(a)) continue;
      reported.add(key);
      const name = decl.name;
      const write = writes[0];
      const where = describeThread(a.thread);
      const message =
        `\`${name}\` is captured by ${where}, which reads it here while ${describeThread(write.thread)} assigns it a new value on line ${lineOf(write.node)}. ` +
        `Unsynchronized, the read and the assignment race, and the goroutine may see either value. ` +
        `If the goroutine means the value it started with, pass it as an argument (\`go func(${name} T) { … }(${name})\`) or copy it before the \`go\` statement; ` +
        `if it means to see the change, guard both with a mutex or use sync/atomic.`;
      report({
        ...spanOf(a.node),
        message,
        related: writes.slice(0, 3).map((b) => ({ line: lineOf(b.node), message: `\`${name}\` assigned by ${describeThread(b.thread)}` })),
      });
    }
  },
};
