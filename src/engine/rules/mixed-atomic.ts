/**
 * mixed-atomic: a variable or struct field is accessed with sync/atomic in one place and with a
 * plain read or write in another (`atomic.AddInt64(&s.n, 1)` and `return s.n`).
 */
import type { TextEdit } from '../types.js';
import type { Rule } from '../rule.js';
import type { BodyTest } from '../skeleton.js';
import type { Access, Decl, FileModel, Node } from '../semantic/model.js';
import { typeFromNode, type TypeRef } from '../semantic/typeref.js';
import { describeThread, indentOf, lineOf, spanOf } from './describe.js';
import { fieldChildren } from '../parse.js';
import { DOCUMENTED_NOT_CONCURRENT, docComment } from '../semantic/package.js';
import { orderedByGroup } from '../semantic/group-order.js';

const ATOMIC_FN = /^atomic\.(Add|Load|Store|Swap|CompareAndSwap)(Int32|Int64|Uint32|Uint64|Uintptr|Pointer)$/;

/** One `atomic.XxxT(&target, …)` call. */
interface AtomicUse {
  access: Access;
  call: Node;
  /** `atomic.AddInt64`. */
  fn: string;
  /** `Int64`. */
  suffix: string;
  /** Add, Store, Swap and CompareAndSwap write; Load reads. */
  write: boolean;
  locks: string[];
}

/** A plain (non-atomic) access found in the file. */
interface Plain {
  /** The accessed expression: the identifier, or the selector `s.n`. */
  expr: Node;
  kind: 'read' | 'write';
  /** The top-level function or method that contains it. */
  fn: Node;
  /** The model's access for the root identifier, when the function was walked. */
  access?: Access;
}

/** The innermost function (declaration or literal) around a node. */
function innermostFunctionOf(node: Node): Node | undefined {
  for (let cur: Node | null = node.parent; cur; cur = cur.parent) {
    if (cur.type === 'function_declaration' || cur.type === 'method_declaration' || cur.type === 'func_literal') return cur;
  }
  return undefined;
}

/**
 * The single-writer idiom: an unexported function that makes every atomic write itself may read
 * the value plainly (only it writes; the atomics are for readers elsewhere).
 */
function soleWriterReads(p: Plain, writes: readonly AtomicUse[]): boolean {
  if (p.kind !== 'read' || /^[A-Z]/.test(funcName(p.fn)) || writes.length === 0) return false;
  const here = innermostFunctionOf(p.expr);
  return writes.every((u) => innermostFunctionOf(u.call) === here || innermostFunctionOf(u.call)?.startIndex === here?.startIndex);
}

function topLevelFunctionOf(node: Node): Node | undefined {
  let fn: Node | undefined;
  for (let cur: Node | null = node.parent; cur; cur = cur.parent) {
    if (cur.type === 'function_declaration' || cur.type === 'method_declaration') fn = cur;
  }
  return fn;
}

const GO_STATEMENT = /\bgo\s+(?:func\b|[\w.]+\()/;
const TEST_FUNCTION = /^(?:Test|Example|Benchmark|Fuzz)(?:[A-Z_]|$)/;

/** A test, example, benchmark or fuzz function of a _test.go file: the testing package runs it once at a time. */
function isTestFunction(model: FileModel, fn: Node | undefined): boolean {
  return fn?.type === 'function_declaration' && (model.path ?? '').endsWith('_test.go') && TEST_FUNCTION.test(funcName(fn));
}

/** Whether a test function (or a subtest in it) calls t.Parallel(); if not, it runs alone. */
function callsParallel(model: FileModel, fn: Node): boolean {
  return model.source.slice(fn.startIndex, fn.endIndex).includes('.Parallel()');
}

function funcName(fn: Node): string {
  return fn.childForFieldName('name')?.text ?? '';
}

function operatorOf(node: Node): string {
  for (const child of node.children) if (!child.isNamed) return child.type;
  return '';
}

/** Skips parentheses upward. */
function outerOf(node: Node): Node {
  let cur = node;
  while (cur.parent?.type === 'parenthesized_expression') cur = cur.parent;
  return cur;
}

/** Whether an expression is written by its statement: `x = …`, `x += …`, `x++`. */
function isWriteTarget(expr: Node): boolean {
  const e = outerOf(expr);
  const p = e.parent;
  if (!p) return false;
  if (p.type === 'inc_statement' || p.type === 'dec_statement') return true;
  if (p.type === 'expression_list' && p.parent?.type === 'assignment_statement') {
    return p.parent.childForFieldName('left')?.startIndex === p.startIndex;
  }
  return false;
}

/** Uses that are not accesses of the value: `&x` (handled elsewhere), `unsafe.Sizeof(x)`, method values. */
function isOpaqueUse(expr: Node): boolean {
  const e = outerOf(expr);
  const p = e.parent;
  if (!p) return true;
  if (p.type === 'unary_expression' && operatorOf(p) === '&') return true;
  if (p.type === 'selector_expression' || p.type === 'index_expression' || p.type === 'slice_expression') return true;
  if (p.type === 'call_expression' && p.childForFieldName('function')?.startIndex === e.startIndex) return true;
  if (p.type === 'argument_list') {
    const callee = p.parent?.childForFieldName('function')?.text ?? '';
    if (callee.startsWith('unsafe.')) return true;
  }
  return false;
}

/** Whether the identifier is the name a declaration introduces. */
function isDeclaringIdent(ident: Node): boolean {
  const p = ident.parent;
  if (!p) return false;
  switch (p.type) {
    case 'parameter_declaration':
    case 'variadic_parameter_declaration':
    case 'var_spec':
    case 'const_spec':
      return fieldChildren(p, 'name').some((n) => n.startIndex === ident.startIndex);
    case 'expression_list': {
      const g = p.parent;
      if (!g) return false;
      if (g.type === 'short_var_declaration' || g.type === 'receive_statement' || g.type === 'range_clause' || g.type === 'type_switch_statement') {
        return g.childForFieldName('left')?.startIndex === p.startIndex || g.childForFieldName('alias')?.startIndex === p.startIndex;
      }
      return false;
    }
    default:
      return false;
  }
}

/** Positions in `text` (offset by `base`) where `name` occurs as a whole word. */
function wordPositions(text: string, name: string, base = 0, dotted = false): number[] {
  const escaped = name.replace(/[$]/g, '\\$');
  const re = new RegExp((dotted ? '\\.\\s*' : '(?<![\\w.])') + '(' + escaped + ')(?!\\w)', 'g');
  const out: number[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(base + m.index + m[0].length - name.length);
  return out;
}

/** Whether `fn` declares anything called `name` (so a use of `name` in it may not be the outer one). */
function declaresName(model: FileModel, fn: Node, name: string, cache: Map<string, boolean>): boolean {
  const key = `${fn.startIndex}:${name}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let found = false;
  for (const pos of wordPositions(model.source.slice(fn.startIndex, fn.endIndex), name, fn.startIndex)) {
    const node = model.tree.rootNode.descendantForIndex(pos, pos + name.length);
    if (node.type === 'identifier' && isDeclaringIdent(node)) {
      found = true;
      break;
    }
  }
  cache.set(key, found);
  return found;
}

/** The declared type of a receiver or parameter of `fn` called `name`. */
function signatureType(fn: Node, name: string): { type: TypeRef; kind: 'receiver' | 'param' } | undefined {
  for (const [field, kind] of [['receiver', 'receiver'], ['parameters', 'param']] as const) {
    for (const p of fn.childForFieldName(field)?.namedChildren ?? []) {
      if (p.type !== 'parameter_declaration') continue;
      if (fieldChildren(p, 'name').some((n) => n.text === name)) return { type: typeFromNode(p.childForFieldName('type')), kind };
    }
  }
  return undefined;
}

/** The named type a value or pointer type refers to. */
function namedOf(model: FileModel, t: TypeRef): string | undefined {
  let cur = t;
  if (cur.kind === 'named' && model.types.underlying(cur).kind === 'pointer') cur = model.types.underlying(cur);
  if (cur.kind === 'pointer') cur = cur.elem;
  return cur.kind === 'named' ? cur.name : undefined;
}

/** `.a.b` for `x.a.b`: the selector chain below the root variable. */
function pathBelowRoot(expr: Node | undefined): string {
  const text = expr?.text.replace(/\s+/g, '') ?? '';
  return text.replace(/^\(?\*?[A-Za-z_]\w*\)?/, '');
}

function rootIdent(expr: Node): Node | undefined {
  let cur: Node | null = expr;
  while (cur) {
    if (cur.type === 'identifier') return cur;
    if (cur.type === 'selector_expression' || cur.type === 'index_expression') cur = cur.childForFieldName('operand');
    else if (cur.type === 'parenthesized_expression') cur = cur.namedChild(0);
    else if (cur.type === 'unary_expression' && operatorOf(cur) === '*') cur = cur.childForFieldName('operand');
    else return undefined;
  }
  return undefined;
}

type Root = { kind: 'local'; decl: Decl; access: Access } | { kind: 'shared'; access?: Access } | undefined;

interface Ctx {
  model: FileModel;
  walked: Set<number>;
  shadowCache: Map<string, boolean>;
  accessByNode: Map<number, Access>;
}

/**
 * What the root of an accessed expression is: a local variable of a walked function (whose
 * concurrency the model knows), or a receiver, parameter or package-level variable (shared).
 * Undefined when unknown, or a local of a function the model did not walk.
 */
function classifyRoot(ctx: Ctx, ident: Node, fn: Node): Root {
  const { model } = ctx;
  if (ctx.walked.has(fn.startIndex)) {
    const decl = model.resolve(ident);
    if (!decl) return undefined;
    const access = ctx.accessByNode.get(ident.startIndex);
    if (decl.packageLevel || decl.kind === 'receiver' || decl.kind === 'param') return { kind: 'shared', access };
    return access ? { kind: 'local', decl, access } : undefined;
  }
  const sig = signatureType(fn, ident.text);
  if (sig) return declaresNameOutsideSignature(ctx, fn, ident.text) ? undefined : { kind: 'shared' };
  if (model.packageDecls.get(ident.text)?.kind === 'var' && !declaresName(model, fn, ident.text, ctx.shadowCache)) return { kind: 'shared' };
  return undefined;
}

function declaresNameOutsideSignature(ctx: Ctx, fn: Node, name: string): boolean {
  const body = fn.childForFieldName('body');
  return !!body && declaresName(ctx.model, body, name, ctx.shadowCache);
}

/** A receiver or parameter passed by value: its fields belong to this call's copy. */
function isValueCopy(ctx: Ctx, ident: Node, fn: Node): boolean {
  const decl = ctx.model.resolve(ident);
  let type: TypeRef | undefined;
  if (decl) type = decl.kind === 'receiver' || decl.kind === 'param' ? decl.type : undefined;
  else if (!ctx.walked.has(fn.startIndex)) type = signatureType(fn, ident.text)?.type;
  if (!type || type.kind !== 'named') return false;
  const u = ctx.model.types.underlying(type);
  return u.kind === 'struct' || u.kind === 'named';
}

/** The type of an operand expression, also in functions the model did not walk. */
function operandType(ctx: Ctx, expr: Node, fn: Node): TypeRef {
  const { model } = ctx;
  const known = model.typeOfExpr(expr);
  if (known.kind !== 'unknown' || ctx.walked.has(fn.startIndex)) return known;
  switch (expr.type) {
    case 'identifier': {
      const sig = signatureType(fn, expr.text);
      if (sig) return declaresNameOutsideSignature(ctx, fn, expr.text) ? known : sig.type;
      const pkg = model.packageDecls.get(expr.text);
      if (pkg?.kind === 'var' && !declaresName(model, fn, expr.text, ctx.shadowCache)) return pkg.type;
      return known;
    }
    case 'selector_expression': {
      const operand = expr.childForFieldName('operand');
      return operand ? model.types.fieldType(operandType(ctx, operand, fn), expr.childForFieldName('field')?.text ?? '') : known;
    }
    case 'parenthesized_expression':
      return expr.namedChild(0) ? operandType(ctx, expr.namedChild(0)!, fn) : known;
    case 'unary_expression': {
      const operand = expr.childForFieldName('operand');
      if (operatorOf(expr) !== '*' || !operand) return known;
      const t = model.types.underlying(operandType(ctx, operand, fn));
      return t.kind === 'pointer' ? t.elem : known;
    }
    default:
      return known;
  }
}

/** Lock names normalized across methods (`s.mu` and `srv.mu` are both `.mu`); `*` for a caller-held lock. */
function locksAt(model: FileModel, node: Node): string[] {
  const names = model.locksHeld(node).map((n) => n.replace(/^[A-Za-z_]\w*(?=\.)/, ''));
  const fn = topLevelFunctionOf(node);
  if (fn && /[lL]ocked$/.test(funcName(fn))) names.push('*');
  return names;
}

function sameLock(a: string[], b: string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  if (a.includes('*') || b.includes('*')) return true;
  return a.some((x) => b.includes(x));
}

/** `atomic.XxxT(&target, …)`: the call and the target expression for an atomic access. */
function atomicCallOf(a: Access): { call: Node; target: Node; fn: string; op: string; suffix: string } | undefined {
  let cur = a.node;
  for (let p = cur.parent; p; p = cur.parent) {
    if ((p.type === 'selector_expression' && p.childForFieldName('operand')?.startIndex === cur.startIndex) || p.type === 'parenthesized_expression') cur = p;
    else break;
  }
  const amp = cur.parent;
  if (amp?.type !== 'unary_expression' || operatorOf(amp) !== '&') return undefined;
  const args = amp.parent;
  if (args?.type !== 'argument_list' || args.namedChild(0)?.startIndex !== amp.startIndex) return undefined;
  const call = args.parent!;
  const fn = call.childForFieldName('function')?.text ?? '';
  const m = ATOMIC_FN.exec(fn);
  if (!m) return undefined;
  let target = cur;
  while (target.type === 'parenthesized_expression' && target.namedChild(0)) target = target.namedChild(0)!;
  return { call, target, fn, op: m[1], suffix: m[2] };
}

const NEGATIVE_ONE: Record<string, string> = { Int32: '-1', Int64: '-1', Uint32: '^uint32(0)', Uint64: '^uint64(0)', Uintptr: '^uintptr(0)' };

/** A plain read inside a larger expression (`if c.n > 0`), read with `atomic.LoadT(&c.n)` in place. */
function loadInPlace(model: FileModel, p: Plain, e: Node, suffix: string): TextEdit | undefined {
  if (e.startPosition.row !== e.endPosition.row) return undefined;
  // Its address or a method value would change meaning; so would a write.
  const parent = e.parent;
  if (!parent || parent.type === 'unary_expression' || parent.type === 'selector_expression' || parent.type === 'index_expression') return undefined;
  if (isWriteTarget(p.expr)) return undefined;
  // Calls run left to right and gc reads plain operands after them; a load in place of the read would
  // run in the calls' order instead (`return n, g.Wait()` would read n before the Wait).
  let whole = e;
  while (whole.parent && (whole.parent.type.endsWith('_expression') || whole.parent.type === 'expression_list' || whole.parent.type === 'argument_list')) whole = whole.parent;
  const around = (c: Node) => c.startIndex <= e.startIndex && c.endIndex >= e.endIndex;
  const inside = (c: Node) => c.startIndex >= e.startIndex && c.endIndex <= e.endIndex;
  if (whole.descendantsOfType('call_expression').some((c) => !around(c) && !inside(c))) return undefined;
  const row = e.startPosition.row;
  const line = model.lines[row].replace(/\r$/, '');
  const target = model.text(e);
  if (line.slice(e.startPosition.column, e.endPosition.column) !== target) return undefined;
  return {
    startLine: row + 1,
    endLine: row + 1,
    replacement: line.slice(0, e.startPosition.column) + `atomic.Load${suffix}(&${target})` + line.slice(e.endPosition.column),
  };
}

/** The atomic statement that replaces a plain one, when the line holds just that statement. */
function suggestionFor(model: FileModel, p: Plain, suffix: string): { startLine: number; endLine: number; replacement: string } | undefined {
  const e = outerOf(p.expr);
  const target = model.text(p.expr);
  let stmt: Node | undefined;
  let replacement: string | undefined;
  const parent = e.parent;
  if (!parent) return undefined;
  if (parent.type === 'inc_statement' || parent.type === 'dec_statement') {
    if (suffix === 'Pointer') return undefined;
    stmt = parent;
    replacement = `atomic.Add${suffix}(&${target}, ${parent.type === 'inc_statement' ? '1' : NEGATIVE_ONE[suffix]})`;
  } else if (parent.type === 'expression_list' && parent.namedChildCount === 1) {
    const g = parent.parent;
    if (g?.type === 'assignment_statement' && g.childForFieldName('left')?.startIndex === parent.startIndex) {
      const right = g.childForFieldName('right')?.namedChildren ?? [];
      const op = operatorOf(g);
      if (right.length !== 1) return undefined;
      if (op === '=') replacement = `atomic.Store${suffix}(&${target}, ${model.text(right[0])})`;
      else if (op === '+=' && suffix !== 'Pointer') replacement = `atomic.Add${suffix}(&${target}, ${model.text(right[0])})`;
      else return undefined;
      stmt = g;
    } else if (g?.type === 'return_statement') {
      stmt = g;
      replacement = `return atomic.Load${suffix}(&${target})`;
    }
  }
  if (!stmt && !replacement && p.kind === 'read' && suffix !== 'Pointer') return loadInPlace(model, p, e, suffix);
  if (!stmt || !replacement || stmt.startPosition.row !== stmt.endPosition.row) return undefined;
  const lineNo = lineOf(stmt);
  const line = model.lines[lineNo - 1];
  const before = line.slice(0, stmt.startPosition.column);
  const after = line.slice(stmt.endPosition.column);
  if (before.trim() !== '' || !/^\s*(\/\/.*)?$/.test(after)) return undefined;
  return { startLine: lineNo, endLine: lineNo, replacement: indentOf(line) + replacement + after.replace(/\s+$/, '') };
}

function atLeastGo119(version: string | undefined): boolean {
  if (!version) return true;
  const m = /^(\d+)\.(\d+)/.exec(version);
  return !m || Number(m[1]) > 1 || Number(m[2]) >= 19;
}

function describeFunc(fn: Node | undefined): string {
  if (!fn) return '';
  const name = funcName(fn);
  if (fn.type !== 'method_declaration') return ` in \`${name}\``;
  const recvType = fn.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration')?.childForFieldName('type')?.text ?? '';
  return ` in \`(${recvType}).${name}\``;
}

/** Constructors (`New…`/`new…` functions), `init`, and `Init` methods: the value is not shared yet. */
function isInitializer(fn: Node): boolean {
  const name = funcName(fn);
  if (fn.type === 'function_declaration') return /^(new|New)([A-Z0-9_]|$)|^init$/.test(name);
  return /^[iI]nit$/.test(name);
}

/** Packages that implement synchronization themselves and are exempt from the race detector. */
const SYNC_IMPLEMENTATIONS = /^package\s+(sync|atomic|runtime)\b/m;

/**
 * Names the file passes to sync/atomic (`atomic.AddInt64(&s.n, 1)` gives `n`): functions that
 * touch them plainly must be walked too, or mixed atomic and plain access would go unseen.
 */
function atomicTargetPattern(source: string): RegExp | undefined {
  if (!source.includes('atomic.')) return undefined;
  const names = new Set<string>();
  for (const m of source.matchAll(/atomic\.\w+\(\s*&\s*([\w.]+)/g)) names.add(m[1].slice(m[1].lastIndexOf('.') + 1));
  return names.size > 0 ? new RegExp(`\\b(?:${[...names].join('|')})\\b`) : undefined;
}

/**
 * The bodies run scans by name: those that mention a word of the first argument of some `atomic.X(`
 * call of the file (a superset of the targets atomicCallOf accepts, `&(*p).n` and `&s.n` alike).
 */
function bodiesNamingAtomicTargets(source: string): BodyTest | undefined {
  if (!source.includes('atomic.')) return undefined;
  const words = new Set<string>();
  for (const m of source.matchAll(/\batomic\.\w+/g)) {
    // The call's `(`, past any space and comments (`atomic.AddInt64 (&n, 1)` is a call too).
    const open = /^(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n]*)*\(/.exec(source.slice(m.index + m[0].length, m.index + m[0].length + 200));
    if (!open) continue;
    const from = m.index + m[0].length + open[0].length;
    let depth = 0;
    let end = from;
    for (; end < source.length; end++) {
      const c = source[end];
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth-- === 0) break;
      } else if (c === ',' && depth === 0) break;
    }
    const target = source.slice(from, end);
    // A name outside ASCII would need Unicode word boundaries: keep every body instead.
    if (/[^\x00-\x7f]/.test(target)) return () => true;
    for (const w of target.match(/[A-Za-z_]\w*/g) ?? []) words.add(w);
  }
  if (words.size === 0) return undefined;
  const mentions = new RegExp(`\\b(?:${[...words].join('|')})\\b`);
  return (fn) => mentions.test(fn.text);
}

export const mixedAtomic: Rule = {
  meta: {
    id: 'mixed-atomic',
    summary: 'A variable is accessed both atomically and with plain reads or writes.',
    defaultSeverity: 'error',
    fixable: true,
    // Off by default: 65 of 133 right in the triage of rounds 1-24, rechecked (bench/triage): sole writers reading
    // their own value, resets before the workers start, adders nobody calls, atomics under a write lock.
    defaultEnabled: false,
    docPath: 'docs/rules/mixed-atomic.md',
  },
  // Package variables and fields the atomics touch are looked up by name in every function.
  bodies: (ctx) => bodiesNamingAtomicTargets(ctx.source),
  // Functions that touch an atomically-accessed name plainly must be in the model too.
  walks: (view) => {
    const targets = atomicTargetPattern(view.source);
    return targets ? (body) => targets.test(body) : undefined;
  },
  run(model, report) {
    if (!model.source.includes('atomic.') || SYNC_IMPLEMENTATIONS.test(model.source)) return;
    // Targets of atomic calls: variables by declaration, fields by `StructType.field`.
    const varTargets = new Map<Decl, AtomicUse[]>();
    const fieldTargets = new Map<string, AtomicUse[]>();
    for (const a of model.accesses) {
      if (!a.atomic) continue;
      const c = atomicCallOf(a);
      if (!c) continue;
      const use: AtomicUse = { access: a, call: c.call, fn: c.fn, suffix: c.suffix, write: c.op !== 'Load', locks: locksAt(model, c.call) };
      if (c.target.type === 'identifier') {
        let list = varTargets.get(a.decl);
        if (!list) varTargets.set(a.decl, (list = []));
        list.push(use);
      } else if (c.target.type === 'selector_expression') {
        const operand = c.target.childForFieldName('operand');
        const typeName = operand ? namedOf(model, model.typeOfExpr(operand)) : undefined;
        if (!typeName) continue;
        const key = `${typeName}.${c.target.childForFieldName('field')?.text ?? ''}`;
        let list = fieldTargets.get(key);
        if (!list) fieldTargets.set(key, (list = []));
        list.push(use);
      }
    }
    if (varTargets.size === 0 && fieldTargets.size === 0) return;

    const walked = new Set<number>();
    for (const u of model.units) if (!u.parent) walked.add(u.node.startIndex);
    const ctx: Ctx = { model, walked, shadowCache: new Map(), accessByNode: new Map() };
    const root = model.tree.rootNode;

    const reported = new Set<string>();
    const check = (p: Plain, uses: AtomicUse[], name: string, rootKind: Root) => {
      if (!rootKind) return;
      if (isInitializer(p.fn) || DOCUMENTED_NOT_CONCURRENT.test(docComment(model.lines, p.fn))) return;
      const locks = locksAt(model, p.expr);
      let conflicts = uses.filter((u) => (p.kind === 'write' || u.write) && !sameLock(locks, u.locks));
      if (soleWriterReads(p, uses.filter((u) => u.write))) return;
      // Two reads of one expression on a line are one finding.
      const key = `${lineOf(p.expr)}:${model.text(p.expr)}`;
      if (reported.has(key)) return;
      if (rootKind.kind === 'local') {
        // A local object: only the model's concurrency facts about this very variable count.
        const path = rootKind.access.path;
        conflicts = conflicts.filter(
          (u) => u.access.decl === rootKind.decl && u.access.path.join('.') === path.join('.') && model.mayRunInParallel(rootKind.access, u.access),
        );
      } else if (rootKind.access) {
        // Shared: atomics in other functions count; for goroutines this function starts, the model
        // knows what can overlap (a goroutine's atomic adds, then Wait(), then a plain read).
        const pa = rootKind.access;
        // Atomics on the plain access's own thread stay: the method itself can run many times at once
        // (a test function does not).
        const runsOnce = isTestFunction(model, p.fn);
        conflicts = conflicts.filter(
          (u) =>
            topLevelFunctionOf(u.call)?.startIndex !== p.fn.startIndex || (u.access.thread === pa.thread && !runsOnce) || model.mayRunInParallel(pa, u.access),
        );
        // Two test functions run one after the other unless both call t.Parallel().
        if (runsOnce && !callsParallel(model, p.fn)) conflicts = conflicts.filter((u) => !isTestFunction(model, topLevelFunctionOf(u.call)));
      }
      if (rootKind.kind === 'shared') {
        // Workers that do their atomic adds and then `wg.Done()`, read after `wg.Wait()`: ordered.
        const startsWork = (text: string) => GO_STATEMENT.test(text) || model.models.spawningCalls?.test(text) === true;
        conflicts = conflicts.filter((u) => !orderedByGroup(u.call, p.expr, model.source, startsWork));
      }
      if (conflicts.length === 0) return;
      reported.add(key);
      const first = conflicts[0];
      const suffix = first.suffix;
      const target = model.text(p.expr);
      const suggestion = suggestionFor(model, p, suffix);
      const plainWhat = p.kind === 'write' ? (outerOf(p.expr).parent?.type === 'inc_statement' || outerOf(p.expr).parent?.type === 'dec_statement' ? 'updated' : 'assigned') : 'read';
      const sameFn = topLevelFunctionOf(first.call)?.startIndex === p.fn.startIndex;
      const where =
        rootKind.access && sameFn && first.access.thread !== rootKind.access.thread
          ? ` by ${describeThread(first.access.thread)}`
          : describeFunc(topLevelFunctionOf(first.call));
      const typed = suffix === 'Pointer' ? 'atomic.Pointer[T]' : `atomic.${suffix}`;
      const typedHint = atLeastGo119(model.goVersion) ? `, or declare it as \`${typed}\` (Go 1.19+) so that every access is atomic` : '';
      const fix = suggestion
        ? `Use \`${suggestion.replacement.trim().replace(/\s*\/\/.*$/, '')}\` here${typedHint}.`
        : `Access it only through \`atomic.Load${suffix}\`/\`atomic.Store${suffix}\`${suffix === 'Pointer' ? '' : `/\`atomic.Add${suffix}\``}${typedHint}.`;
      const message =
        `${name} is ${plainWhat} here non-atomically, but it is accessed with \`${first.fn}\` on line ${lineOf(first.call)}${where}. ` +
        `Atomic operations are ordered only with other atomic operations, so this plain ${p.kind} races with them. ${fix}`;
      report({
        ...spanOf(p.expr),
        message,
        related: conflicts.slice(0, 3).map((u) => ({ line: lineOf(u.call), message: `\`${u.fn}\` on \`${model.text(u.call.childForFieldName('arguments')!.namedChild(0)!).replace(/^&/, '')}\`` })),
        ...(suggestion ? { fix: { message: fix, edits: [suggestion] } } : {}),
      });
    };

    // Variables: the model has every access in walked functions; other functions are scanned by name.
    for (const [decl, uses] of varTargets) {
      for (const a of model.accessesOf(decl)) ctx.accessByNode.set(a.node.startIndex, a);
      const name = `\`${decl.name}\``;
      if (!decl.packageLevel) {
        for (const a of model.accessesOf(decl)) {
          if (a.atomic || a.path.length > 0 || a.method || a.addressTaken || isOpaqueUse(a.node)) continue;
          const fn = topLevelFunctionOf(a.node);
          if (!fn) continue;
          check({ expr: a.node, kind: isWriteTarget(a.node) ? 'write' : 'read', fn, access: a }, uses, name, { kind: 'local', decl, access: a });
        }
        continue;
      }
      for (const pos of wordPositions(model.source, decl.name)) {
        const ident = root.descendantForIndex(pos, pos + decl.name.length);
        if (ident.type !== 'identifier' || ident.startIndex !== pos) continue;
        const fn = topLevelFunctionOf(ident);
        if (!fn || isOpaqueUse(ident) || isDeclaringIdent(ident)) continue;
        if (walked.has(fn.startIndex) ? model.resolve(ident) !== decl : classifyRoot(ctx, ident, fn)?.kind !== 'shared') continue;
        const a = ctx.accessByNode.get(ident.startIndex);
        if (a?.atomic) continue;
        check({ expr: ident, kind: isWriteTarget(ident) ? 'write' : 'read', fn, access: a }, uses, `package-level variable ${name}`, { kind: 'shared', access: a });
      }
    }

    // Fields: every `x.f` selector whose operand is of the struct type seen in an atomic call.
    const byField = new Map<string, Map<string, AtomicUse[]>>();
    for (const [key, uses] of fieldTargets) {
      const dot = key.lastIndexOf('.');
      const field = key.slice(dot + 1);
      let m = byField.get(field);
      if (!m) byField.set(field, (m = new Map()));
      m.set(key.slice(0, dot), uses);
    }
    if (byField.size > 0) for (const a of model.accesses) if (a.path.length > 0) ctx.accessByNode.set(a.node.startIndex, a);
    for (const [field, types] of byField) {
      for (const pos of wordPositions(model.source, field, 0, true)) {
        const id = root.descendantForIndex(pos, pos + field.length);
        const sel = id.parent;
        if (id.type !== 'field_identifier' || sel?.type !== 'selector_expression' || sel.childForFieldName('field')?.startIndex !== id.startIndex) continue;
        const operand = sel.childForFieldName('operand');
        const fn = topLevelFunctionOf(sel);
        if (!operand || !fn || isOpaqueUse(sel)) continue;
        const typeName = namedOf(model, operandType(ctx, operand, fn));
        const uses = typeName ? types.get(typeName) : undefined;
        if (!uses) continue;
        const rid = rootIdent(operand);
        if (!rid) continue;
        // Reached through another struct's field, or read through a parameter, the object may be
        // another one than the atomics touch (a copy, a result being built).
        // Through a field, the same field path must lead there: `w.cur.start` atomically does not
        // make `w.next.start` (another field of the same type) atomic.
        if (operand.type !== 'identifier' && !uses.some((u) => pathBelowRoot(atomicCallOf(u.access)?.target) === pathBelowRoot(sel))) continue;
        if (!isWriteTarget(sel) && (model.resolve(rid)?.kind ?? signatureType(fn, rid.text)?.kind) === 'param') continue;
        const rootKind = classifyRoot(ctx, rid, fn);
        if (operand.type === 'identifier' && isValueCopy(ctx, operand, fn)) continue;
        check({ expr: sel, kind: isWriteTarget(sel) ? 'write' : 'read', fn }, uses, `field \`${field}\` of \`${typeName}\` (\`${model.text(sel)}\`)`, rootKind);
      }
    }
  },
};

