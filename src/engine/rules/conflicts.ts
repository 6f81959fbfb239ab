/** What the access-based rules share: which accesses conflict, and which are synchronized. */
import type { Access, FileModel, FuncUnit, Node } from '../semantic/model.js';
import { UNKNOWN } from '../semantic/typeref.js';

// Rules ask this of every pair of accesses to a variable: answered once per access.
const unsynchronizedMemo = new WeakMap<Access, boolean>();

/** Neither under a lock (or once.Do) nor through sync/atomic. */
export function unsynchronized(model: FileModel, a: Access): boolean {
  let known = unsynchronizedMemo.get(a);
  if (known === undefined) unsynchronizedMemo.set(a, (known = !a.atomic && model.locksHeld(a.node).length === 0));
  return known;
}

/** Accesses to the same variable that can run at the same time as `a`, unsynchronized. */
export function conflictingAccesses(model: FileModel, a: Access, accepts: (b: Access) => boolean): Access[] {
  return model
    .accessesOf(a.decl)
    .filter((b) => (b !== a || model.isMultiInstance(a.thread)) && accepts(b) && model.mayRunInParallel(a, b) && unsynchronized(model, b));
}

/** Picks the conflicting access to name: another thread's write first, then any write, then a read. */
export function pickConflict(a: Access, conflicts: Access[]): Access {
  const score = (b: Access) => (b.thread !== a.thread ? 2 : 0) + (b.kind === 'write' ? 1 : 0);
  // One pass, each position read once (a node's startIndex is a native call).
  let best = conflicts[0];
  let bestScore = score(best);
  let bestStart = best.node.startIndex;
  for (let i = 1; i < conflicts.length; i++) {
    const b = conflicts[i];
    const s = score(b);
    if (s < bestScore) continue;
    const start = b.node.startIndex;
    if (s > bestScore || start < bestStart) [best, bestScore, bestStart] = [b, s, start];
  }
  return best;
}

/** Whether a declaration lies outside a function body, i.e. the body captures it. */
export function isOuter(declNode: Node, unit: Node): boolean {
  return declNode.startIndex < unit.startIndex || declNode.startIndex >= unit.endIndex;
}

/** The parallel subtest the thread is, or runs inside; undefined when none. */
export function parallelTestOf(thread: FuncUnit): FuncUnit | undefined {
  for (let t: FuncUnit | undefined = thread; t; t = t.spawn?.parent?.thread) {
    if (t.spawn?.kind === 'parallel-test') return t;
    if (!t.spawn) break;
  }
  return undefined;
}

/** Whether the thread is a parallel subtest, or runs inside one. */
export function inParallelTest(thread: FuncUnit): boolean {
  return parallelTestOf(thread) !== undefined;
}

/** Whether two field paths can name the same memory: one is a prefix of the other. */
function samePlace(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i] && a[i] !== '[]' && b[i] !== '[]') return false;
  return true;
}

/** Whether the written variable is a struct or array value, whose fields a read of it copies. */
function isValue(model: FileModel, write: Access): boolean {
  const t = model.types.underlying(write.decl.type);
  return t.kind === 'struct' || t.kind === 'array' || (t.kind === 'named' && write.decl.type.kind !== 'unknown' && !model.types.isPointer(write.decl.type));
}

/**
 * Whether `b` may touch the memory the write `a` changes: a field path it shares, or a shorter one
 * that copies the field with a struct value, or assigns the pointer `a` goes through. Through a
 * pointer, reading the pointer (or calling a method) does not read the field.
 */
export function touchesWritten(model: FileModel, a: Access, b: Access): boolean {
  if (!samePlace(a.path, b.path)) return false;
  return a.path.length <= b.path.length || b.kind === 'write' || (readsWritten(model, a, b) && callTouches(model, b, a.path[b.path.length]!));
}

/** Whether `b`, a method call on the value (`srv.Shutdown(ctx)`), may touch `field`: unless the models list the fields it does. */
function callTouches(model: FileModel, b: Access, field: string): boolean {
  const selector = b.method ? b.node.parent : undefined;
  const call = selector?.type === 'selector_expression' ? selector.parent : undefined;
  const fields = call?.type === 'call_expression' ? model.calleeModel(call)?.model.fields : undefined;
  return !fields || fields.includes(field);
}

/**
 * Whether reading the value at `b`'s shorter path reads the field `a` writes: the variable is held by
 * value, and no pointer lies between `b`'s path and the field (`deps.Echo` is a pointer: using it reads
 * nothing behind it). A slice or map does not stop it: handed to a call, its elements are read.
 */
function readsWritten(model: FileModel, a: Access, b: Access): boolean {
  let t = a.decl.type;
  for (let i = 0; i < a.path.length; i++) {
    if (i >= b.path.length && (i === 0 ? !isValue(model, a) : model.types.isPointer(t))) return false;
    const step = a.path[i]!;
    const u = model.types.underlying(t);
    t = step !== '[]' ? model.types.fieldType(t, step) : u.kind === 'array' || u.kind === 'slice' ? u.elem : u.kind === 'map' ? (u.value ?? UNKNOWN) : UNKNOWN;
  }
  return true;
}
