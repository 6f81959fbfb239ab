/** What the access-based rules share: which accesses conflict, and which are synchronized. */
import type { Access, FileModel, FuncUnit, Node } from '../semantic/model.js';

/** Neither under a lock (or once.Do) nor through sync/atomic. */
export function unsynchronized(model: FileModel, a: Access): boolean {
  return !a.atomic && model.locksHeld(a.node).length === 0;
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
  return [...conflicts].sort((x, y) => score(y) - score(x) || x.node.startIndex - y.node.startIndex)[0];
}

/** Whether a declaration lies outside a function body, i.e. the body captures it. */
export function isOuter(declNode: Node, unit: Node): boolean {
  return declNode.startIndex < unit.startIndex || declNode.startIndex >= unit.endIndex;
}

/** Whether the thread is a parallel subtest, or runs inside one. */
export function inParallelTest(thread: FuncUnit): boolean {
  for (let t: FuncUnit | undefined = thread; t; t = t.spawn?.parent?.thread) {
    if (t.spawn?.kind === 'parallel-test') return true;
    if (!t.spawn) break;
  }
  return false;
}
