/**
 * rlock-write: a write made while holding only the read lock of a sync.RWMutex
 * (`mu.RLock(); … cache[k] = v …; mu.RUnlock()`). Many readers hold RLock at once, so two of them
 * writing race with each other and with every other reader.
 */
import { onlyWalkedBodies, type Rule } from '../rule.js';
import { callArguments, methodCall, type Access, type FileModel, type Node } from '../semantic/model.js';
import { lineOf, spanOf } from './describe.js';

type LockMode = 'read' | 'write' | 'none';

interface LockState {
  mode: LockMode;
  /** The statement that took or released the lock. */
  at: Node;
}

const FUNC_BOUNDARY = new Set(['func_literal', 'function_declaration', 'method_declaration']);

/** `X.RLock()` as a statement: the receiver text and the method. */
function lockOp(stmt: Node): { name: string; method: string } | undefined {
  if (stmt.type !== 'expression_statement') return undefined;
  const call = stmt.namedChild(0);
  const mc = call ? methodCall(call) : undefined;
  if (!mc || callArguments(call!).length !== 0) return undefined;
  if (!/^R?(Lock|Unlock)$/.test(mc.method)) return undefined;
  return { name: mc.receiver.text, method: mc.method };
}

/**
 * The mode each lock is held in at `node`, within its own function body: for each enclosing
 * statement list (innermost first), the last lock operation on a name among the statements before
 * `node` decides it, unless an inner list already did. `defer X.RUnlock()` releases nothing here.
 * Same scan as the model's locksHeld, but keeping RLock apart from Lock.
 */
export function lockModes(node: Node): Map<string, LockState> {
  const decided = new Map<string, LockState>();
  for (let cur: Node | null = node; cur; cur = cur.parent) {
    if (FUNC_BOUNDARY.has(cur.type)) break;
    const p = cur.parent;
    if (!p) break;
    if (p.type !== 'statement_list') continue;
    const level = new Map<string, LockState>();
    for (const stmt of p.namedChildren) {
      if (stmt.startIndex >= cur.startIndex) break;
      const op = lockOp(stmt);
      if (!op) continue;
      const mode: LockMode = op.method === 'RLock' ? 'read' : op.method === 'Lock' ? 'write' : 'none';
      level.set(op.name, { mode, at: stmt });
    }
    for (const [name, state] of level) if (!decided.has(name)) decided.set(name, state);
  }
  return decided;
}

/** Read locks held at `node`, by name, with the RLock statement. Empty when any lock is held exclusively. */
export function readLocksHeld(node: Node): Map<string, Node> {
  const modes = lockModes(node);
  const held = new Map<string, Node>();
  for (const [name, s] of modes) {
    if (s.mode === 'write') return new Map();
    if (s.mode === 'read') held.set(name, s.at);
  }
  return held;
}

function isOutside(declNode: Node, region: Node): boolean {
  return declNode.startIndex < region.startIndex || declNode.startIndex >= region.endIndex;
}

/** Whether a write reaches memory that other readers of the lock can see. */
function sharedTarget(model: FileModel, a: Access): boolean {
  const d = a.decl;
  if (d.packageLevel) return true;
  // A variable captured by a goroutine from its spawning function.
  if (a.thread.spawn && isOutside(d.node, a.thread.node)) return true;
  if (a.path.length === 0) return false;
  if (d.kind === 'receiver' || d.kind === 'param') {
    if (a.path.includes('[]')) return true;
    const t = model.types.underlying(d.type);
    return t.kind === 'pointer' || t.kind === 'map' || t.kind === 'slice';
  }
  return false; // a local declared in this function
}

/** Whether the lock taken by an `X.RLock()` statement is a struct value (one embedding the mutex), not a mutex variable. */
function lockIsStruct(model: FileModel, stmt: Node): boolean {
  const call = stmt.namedChild(0);
  const receiver = call ? methodCall(call)?.receiver : undefined;
  if (receiver?.type !== 'identifier') return false;
  const decl = model.resolve(receiver) ?? model.packageDecls.get(receiver.text);
  if (!decl) return false;
  let t = model.types.underlying(decl.type);
  if (t.kind === 'pointer') t = model.types.underlying(t.elem);
  if (t.kind === 'struct') return true;
  // A composite literal of an anonymous struct type: `var reg = struct{ sync.RWMutex; … }{…}`.
  const init = decl.init;
  return t.kind === 'unknown' && init?.type === 'composite_literal' && init.childForFieldName('type')?.type === 'struct_type';
}

/** Whether the method an access calls writes its receiver, as the models say (`lru.Cache.Get`, `list.List.MoveToFront`). */
function writesReceiver(model: FileModel, a: Access): boolean {
  const call = a.node.parent?.type === 'selector_expression' ? callOf(a.node) : undefined;
  return !!call && model.calleeModel(call)?.model.writes?.includes('receiver') === true;
}

/** The call `x.a.M(…)` whose receiver chain starts at the access's identifier. */
function callOf(ident: Node): Node | undefined {
  let cur: Node = ident;
  while (cur.parent?.type === 'selector_expression' && cur.parent.childForFieldName('operand')?.startIndex === cur.startIndex) cur = cur.parent;
  const call = cur.parent;
  return call?.type === 'call_expression' && call.childForFieldName('function')?.startIndex === cur.startIndex ? call : undefined;
}

function describeWrite(a: Access): string {
  if (a.deleted) return 'deleted from';
  if (a.appendSelf) return 'appended to';
  const target = a.node.parent;
  let cur: Node = a.node;
  for (let p = target; p && (p.type === 'selector_expression' || p.type === 'index_expression' || p.type === 'parenthesized_expression'); p = p.parent) cur = p;
  const stmt = cur.parent?.type === 'expression_list' ? cur.parent.parent : cur.parent;
  if (stmt?.type === 'inc_statement' || stmt?.type === 'dec_statement') return 'updated';
  return 'written';
}

/** The written expression: `c.cache[k]`, `s.hits`. */
function writtenExpr(a: Access): Node {
  let cur: Node = a.node;
  for (let p = cur.parent; p; p = cur.parent) {
    if ((p.type === 'selector_expression' || p.type === 'index_expression') && p.childForFieldName('operand')?.startIndex === cur.startIndex) cur = p;
    else if (p.type === 'parenthesized_expression') cur = p;
    else break;
  }
  return cur;
}

/** Whether a line holds exactly this one statement (and maybe a trailing comment). */
function aloneOnLine(model: FileModel, stmt: Node): boolean {
  if (stmt.startPosition.row !== stmt.endPosition.row) return false;
  const line = model.lines[stmt.startPosition.row];
  return line.slice(0, stmt.startPosition.column).trim() === '' && /^\s*(\/\/.*)?$/.test(line.slice(stmt.endPosition.column));
}

/** Methods declared in the file whose bodies take a lock: calling one under Lock() could deadlock. */
function lockingMethods(model: FileModel): Set<string> {
  const names = new Set<string>();
  for (const fn of model.functions) {
    const body = fn.childForFieldName('body');
    if (fn.type === 'method_declaration' && body && /\.R?Lock\(\)/.test(model.text(body))) names.add(fn.childForFieldName('name')?.text ?? '');
  }
  return names;
}

const MAX_SUGGESTION_LINES = 12;

/**
 * Turning `X.RLock()` … `X.RUnlock()` into `X.Lock()` … `X.Unlock()`: one suggestion spanning the
 * RLock line to its last RUnlock (or its `defer X.RUnlock()`), when every release of this RLock is
 * a simple statement in that span and nothing in it calls a method of the file that locks again.
 */
function upgradeSuggestion(model: FileModel, rlock: Node, name: string, locking: () => Set<string>) {
  const list = rlock.parent;
  if (list?.type !== 'statement_list' || !aloneOnLine(model, rlock)) return undefined;
  const siblings = list.namedChildren;
  const from = siblings.findIndex((s) => s.startIndex === rlock.startIndex);
  const releases: Node[] = [];
  let end: Node | undefined;
  const isRelease = (s: Node) => lockOp(s)?.name === name && lockOp(s)?.method === 'RUnlock';
  for (let i = from + 1; i < siblings.length; i++) {
    const s = siblings[i];
    const op = lockOp(s);
    if (op?.name === name && op.method !== 'RUnlock') return undefined; // re-locked: too clever to rewrite
    if (s.type === 'defer_statement') {
      const call = s.namedChild(0);
      const mc = call ? methodCall(call) : undefined;
      if (mc && mc.receiver.text === name && mc.method === 'RUnlock') {
        if (i !== from + 1 || !aloneOnLine(model, s)) return undefined;
        releases.push(s);
        end = s;
        break;
      }
    }
    // Early releases nested in this statement (`if ok { mu.RUnlock(); return v }`).
    const text = model.text(s);
    if (text.includes(`${name}.RUnlock`) && !isRelease(s)) {
      const nested = findReleases(s, name);
      if (nested === undefined) return undefined;
      releases.push(...nested);
    }
    if (isRelease(s)) {
      releases.push(s);
      end = s;
      break;
    }
  }
  if (!end || lineOf(end) - lineOf(rlock) + 1 > MAX_SUGGESTION_LINES) return undefined;
  const recv = name.includes('.') ? name.slice(0, name.indexOf('.')) : undefined;
  // What runs under the lock: up to the RUnlock, or with a deferred RUnlock the rest of the block.
  const regionEnd = end.type === 'defer_statement' ? list.endIndex : end.endIndex;
  const span = model.source.slice(rlock.startIndex, regionEnd);
  if (recv) {
    const methods = locking();
    for (const m of span.matchAll(new RegExp(`\\b${recv}\\.(\\w+)\\(`, 'g'))) if (methods.has(m[1])) return undefined;
  }
  for (const r of releases) if (!aloneOnLine(model, r)) return undefined;
  const startLine = lineOf(rlock);
  const endLine = lineOf(end);
  const lines = model.lines.slice(startLine - 1, endLine);
  const edit = (row: number, from: string, to: string) => {
    const i = row - startLine;
    lines[i] = lines[i].replace(from, to);
  };
  edit(startLine, `${name}.RLock()`, `${name}.Lock()`);
  for (const r of releases) edit(lineOf(r), `${name}.RUnlock()`, `${name}.Unlock()`);
  return { startLine, endLine, replacement: lines.join('\n') };
}

/** `X.RUnlock()` statements nested in a statement, or undefined when one is not a plain statement. */
function findReleases(stmt: Node, name: string): Node[] | undefined {
  const out: Node[] = [];
  const stack: Node[] = [stmt];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'func_literal') continue;
    if (n.type === 'call_expression') {
      const mc = methodCall(n);
      if (mc && mc.receiver.text === name && mc.method === 'RUnlock') {
        if (n.parent?.type !== 'expression_statement') return undefined;
        out.push(n.parent);
        continue;
      }
    }
    for (const c of n.namedChildren) stack.push(c);
  }
  return out;
}

const FIX_HINT = [
  'Take the write lock for the write, or release the read lock and re-check under the write lock:',
  '',
  '```go',
  'mu.RLock()',
  'v, ok := cache[k]',
  'mu.RUnlock()',
  'if ok {',
  '\treturn v',
  '}',
  'mu.Lock()',
  'defer mu.Unlock()',
  'if v, ok := cache[k]; ok { // another goroutine may have filled it meanwhile',
  '\treturn v',
  '}',
  'v = compute(k)',
  'cache[k] = v',
  'return v',
  '```',
].join('\n');

export const rlockWrite: Rule = {
  meta: {
    id: 'rlock-write',
    summary: 'A write is made while holding only a read lock.',
    defaultSeverity: 'error',
    fixable: true,
    // Off by default: below 70% true or debatable in the precision triage (bench/triage).
    defaultEnabled: false,
    docPath: 'docs/rules/rlock-write.md',
  },
  bodies: onlyWalkedBodies,
  // Writes in functions that take a read lock (those lock, so they are walked anyway).
  lockedMethods: () => undefined,
  run(model, report) {
    if (!model.source.includes('.RLock()')) return;
    const unitTakesRLock = new Map<Node, boolean>();
    let locking: Set<string> | undefined;
    const lockingOnce = () => (locking ??= lockingMethods(model));
    const suggested = new Set<number>();
    for (const a of model.accesses) {
      // A method call writes when the models say so: an LRU's Get moves the entry to the front.
      const writingMethod = a.method !== undefined && writesReceiver(model, a);
      if (a.atomic || (a.method ? !writingMethod : a.kind !== 'write')) continue;
      const body = a.unit.body;
      if (!body) continue;
      let takes = unitTakesRLock.get(body);
      if (takes === undefined) unitTakesRLock.set(body, (takes = model.text(body).includes('.RLock()')));
      if (!takes || !sharedTarget(model, a)) continue;
      const held = readLocksHeld(a.node);
      if (held.size === 0) continue;
      // The read lock meant to guard the target: one on the same root (`c.mu` for `c.items`), or a
      // standalone mutex variable. `o.mu.RLock()` says nothing about writes to `s.copy`.
      // A struct with an embedded RWMutex (`w.RLock()`, `registry.RLock()`) guards its own fields,
      // not a map the caller passed in or the value being unmarshaled.
      const guard = [...held].find(([n]) => n.split('.')[0] === a.decl.name) ?? [...held].find(([n, at]) => !n.includes('.') && !lockIsStruct(model, at));
      if (!guard) continue;
      const [name, rlock] = guard;
      const expr = writtenExpr(a);
      const what = writingMethod ? `called (it changes \`${model.text(expr.childForFieldName('operand')!)}\`)` : describeWrite(a);
      const isMap = a.path[a.path.length - 1] === '[]' && model.types.underlying(model.typeOfExpr(expr.childForFieldName('operand'))).kind === 'map';
      const suggestion = suggested.has(rlock.startIndex) ? undefined : upgradeSuggestion(model, rlock, name, lockingOnce);
      if (suggestion) suggested.add(rlock.startIndex);
      const message =
        `\`${model.text(expr)}${writingMethod ? '(…)' : ''}\` is ${what} while holding only the read lock \`${name}\` (\`${name}.RLock()\` on line ${lineOf(rlock)}). ` +
        `Any number of goroutines can hold the read lock at once, so two of them running this code write concurrently, racing with each other and with every reader` +
        (isMap || a.deleted ? ' (on a map, a fatal "concurrent map writes")' : '') +
        `. Take \`${name}.Lock()\` for the write, or release the read lock and re-check under \`${name}.Lock()\`.`;
      report({
        ...spanOf(expr),
        message,
        related: [{ line: lineOf(rlock), message: `read lock \`${name}\` taken here` }],
        ...(suggestion ? { fix: { message: `Take \`${name}.Lock()\` instead of the read lock around this code.`, edits: [suggestion] } } : {}),
        fixHint: FIX_HINT,
      });
    }
  },
};

