/**
 * loop-var-capture: before Go 1.22 a `for` loop declares its variables once for the whole loop,
 * so a goroutine, a `.Go` closure or a parallel subtest that captures one (or receives `&v`)
 * shares it with the loop, which overwrites it on the next iteration.
 */
import { onlyWalkedBodies, type Rule } from '../rule.js';
import type { Access, Decl, FileModel, FuncUnit, Join, Node, Spawn } from '../semantic/model.js';
import { COMMENTS_AND_LITERALS, methodCall, mightSpawn, statementOf, statementsOf, within } from '../semantic/model.js';
import { escapeRegExp } from '../regexp.js';
import { withoutComments } from '../semantic/go-text.js';
import { compareGoVersions, effectiveGoVersion } from '../goversion.js';
import { typeName } from '../semantic/typeref.js';
import { describeThread, indentOf, lineOf, spanOf } from './describe.js';
import { blockEnd, type BodyTest, type SkeletonContext } from '../skeleton.js';

/** The file's language version when it is known and has pre-1.22 loop semantics. */
export function preLoopvarVersion(model: FileModel): string | undefined {
  if (!model.goVersion) return undefined; // unknown version: stay silent
  // The engine may already pass the effective version; applying the build tag again is idempotent.
  const v = effectiveGoVersion(model.goVersion, model.source);
  if (!v || !/^(?:go)?1(?:\.\d+)?(?:\.\d+)?(?:(?:rc|beta)\d+)?$/.test(v.trim())) return undefined;
  return compareGoVersions(v, '1.22') < 0 ? v.replace(/^go/, '') : undefined;
}

/** `<- &v`, a send of an address (space and comments between). */
const SENDS_ADDRESS = /<-(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n]*\n)*&/;

function spawnsOrSendsAddress(ctx: SkeletonContext): BodyTest {
  const spawns = mightSpawn(ctx.models);
  return (fn) => spawns(fn) || SENDS_ADDRESS.test(fn.body);
}

const BREAKABLE = new Set(['for_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement']);

/** Whether `stmt` (a break, return, or a call that never returns) leaves `loop` for good. */
function leavesLoop(stmt: Node, loop: Node, neverReturns: (fnText: string) => boolean): boolean {
  switch (stmt.type) {
    case 'return_statement':
      return true;
    case 'break_statement': {
      const label = stmt.namedChildren.find((c) => c.type === 'label_name')?.text;
      for (let p = stmt.parent; p; p = p.parent) {
        if (p.type === 'func_literal') return false;
        if (label === undefined && BREAKABLE.has(p.type)) return p.id === loop.id;
        if (label !== undefined && p.type === 'labeled_statement' && p.namedChildren.find((c) => c.type === 'label_name')?.text === label) {
          // The labelled statement is the loop or encloses it.
          return within(loop, p);
        }
      }
      return false;
    }
    case 'expression_statement': {
      const call = stmt.namedChild(0);
      return call?.type === 'call_expression' && neverReturns(call.childForFieldName('function')?.text ?? '');
    }
    default:
      return false;
  }
}

/** Whether code after `stmt`, unconditionally on its path, leaves the loop (so it never runs again). */
function exitsLoopAfter(stmt: Node, loop: Node, neverReturns: (fnText: string) => boolean): boolean {
  for (let cur: Node | null = stmt; cur && cur.id !== loop.id; cur = cur.parent) {
    if (cur.parent?.type !== 'statement_list') continue;
    for (let n = cur.nextNamedSibling; n; n = n.nextNamedSibling) if (leavesLoop(n, loop, neverReturns)) return true;
  }
  return false;
}

/**
 * Whether `thread` joins the unit spawned at `site` before the loop's current iteration ends. A wait
 * that orders only some goroutines (Join.orders) counts for the spawn it orders, and never without one.
 */
function joinedInIteration(thread: FuncUnit, site: Node, loop: Node, group: string | undefined, spawn?: Spawn): boolean {
  const body = loop.childForFieldName('body');
  if (!body) return false;
  const literal = spawn && syncLiteralInLoop(spawn, thread, body);
  return thread.joins.some(
    (j) =>
      // A join scoped to one select case (the other cases go on without it) lets the loop move on.
      j.scopeEnd === undefined &&
      (group === undefined || j.group === group) &&
      (!j.orders || (spawn !== undefined && j.orders(spawn))) &&
      ((!j.deferred && j.pos >= site.endIndex && j.end <= body.endIndex) || (literal !== undefined && j.pos >= literal.startIndex && j.end <= literal.endIndex && exitRunning(literal, j)?.startIndex === literal.startIndex)),
  );
}

/**
 * The func literal, inside the loop and run on the loop's thread (`t.Run(name, func(t *testing.T) {…})`
 * without t.Parallel), whose run starts the goroutine: its deferred code runs before the iteration ends.
 */
function syncLiteralInLoop(spawn: Spawn, thread: FuncUnit, body: Node): Node | undefined {
  for (let u = spawn.parent; u && u !== thread && u.thread === thread && !u.detached; u = u.parent) {
    if (u.node.type === 'func_literal') return within(u.node, body) ? u.node : undefined;
  }
  return undefined;
}

/** The function at whose return a join runs: `defer wg.Wait()`, or a Wait in `defer func() {…}()`; undefined for one that runs in place. */
function exitRunning(root: Node, j: Join): Node | undefined {
  let deferred = j.deferred;
  for (let n: Node | null = root.descendantForIndex(j.pos); n; n = n.parent) {
    if (n.type !== 'func_literal' && n.type !== 'function_declaration' && n.type !== 'method_declaration') continue;
    if (deferred) return n;
    const call = n.parent;
    if (n.type !== 'func_literal' || call?.type !== 'call_expression' || call.parent?.type !== 'defer_statement') return undefined;
    deferred = true;
  }
  return undefined;
}

/**
 * The producer hand-off: the goroutine ends by closing something made in this iteration
 * (`pw.Close()`, `close(ch)`), and the parent uses it, or its twin (`pr, pw := io.Pipe()`), after
 * starting the goroutine in the same iteration — reading until closed, which orders the goroutine's
 * work before the loop's next assignment.
 */
function closesHandOff(model: FileModel, unit: FuncUnit, loop: Node): boolean {
  const body = loop.childForFieldName('body');
  const site = unit.spawn?.site;
  if (!body || !site || !unit.body) return false;
  const stmts = statementsOf(unit.body);
  const closers: Node[] = [];
  const closed = (stmt: Node | undefined): Node | undefined => {
    const call = stmt?.type === 'expression_statement' ? stmt.namedChild(0) : stmt?.type === 'defer_statement' ? stmt.namedChild(0) : undefined;
    if (call?.type !== 'call_expression') return undefined;
    const fn = call.childForFieldName('function');
    if (fn?.text === 'close') return call.childForFieldName('arguments')?.namedChild(0) ?? undefined;
    const mc = methodCall(call);
    if (mc && (mc.method === 'Close' || mc.method === 'CloseWithError')) return mc.receiver;
    return undefined;
  };
  const last = closed(stmts[stmts.length - 1]);
  if (last) closers.push(last);
  for (const st of stmts) if (st.type === 'defer_statement') {
    const c = closed(st);
    if (c) closers.push(c);
  }
  for (const x of closers) {
    if (x.type !== 'identifier') continue;
    const decl = model.resolve(x);
    if (!decl || !within(decl.node, body) || decl.node.startIndex > site.startIndex) continue;
    const declStmt = decl.node.parent?.parent;
    const twins = new Set<string>([decl.name]);
    if (declStmt?.type === 'short_var_declaration') for (const l of declStmt.childForFieldName('left')?.namedChildren ?? []) twins.add(l.text);
    const parent = unit.spawn!.parent!.thread;
    const used = model.accesses.some(
      (b) => b.thread === parent && twins.has(b.decl.name) && within(b.decl.node, body) && b.node.startIndex > site.endIndex && b.node.endIndex <= body.endIndex,
    );
    if (used) return true;
  }
  return false;
}

/** The `t.Parallel()` statement of a parallel subtest's body. */
function parallelCall(unit: FuncUnit): Node | undefined {
  const params = unit.node.childForFieldName('parameters')?.namedChildren.find((c) => c.type === 'parameter_declaration');
  const t = params?.childForFieldName('name')?.text;
  for (const stmt of statementsOf(unit.body)) {
    if (stmt.type !== 'expression_statement') continue;
    const mc = methodCall(stmt.namedChild(0)!);
    if (mc?.method === 'Parallel' && mc.receiver.text === t) return stmt;
  }
  return undefined;
}

/** Whether the loop assigns the variable again after its first iteration. */
function loopReassigns(model: FileModel, decl: Decl): boolean {
  const loop = decl.loop!;
  const range = loop.namedChildren.find((c) => c.type === 'range_clause');
  if (range) return !rangesOnce(model, range);
  return model.accessesOf(decl).some((b) => b.kind === 'write' || b.addressTaken);
}

/**
 * A range over a collection of at most one element, written out and changed nowhere: a literal, or an
 * unexported variable initialized with one and used only by range clauses (`var stores =
 * map[string]factory{"badger": badgerStore}`). The loop runs once, so it never assigns its variables again.
 */
function rangesOnce(model: FileModel, range: Node): boolean {
  const right = range.childForFieldName('right');
  if (right?.type === 'composite_literal') return elementCount(right) <= 1;
  if (right?.type === 'selector_expression') return fieldMapOfOneKey(model, right);
  if (right?.type !== 'identifier') return false;
  const decl = model.accesses.find((a) => a.node.startIndex === right.startIndex)?.decl;
  if (!decl || decl.init?.type !== 'composite_literal' || elementCount(decl.init) > 1 || /^[A-Z]/.test(decl.name)) return false;
  if (!decl.packageLevel) {
    // A local's uses are resolved: each is its declaration or a range clause's operand.
    return model.accessesOf(decl).every((a) => a.node.startIndex === decl.node.startIndex || isRangedOver(a.node));
  }
  const sources = model.packageSources.map((src) => src.replace(COMMENTS_AND_LITERALS, ' '));
  const methodless = TYPE_LITERALS.has(decl.init.childForFieldName('type')?.type ?? '');
  const count = (re: RegExp) => sources.reduce((n, src) => n + packageUses(src, decl.name, methodless, re), 0);
  // Every use but the declaration is a range clause: nothing adds an element.
  const name = escapeRegExp(decl.name);
  return count(new RegExp(`(?<![\\w.])${name}\\b`, 'g')) === count(new RegExp(`\\brange\\s+${name}\\b`, 'g')) + 1;
}

/**
 * `range srv.senders` over a map field the package fills only under one constant key
 * (`srv.senders["video"] = …`), made empty (`make(…)`, `map[K]V{}`), never assigned, never handed
 * to a call (but `len` and `delete`) or by address; its entries' fields may change. One element at most.
 */
function fieldMapOfOneKey(model: FileModel, right: Node): boolean {
  const field = right.childForFieldName('field')?.text;
  if (!field || model.types.underlying(model.typeOfExpr(right)).kind !== 'map') return false;
  const f = escapeRegExp(field);
  const use = new RegExp(`(&\\s*)?([\\w(]*)\\.${f}\\b(\\s*\\[([^\\]\\n]+)\\]\\s*(=(?!=))?)?(\\s*(?:,[^=\\n]*)?[-+]?=(?!=)|\\s*[,)])?`, 'g');
  const made = new RegExp(`(?<![\\w.])${f}\\s*:(?!=)\\s*(make\\(|map\\[[^\\]]*\\][\\w.*]+\\{\\s*\\})?`, 'g');
  let key: string | undefined;
  for (const source of model.packageSources.length > 0 ? model.packageSources : [model.source]) {
    const text = withoutComments(source);
    for (const m of text.matchAll(made)) if (!m[1]) return false;
    for (const m of text.matchAll(use)) {
      const [, address, before, indexed, index, inserted, plain] = m;
      if (address) return false;
      if (inserted) {
        if (!/^"[^"\\]*"$/.test(index!.trim()) || (key !== undefined && key !== index!.trim())) return false;
        key = index!.trim();
        continue;
      }
      // `m[k] += 1` may add k; `len(srv.senders)` and `delete(srv.senders, k)` add nothing.
      if (indexed && plain && /=$/.test(plain.trim())) return false;
      if (!indexed && plain && !(/[,)]$/.test(plain.trim()) && /\b(?:len|delete)\(\w+$/.test(before ?? ''))) return false;
    }
  }
  return true;
}

/** Whether the identifier is what a range clause ranges over. */
function isRangedOver(ident: Node): boolean {
  const p = ident.parent;
  return p?.type === 'range_clause' && p.childForFieldName('right')?.startIndex === ident.startIndex;
}

/**
 * How many matches of `re` in a file (comments and literals blanked) may be the package-level
 * variable `name`. Left out: other things named alike (a field or parameter declared `name T`, a
 * key `name:`, `name.x` when its type has no fields or methods) and uses in the scope of a
 * parameter or local that shadows it.
 */
function packageUses(src: string, name: string, methodless: boolean, re: RegExp): number {
  const escaped = escapeRegExp(name);
  const other = new RegExp(
    `(?<![\\w.])${escaped}(?=(?:[ \\t]*,[ \\t]*\\w+)*[ \\t]+[A-Za-z_*\\[]|\\s*:(?!=)${methodless ? '|\\s*\\.' : ''})`,
    'y',
  );
  const shadowed = shadowingScopes(src, name);
  let n = 0;
  for (const m of src.matchAll(re)) {
    const at = m.index + m[0].length - name.length;
    other.lastIndex = at;
    if (!other.test(src) && !shadowed.some(([from, to]) => at >= from && at < to)) n++;
  }
  return n;
}

/**
 * Spans of source where `name` is a parameter or a local: the body of a function whose signature
 * declares it, and the rest of the block after a `name :=` or `var name` statement.
 */
function shadowingScopes(src: string, name: string): Array<[number, number]> {
  const escaped = escapeRegExp(name);
  const spans: Array<[number, number]> = [];
  for (const m of src.matchAll(/\bfunc\b/g)) {
    const body = bodyAfterSignature(src, m.index + 4);
    if (body !== undefined && new RegExp(`(?<![\\w.])${escaped}\\b(?![ \\t]*\\()`).test(src.slice(m.index, body))) spans.push([body, endOf(src, body)]);
  }
  const local = new RegExp(`(?<=[{;]\\s*|\\n[ \\t]*)(?:(?:\\w+\\s*,\\s*)*${escaped}\\b(?:\\s*,\\s*\\w+)*\\s*:=|var\\s+${escaped}\\b)`, 'g');
  for (const m of src.matchAll(local)) {
    if (depthAt(src, m.index) > 0) spans.push([m.index, enclosingBlockEnd(src, m.index)]);
  }
  return spans;
}

/** The `{` opening the body of the func whose signature starts at `from`, or undefined for a func type. */
function bodyAfterSignature(src: string, from: number): number | undefined {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') {
      if (--depth < 0) return undefined;
    } else if (depth === 0 && (c === '\n' || c === ';' || c === '}' || c === ',' || c === '=')) return undefined;
    else if (c === '{' && depth === 0) {
      if (!/\b(interface|struct)\s*$/.test(src.slice(Math.max(0, i - 12), i))) return i;
      i = endOf(src, i) - 1;
    }
  }
  return undefined;
}

/** The end of the block whose `{` is at `open` (the source's end when the skeleton scan is unsure). */
function endOf(src: string, open: number): number {
  const end = blockEnd(src, open);
  return end < 0 ? src.length : end;
}

/** The index of the `}` closing the block that `from` is in. */
function enclosingBlockEnd(src: string, from: number): number {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}' && --depth < 0) return i;
  }
  return src.length;
}

/** How many blocks are open at `at`. */
function depthAt(src: string, at: number): number {
  let depth = 0;
  for (let i = 0; i < at; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}') depth--;
  }
  return depth;
}

const TYPE_LITERALS = new Set(['map_type', 'slice_type', 'array_type', 'implicit_length_array_type']);

function elementCount(literal: Node): number {
  return literal.childForFieldName('body')?.namedChildren.filter((c) => c.type !== 'comment').length ?? Infinity;
}

type Via = 'closure' | 'go-arg' | 'send' | 'alias';

interface Capture {
  via: Via;
  /** The go statement, `.Go`/`t.Run` call, or send statement that hands the variable over. */
  site: Node;
  unit?: FuncUnit;
  /** For 'alias': the concurrent use of the pointer variable (`p` in `p := &v`). */
  alias?: Access;
  decls: Map<Decl, Access>;
}

/** `&v` (or `&v.f`): the unary expression taking the address, climbing from the identifier. */
function addressExpr(ident: Node): Node | undefined {
  let cur = ident;
  for (;;) {
    const p = cur.parent;
    if (!p) return undefined;
    if ((p.type === 'selector_expression' || p.type === 'index_expression') && p.namedChild(0)?.startIndex === cur.startIndex) cur = p;
    else if (p.type === 'parenthesized_expression') cur = p;
    else if (p.type === 'unary_expression' && p.children[0]?.type === '&') return p;
    else return undefined;
  }
}

/**
 * Whether `&v.f` or `&v[i]` points into the variable itself: only when it holds the struct or the
 * array. Through a pointer, a slice or a map (or a type this package does not declare) the address is
 * elsewhere, taken when the expression is evaluated (`go f(&replica.Key)` with `replica` a pointer).
 */
function pointsIntoVariable(model: FileModel, a: Access): boolean {
  const types = model.types;
  let type = a.decl.type;
  for (let cur = a.node, step = cur.parent; step; cur = step, step = step.parent) {
    if (step.type === 'parenthesized_expression') continue;
    if ((step.type !== 'selector_expression' && step.type !== 'index_expression') || step.namedChild(0)?.startIndex !== cur.startIndex) return true;
    const held = types.underlying(type);
    if (step.type === 'selector_expression') {
      if (held.kind !== 'struct') return false;
      type = types.fieldType(type, step.childForFieldName('field')?.text ?? '');
    } else {
      if (held.kind !== 'array') return false;
      type = held.elem;
    }
  }
  return true;
}

/**
 * The concurrent unit, created in the loop body, through which access `b` runs alongside the loop
 * (the outermost one), unless the loop cannot move on while it runs.
 */
function concurrentUse(model: FileModel, b: Access, loop: Node): FuncUnit | undefined {
  const body = loop.childForFieldName('body');
  if (!body) return undefined;
  let spawned: FuncUnit | undefined;
  for (let u: FuncUnit | undefined = b.unit; u && within(u.node, body); u = u.parent) {
    if (u.spawn && u.spawn.site && u.spawn.kind !== 'handler') spawned = u;
  }
  if (!spawned) return undefined;
  const s = spawned.spawn!;
  if (s.kind === 'parallel-test' && b.thread === spawned) {
    // Code before t.Parallel() runs while t.Run still blocks the loop.
    const par = parallelCall(spawned);
    if (!par || b.node.startIndex < par.startIndex) return undefined;
  }
  if (s.kind === 'parallel-test' && inSequentialSubtest(spawned, body)) return undefined;
  const thread = s.parent!.thread;
  if (s.kind !== 'parallel-test' && joinedInIteration(thread, s.site!, loop, s.kind === 'group' ? s.group : undefined, s)) return undefined;
  if (s.kind === 'go' && closesHandOff(model, spawned, loop)) return undefined;
  if (s.kind === 'go' && model.flagSeenInIteration(b, spawned, loop)) return undefined;
  const stmt = statementOf(s.site!);
  if (stmt && exitsLoopAfter(stmt, loop, model.neverReturns)) return undefined;
  return spawned;
}

/**
 * Whether a parallel subtest is the child of a subtest that is not parallel, itself in the loop body:
 * that subtest's t.Run returns only once its parallel children have finished, so the loop waits.
 */
function inSequentialSubtest(spawned: FuncUnit, body: Node): boolean {
  for (let u = spawned.parent; u && within(u.node, body); u = u.parent) {
    if (u.spawn || u.node.type !== 'func_literal') continue;
    const call = u.node.parent?.parent;
    const mc = call?.type === 'call_expression' && u.node.parent?.type === 'argument_list' ? methodCall(call) : undefined;
    const param = u.node.childForFieldName('parameters')?.namedChildren.find((c) => c.type === 'parameter_declaration');
    if (mc?.method === 'Run' && /^\*\s*testing\.T$/.test(param?.childForFieldName('type')?.text ?? '')) return true;
  }
  return false;
}

function findCaptures(model: FileModel): Capture[] {
  const bySite = new Map<number, Capture>();
  const add = (via: Via, site: Node, unit: FuncUnit | undefined, a: Access, alias?: Access) => {
    let c = bySite.get(site.id);
    if (!c) bySite.set(site.id, (c = { via, site, unit, alias, decls: new Map() }));
    if (!c.decls.has(a.decl)) c.decls.set(a.decl, a);
  };
  for (const a of model.accesses) {
    const loop = a.decl.loop;
    if (!loop) continue;
    const body = loop.childForFieldName('body');
    if (!body) continue;
    const spawned = concurrentUse(model, a, loop);
    if (spawned) {
      if (loopReassigns(model, a.decl)) add('closure', spawned.spawn!.site!, spawned, a);
      continue;
    }
    // `&v` handed to a goroutine as an argument, or sent on a channel.
    if (!a.addressTaken || !within(a.node, body)) continue;
    const amp = addressExpr(a.node);
    if (!amp || !pointsIntoVariable(model, a)) continue;
    let via: Via | undefined;
    let site: Node | undefined;
    if (amp.parent?.type === 'argument_list' && amp.parent.parent?.parent?.type === 'go_statement') {
      via = 'go-arg';
      site = amp.parent.parent.parent;
    } else if (amp.parent?.type === 'send_statement' && amp.parent.childForFieldName('value')?.startIndex === amp.startIndex) {
      via = 'send';
      site = amp.parent;
    }
    if (!via && amp.parent?.type === 'expression_list' && amp.parent.parent?.type === 'short_var_declaration') {
      // `p := &v`, then `p` used by concurrent code in the same loop body.
      const decl = amp.parent.parent;
      const right = decl.childForFieldName('right')?.namedChildren ?? [];
      const left = decl.childForFieldName('left')?.namedChildren ?? [];
      const i = right.findIndex((r) => r.startIndex === amp.startIndex);
      const target = left.length === right.length ? left[i] : undefined;
      if (!target || !loopReassigns(model, a.decl)) continue;
      const aliasUse = model.accesses.find((b) => b.decl.node.startIndex === target.startIndex && concurrentUse(model, b, loop));
      if (aliasUse) add('alias', decl, concurrentUse(model, aliasUse, loop), a, aliasUse);
      continue;
    }
    if (!via || !site || !within(site, body)) continue;
    if (!loopReassigns(model, a.decl)) continue;
    if (via === 'go-arg' && joinedInIteration(a.thread, site, loop, undefined)) continue;
    const stmt = statementOf(site);
    if (stmt && exitsLoopAfter(stmt, loop, model.neverReturns)) continue;
    add(via, site, undefined, a);
  }
  return [...bySite.values()];
}

function paramType(d: Decl): string {
  if (d.type.kind !== 'unknown') return typeName(d.type);
  if (d.init?.type === 'int_literal') return 'int';
  return 'T';
}

function names(decls: Decl[]): string {
  const ticked = decls.map((d) => `\`${d.name}\``);
  return ticked.length === 1 ? ticked[0] : ticked.slice(0, -1).join(', ') + ' and ' + ticked[ticked.length - 1];
}

/** `v := v` (or `k, v := k, v`) on a new line before the statement that starts the concurrent code. */
function copySuggestion(model: FileModel, site: Node, decls: Decl[]): { startLine: number; endLine: number; replacement: string } | undefined {
  const stmt = statementOf(site);
  if (!stmt) return undefined;
  const loops = decls.map((d) => d.loop!.childForFieldName('body')!);
  if (!loops.every((body) => stmt.startIndex > body.startIndex && stmt.endIndex <= body.endIndex)) return undefined;
  const line = lineOf(stmt);
  const text = model.lines[line - 1];
  const indent = indentOf(text);
  if (indent.length !== stmt.startPosition.column) return undefined; // something else precedes it on the line
  const list = decls.map((d) => d.name).join(', ');
  return { startLine: line, endLine: line, replacement: `${indent}${list} := ${list}\n${text.replace(/\r$/, '')}` };
}

function describeLoop(decl: Decl): { line: number; message: string } {
  const loop = decl.loop!;
  const update = loop.namedChildren.find((c) => c.type === 'for_clause')?.childForFieldName('update');
  if (update) return { line: lineOf(update), message: `the loop's \`${update.text}\` updates \`${decl.name}\` after every iteration` };
  return { line: lineOf(loop), message: `the \`for … range\` assigns \`${decl.name}\` on every iteration` };
}

export const loopVarCapture: Rule = {
  meta: {
    id: 'loop-var-capture',
    summary: 'A loop variable is captured by concurrent code under pre-Go 1.22 loop semantics.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/loop-var-capture.md',
  },
  bodies: onlyWalkedBodies,
  // A method of a locked struct, or a body that locks, matters when it may start goroutines, or sends
  // a loop variable's address on a channel (`ch <- &v`, findCaptures' 'send').
  lockedMethods: (ctx) => spawnsOrSendsAddress(ctx),
  lockingBodies: (ctx) => spawnsOrSendsAddress(ctx),
  run(model, report) {
    const version = preLoopvarVersion(model);
    if (!version) return;
    for (const c of findCaptures(model)) {
      const decls = [...c.decls.keys()];
      const first = [...c.decls.values()].sort((x, y) => x.node.startIndex - y.node.startIndex)[0];
      const which = names(decls);
      const plural = decls.length > 1;
      const copy = `${decls.map((d) => d.name).join(', ')} := ${decls.map((d) => d.name).join(', ')}`;
      const before = `before Go 1.22 (this file is go${version}) a loop declares ${plural ? 'its variables' : 'its variable'} once, so every iteration shares ${plural ? 'them' : 'it'}`;
      const updates = decls.map((d) => d.loop!.namedChildren.find((c) => c.type === 'for_clause')?.childForFieldName('update')?.text);
      const assignment = decls.length === 1 && updates[0] ? `\`${updates[0]}\`` : 'next assignment';
      let message: string;
      if (c.via === 'closure') {
        const where = describeThread(c.unit!);
        if (c.unit!.spawn!.kind === 'parallel-test') {
          message =
            `Loop variable${plural ? 's' : ''} ${which} ${plural ? 'are' : 'is'} captured by ${where}: ${before}. ` +
            `Parallel subtests resume only after the loop has finished, so every one of them reads the last iteration's value: ` +
            `the subtests all run the last case, and the others are never tested (the race detector stays quiet about it). ` +
            `Copy ${plural ? 'them' : 'it'} per iteration (\`${copy}\`) before \`t.Run\`.`;
        } else {
          const arg = c.unit!.spawn!.kind === 'go' ? `, or pass ${plural ? 'them as arguments' : 'it as an argument'} (\`go func(${decls.map((d) => `${d.name} ${paramType(d)}`).join(', ')}) {…}(${decls.map((d) => d.name).join(', ')})\`)` : '';
          message =
            `Loop variable${plural ? 's' : ''} ${which} ${plural ? 'are' : 'is'} captured by ${where}: ${before}. ` +
            `The loop's ${assignment} races with the closure's use, which may also see a later iteration's value. ` +
            `Copy ${plural ? 'them' : 'it'} per iteration (\`${copy}\`)${arg}.`;
        }
      } else if (c.via === 'alias') {
        const p = c.alias!.decl.name;
        message =
          `\`${p}\` points to loop variable ${which} and is used on line ${lineOf(c.alias!.node)} by ${describeThread(c.unit!)}: ${before}. ` +
          `The loop's ${assignment} races with the reads through \`${p}\`. Copy it per iteration (\`${copy}\`) before taking its address.`;
      } else if (c.via === 'go-arg') {
        message =
          `The goroutine started on line ${lineOf(c.site)} receives a pointer to loop variable ${which}: ${before}. ` +
          `The loop's ${assignment} races with the goroutine's reads through the pointer. Copy it per iteration (\`${copy}\`) before taking its address.`;
      } else {
        const ch = c.site.childForFieldName('channel')?.text ?? 'the channel';
        message =
          `A pointer to loop variable ${which} is sent on \`${ch}\`: ${before}. ` +
          `Every receiver gets the same pointer, and the loop's ${assignment} races with their reads through it. Copy it per iteration (\`${copy}\`) before taking its address.`;
      }
      const related = decls.map(describeLoop);
      if (c.alias) related.push({ line: lineOf(c.alias.node), message: `\`${c.alias.decl.name}\` used by ${describeThread(c.unit!)}` });
      const suggestion = copySuggestion(model, c.site, decls);
      report({
        ...spanOf(first.node),
        message,
        related,
        ...(suggestion ? { fix: { message: `Copy the loop variable${decls.length === 1 ? '' : 's'} at the top of the loop body.`, edits: [suggestion] } } : {}),
      });
    }
  },
};
