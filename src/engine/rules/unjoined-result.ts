/**
 * unjoined-result: channels mixed with shared memory. A goroutine writes a variable and signals a
 * channel when done; the parent selects on that channel and on something else (ctx.Done(), a
 * timeout), and the other branch reads the variable the goroutine may still be writing.
 */
import { onlyWalkedBodies, type Rule } from '../rule.js';
import { callArguments, mightSpawn, runsInPlace, signalsAtEnd } from '../semantic/model.js';
import type { Access, FileModel, FuncUnit, Node } from '../semantic/model.js';
import { isOuter, touchesWritten, unsynchronized } from './conflicts.js';
import { describeThread, lineOf, spanOf } from './describe.js';

/**
 * The channels a goroutine body closes or sends on: how it says it is done. Also in a func literal it
 * runs itself, deferred or in place (`defer func() { cancel(); done <- struct{}{} }()`), not in one it
 * hands on.
 */
function signalledChannels(unit: FuncUnit): Set<string> {
  const channels = new Set<string>();
  const body = unit.body;
  if (!body) return channels;
  const stack: Node[] = [body];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'send_statement') {
      const ch = n.childForFieldName('channel');
      if (ch) channels.add(ch.text);
    } else if (n.type === 'call_expression' && n.childForFieldName('function')?.text === 'close') {
      const arg = n.childForFieldName('arguments')?.namedChild(0);
      if (arg) channels.add(arg.text);
    }
    if (n.type === 'func_literal' && n !== unit.node && !runsItself(n)) continue;
    for (const c of n.namedChildren) stack.push(c);
  }
  return channels;
}

/** `func() { … }()`, as a statement or deferred: the literal runs on the goroutine that reaches it. */
function runsItself(literal: Node): boolean {
  const call = literal.parent;
  return runsInPlace(literal) || (call?.parent?.type === 'defer_statement' && callArguments(call).length === 0);
}

/** The channel a select case receives from, e.g. `done` for `case <-done:`. */
function receivedChannel(caseNode: Node): string | undefined {
  if (caseNode.type !== 'communication_case') return undefined;
  let comm = caseNode.childForFieldName('communication');
  if (comm?.type === 'receive_statement') comm = comm.childForFieldName('right');
  if (comm?.type !== 'unary_expression') return undefined;
  return comm.childForFieldName('operand')?.text;
}

/** The select case enclosing a node, within the thread's own function. */
function enclosingSelectCase(node: Node, stop: Node): Node | undefined {
  for (let n: Node | null = node.parent; n && n.id !== stop.id; n = n.parent) {
    if ((n.type === 'communication_case' || n.type === 'default_case') && n.parent?.type === 'select_statement') return n;
    if (n.type === 'func_literal') return undefined;
  }
  return undefined;
}

/** The channel a statement receives from and waits on: `<-done`, `v := <-done`, `v, ok = <-done`. */
function receiveStatementChannel(stmt: Node): string | undefined {
  let expr: Node | null | undefined;
  if (stmt.type === 'expression_statement') expr = stmt.namedChild(0);
  else if (stmt.type === 'short_var_declaration' || stmt.type === 'assignment_statement') expr = stmt.childForFieldName('right')?.namedChild(0);
  if (expr?.type !== 'unary_expression' || !expr.text.startsWith('<-')) return undefined;
  return expr.childForFieldName('operand')?.text;
}

/**
 * Whether the branch waits for one of `done` before `node`: a receive earlier in a statement list
 * around node, or in the initializer of an `if` around it (`if err := <-done; err != nil {…} else {…}`).
 */
function waitsBefore(node: Node, branch: Node, done: ReadonlySet<string>): boolean {
  for (let cur: Node | null = node; cur && cur.id !== branch.id; cur = cur.parent) {
    const init = cur.parent?.type === 'if_statement' && cur.type === 'block' ? cur.parent.childForFieldName('initializer') : null;
    const received = init ? receiveStatementChannel(init) : undefined;
    if (received && done.has(received)) return true;
    const list = cur.parent;
    if (list?.type !== 'statement_list' && list?.id !== branch.id) continue;
    for (const sibling of list.namedChildren) {
      if (sibling.startIndex >= cur.startIndex) break;
      const ch = receiveStatementChannel(sibling);
      if (ch && done.has(ch)) return true;
    }
  }
  return false;
}

/**
 * `case v, ok := <-results: if !ok { …read… }`: past the `!ok` test the channel is closed, and when
 * every close of it in the parent's function follows a `wg.Wait()` on a group the writer marks done
 * as it ends (`go func() { wg.Wait(); close(results) }()`), or is the writer's own close at its end
 * (the model's signalsAtEnd), the writer is done by then.
 */
function readAfterJoinedClose(read: Node, branch: Node, g: FuncUnit, parentFn: Node): boolean {
  const comm = branch.childForFieldName('communication');
  const names = comm?.type === 'receive_statement' ? comm.childForFieldName('left')?.namedChildren : undefined;
  const channel = receivedChannel(branch);
  if (names?.length !== 2 || !channel) return false;
  const ok = names[1].text;
  let inClosedBranch = false;
  for (let n: Node | null = read.parent; n && n.id !== branch.id; n = n.parent) {
    const cond = n.type === 'block' && n.parent?.type === 'if_statement' && n.parent.childForFieldName('consequence')?.id === n.id ? n.parent.childForFieldName('condition') : undefined;
    if (cond?.text.replace(/\s+/g, '') === `!${ok}`) inClosedBranch = true;
  }
  if (!inClosedBranch) return false;
  const closes = parentFn.descendantsOfType('call_expression').filter((c) => c.childForFieldName('function')?.text === 'close' && callArguments(c)[0]?.text === channel);
  const atEnd = signalsAtEnd(g);
  return (
    closes.length > 0 &&
    closes.every((close) => {
      const stmt = close.parent;
      if (g.body && close.startIndex >= g.body.startIndex && close.endIndex <= g.body.endIndex) return atEnd.closed.includes(channel);
      const list = stmt?.parent;
      if (stmt?.type !== 'expression_statement' || list?.type !== 'statement_list') return false;
      return list.namedChildren.some((s) => s.startIndex < stmt.startIndex && atEnd.done.includes(/^([\w.]+)\.Wait\(\)$/.exec(s.text)?.[1] ?? ''));
    })
  );
}

function caseLabel(model: FileModel, caseNode: Node): string {
  if (caseNode.type === 'default_case') return '`default:`';
  const comm = caseNode.childForFieldName('communication');
  return comm ? `\`case ${model.text(comm)}:\`` : 'this case';
}

export const unjoinedResult: Rule = {
  meta: {
    id: 'unjoined-result',
    summary: 'A select branch that does not wait for a goroutine reads the result it is still writing.',
    defaultSeverity: 'error',
    fixable: false,
    docPath: 'docs/rules/unjoined-result.md',
  },
  bodies: onlyWalkedBodies,
  // It reads a goroutine's writes and its parent's reads: a method of a locked struct matters when it may start goroutines.
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  run(model, report) {
    const signals = new Map<FuncUnit, Set<string>>();
    const reported = new Set<Access>();
    const reportedBranches = new Set<string>();
    for (const write of model.accesses) {
      const g = write.thread;
      if (write.kind !== 'write' || g.spawn?.kind !== 'go' || !g.spawn.parent || !g.spawn.site) continue;
      if (write.decl.packageLevel || !isOuter(write.decl.node, g.node) || !unsynchronized(model, write)) continue;
      let done = signals.get(g);
      if (!done) signals.set(g, (done = new Set([...signalledChannels(g), ...model.channelsClosedByLibrary(g)])));
      if (done.size === 0) continue;
      const parent = g.spawn.parent.thread;
      for (const read of model.accessesOf(write.decl)) {
        if (read.kind !== 'read' || read.thread !== parent || reported.has(read)) continue;
        if (read.node.startIndex < g.spawn.site.endIndex || !unsynchronized(model, read)) continue;
        // `if follow { go … } else { …; if err != nil {…} }`: one call starts the goroutine or reads.
        if (model.startExcludes(g, read)) continue;
        // `srv.TLSConfig = cfg` and `if srv != nil { srv.Shutdown(ctx) }`: through a pointer, using the
        // pointer (or calling a method) does not read the field the goroutine set.
        if (!touchesWritten(model, write, read)) continue;
        const branch = enclosingSelectCase(read.node, parent.node);
        if (!branch) continue;
        // `case <-readyCh:` reads readyCh as the select starts, before any branch is chosen.
        const comm = branch.childForFieldName('communication');
        if (comm && read.node.startIndex >= comm.startIndex && read.node.endIndex <= comm.endIndex) continue;
        const cases = branch.parent!.namedChildren.filter((c) => c.type === 'communication_case' || c.type === 'default_case');
        const waits = cases.some((c) => done!.has(receivedChannel(c) ?? ''));
        const branchWaits = done.has(receivedChannel(branch) ?? '');
        // A branch that receives the done signal itself before reading (`<-done` after a cancel) is ordered too.
        if (!waits || branchWaits || waitsBefore(read.node, branch, done)) continue;
        if (readAfterJoinedClose(read.node, branch, g, parent.node)) continue;
        const waitingCase = cases.find((c) => done!.has(receivedChannel(c) ?? ''))!;
        reported.add(read);
        // One finding per variable and branch: the first read there names the problem.
        const branchKey = `${branch.startIndex}:${write.decl.name}`;
        if (reportedBranches.has(branchKey)) continue;
        reportedBranches.add(branchKey);
        report({
          ...spanOf(read.node),
          message:
            `\`${write.decl.name}\` is read in the ${caseLabel(model, branch)} branch, which does not wait for ` +
            `${describeThread(g)}: that goroutine may still be writing it (line ${lineOf(write.node)}). ` +
            `Only the ${caseLabel(model, waitingCase)} branch is ordered after the write. ` +
            `Don't touch the result on this path (return a zero value and ctx.Err()), or send the result over the channel.`,
          related: [
            { line: lineOf(write.node), message: `\`${write.decl.name}\` written by ${describeThread(g)}` },
            { line: lineOf(waitingCase), message: `the branch that waits for the goroutine` },
          ],
          fixHint:
            'Hand the result over the channel, so no branch can read it early:\n\n```go\nresultc := make(chan result, 1) // buffered: the goroutine never blocks\ngo func() { resultc <- compute() }()\nselect {\ncase r := <-resultc:\n\treturn r.value, r.err\ncase <-ctx.Done():\n\treturn zero, ctx.Err()\n}\n```',
        });
      }
    }
  },
};
