/**
 * Order through a WaitGroup across functions: a worker function that does its work and then calls
 * `wg.Done()`, and a function that reads the result after `wg.Wait()`. Everything before a Done happens
 * before the Wait that it releases returns (the Go memory model), so the two are ordered even though
 * the model sees them in different top-level functions.
 */
import { methodCall, type Node } from './model.js';

const FUNCTION_TYPES = new Set(['function_declaration', 'method_declaration', 'func_literal']);

/** `g.M()` with no arguments as a statement (or deferred): g's text, when the method is M. */
function groupCalled(stmt: Node, method: string): string | undefined {
  const call = stmt.type === 'expression_statement' || stmt.type === 'defer_statement' ? stmt.namedChild(0) : undefined;
  const mc = call ? methodCall(call) : undefined;
  if (!mc || mc.method !== method || (call!.childForFieldName('arguments')?.namedChildCount ?? 1) !== 0) return undefined;
  return mc.receiver.text;
}

/** The statement lists enclosing `node` within its function, each with the statement on the path to node. */
function enclosingLists(node: Node): { list: Node; stmt: Node }[] {
  const out: { list: Node; stmt: Node }[] = [];
  for (let cur: Node | null = node; cur?.parent && !FUNCTION_TYPES.has(cur.type); cur = cur.parent) {
    if (cur.parent.type === 'statement_list') out.push({ list: cur.parent, stmt: cur });
  }
  return out;
}

/**
 * Groups whose `Wait()` returned before `node` runs, on every path of its function: a `g.Wait()`
 * statement earlier in a statement list that encloses node. `startsWork` says whether source text
 * between that Wait and node starts goroutines again (then they may still be running).
 */
export function groupsWaitedBefore(node: Node, source: string, startsWork: (text: string) => boolean): Set<string> {
  const groups = new Set<string>();
  for (const { list, stmt } of enclosingLists(node)) {
    for (const sibling of list.namedChildren) {
      if (sibling.startIndex >= stmt.startIndex) break;
      if (sibling.type !== 'expression_statement') continue;
      const group = groupCalled(sibling, 'Wait');
      if (group && !startsWork(source.slice(sibling.endIndex, node.startIndex))) groups.add(group);
    }
  }
  return groups;
}

/**
 * Groups whose `Done()` runs after `node`, on every path of its function that reaches node: a later
 * `g.Done()` statement in a statement list enclosing node, or a `defer g.Done()` in one.
 */
export function groupsDoneAfter(node: Node): Set<string> {
  const groups = new Set<string>();
  for (const { list, stmt } of enclosingLists(node)) {
    for (const sibling of list.namedChildren) {
      const deferred = sibling.type === 'defer_statement';
      if (!deferred && (sibling.type !== 'expression_statement' || sibling.startIndex <= stmt.startIndex)) continue;
      const group = groupCalled(sibling, 'Done');
      if (group) groups.add(group);
    }
  }
  return groups;
}

/** Whether `later` runs after `earlier`'s function released a group that `later`'s function waited for. */
export function orderedByGroup(earlier: Node, later: Node, source: string, startsWork: (text: string) => boolean): boolean {
  const done = groupsDoneAfter(earlier);
  if (done.size === 0) return false;
  for (const group of groupsWaitedBefore(later, source, startsWork)) if (done.has(group)) return true;
  return false;
}
