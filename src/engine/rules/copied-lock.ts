/**
 * copied-lock: a value that holds a lock (sync.Mutex, WaitGroup, atomic.Int64, …) is copied, so the
 * copy's lock is a different lock — go vet's copylocks, on the types this file spells.
 *
 * Like vet it checks receivers and parameters, assignments and var declarations, range variables,
 * composite literal elements, return values and call arguments, and allows composite literals and
 * call results (`x := T{}`, `x := NewT()`, `*f()`): those are fresh values, not copies.
 */
import type { Diagnostic, Rule } from '../rule.js';
import type { SuggestedFix, TextEdit } from '../types.js';
import type { FileModel, Node, PackageView } from '../semantic/model.js';
import { within } from '../semantic/model.js';
import { NO_COPY_TYPES, named, typeFromNode, type TypeRef } from '../semantic/typeref.js';
import { spanOf } from './describe.js';
import { fieldChildren } from '../parse.js';
import { escapeRegExp } from '../regexp.js';

const BUILTINS_THAT_DO_NOT_COPY = new Set(['new', 'len', 'cap', 'unsafe.Sizeof', 'unsafe.Offsetof', 'unsafe.Alignof']);
const SYNC_MENTION = /\b(?:sync|atomic)\.[A-Z]/;

/** The first non-space operator token of a node, e.g. `*` of `*p`, `:=` of a range clause. */
function operatorOf(node: Node): string {
  for (const child of node.children) if (!child.isNamed) return child.type;
  return '';
}

function unparen(node: Node): Node {
  let cur = node;
  while (cur.type === 'parenthesized_expression' && cur.namedChild(0)) cur = cur.namedChild(0)!;
  return cur;
}

function pointerTo(x: Node): string {
  const e = unparen(x);
  if (e.type === 'unary_expression' && operatorOf(e) === '*') return e.childForFieldName('operand')?.text ?? e.text;
  return '&' + e.text;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "Counter contains sync.Mutex", or "a sync.WaitGroup must not be copied" for a bare lock. */
export function describePath(path: string[]): string {
  return path.length > 1 ? path.join(' contains ') : `a ${path[0]} must not be copied`;
}

/** Why a copy of this no-copy type breaks. */
export function whyCopyBreaks(lock: string): string {
  if (lock === 'sync.WaitGroup') return "the copy has its own counter, so Add and Done on one are invisible to Wait on the other";
  if (lock === 'sync.Once') return 'the copy has its own done flag, so the function can run again, and a Once copied during Do copies its held mutex';
  if (lock === 'sync.Cond' || lock === 'sync.Map' || lock === 'sync.Pool') {
    return `the copy shares no synchronization with the original, and copying reads the ${lock}'s internals without its lock`;
  }
  if (lock.startsWith('atomic.')) {
    return `copying reads the ${lock} non-atomically, racing with concurrent atomic updates, and updates to the copy never reach the original`;
  }
  return `the copy's ${lock} is a different lock from the original's, so locking one does not exclude users of the other, and copying a locked ${lock} copies its locked state`;
}

/**
 * A cheap textual filter for the functions worth walking. A copy needs an expression whose value
 * type holds a lock; in this file such a value comes from a lock-holding type named by value
 * (`var s S`, `s S`, `[]S`, `S{}`), a field or package variable or function result of such a type,
 * or a dereference (`*p`) of a pointer to a type that reaches one.
 */
class Relevance {
  private readonly direct: RegExp;
  private readonly reaching: RegExp;
  /** Types that hold a lock or whose declaration mentions one that does. */
  readonly reachingNames: ReadonlySet<string>;

  private constructor(direct: RegExp, reaching: RegExp, reachingNames: Set<string>) {
    this.direct = direct;
    this.reaching = reaching;
    this.reachingNames = reachingNames;
  }

  static build(view: PackageView): Relevance {
    const { types } = view;
    const specs: { names: string[]; text: string; words: Set<string>; kind: string; spec: Node }[] = [];
    for (const node of view.tree.rootNode.namedChildren) {
      if (node.type !== 'type_declaration' && node.type !== 'var_declaration') continue;
      const list = node.namedChildren.flatMap((c) => (c.type === 'var_spec_list' ? c.namedChildren : [c]));
      for (const spec of list) {
        if (spec.type !== 'type_spec' && spec.type !== 'type_alias' && spec.type !== 'var_spec') continue;
        const names = fieldChildren(spec, 'name').map((n) => n.text);
        const text = view.source.slice(spec.startIndex, spec.endIndex);
        if (names.length > 0) specs.push({ names, text, words: new Set(text.match(WORD) ?? []), kind: spec.type, spec });
      }
    }
    // Types that hold a lock by value, and every type whose declaration mentions one (pointers too).
    const valueTypes = new Set<string>(types.lockNames());
    for (const s of specs) if (s.kind !== 'var_spec') for (const n of s.names) if (types.lockPath(named(n))) valueTypes.add(n);
    const reaching = new Set<string>(valueTypes);
    for (let round = 0; round < 6; round++) {
      let grew = false;
      for (const s of specs) {
        if (s.names.every((n) => reaching.has(n))) continue;
        let hit = false;
        for (const w of s.words) if (reaching.has(w)) { hit = true; break; }
        if (!hit) continue;
        for (const n of s.names) reaching.add(n);
        grew = true;
      }
      if (!grew) break;
    }
    // Named by value: not right after `*` (a pointer) or `&` (a fresh literal's address).
    const byValue = new RegExp(`(?<![*&]\\s*)\\b(?:${[...valueTypes].map(escapeRegExp).join('|')})\\b`);
    const direct = new Set<string>();
    const fields = new Set<string>();
    for (const s of specs) {
      if (!reaching.has(s.names[0]) || !byValue.test(s.text)) continue;
      if (s.kind === 'var_spec') for (const n of s.names) direct.add(n);
      const type = s.spec.childForFieldName('type');
      const fieldDecls = type?.type === 'struct_type' ? type.namedChildren.find((c) => c.type === 'field_declaration_list')?.namedChildren ?? [] : [];
      for (const f of fieldDecls) {
        if (f.type !== 'field_declaration' || !byValue.test(f.childForFieldName('type')?.text ?? '')) continue;
        for (const n of fieldChildren(f, 'name')) fields.add(n.text);
        if (fieldChildren(f, 'name').length === 0) {
          const base = (f.childForFieldName('type')?.text ?? '').replace(/\[.*$/, '');
          fields.add(base.slice(base.lastIndexOf('.') + 1));
        }
      }
    }
    for (const fn of view.functions) {
      if (fn.type !== 'function_declaration') continue;
      const result = fn.childForFieldName('result');
      const name = fn.childForFieldName('name')?.text;
      if (name && result && byValue.test(result.text)) direct.add(name);
    }
    const alternatives = [`(?<![*&]\\s*)\\b(?:${[...valueTypes].map(escapeRegExp).join('|')})\\b`];
    if (direct.size > 0) alternatives.push(`\\b(?:${[...direct].map(escapeRegExp).join('|')})\\b`);
    // A field read as a value: `c.mu` but not `c.mu.Lock()` or a method `c.mu()`.
    if (fields.size > 0) alternatives.push(`\\.(?:${[...fields].map(escapeRegExp).join('|')})\\b(?!\\s*[.(])`);
    return new Relevance(new RegExp(alternatives.join('|')), wordsRe([...reaching]), reaching);
  }

  test(text: string): boolean {
    return this.direct.test(text) || (DEREF.test(text) && this.reaching.test(text));
  }

  /** Whether a top-level function's text, signature and body, could copy a lock. */
  testFunction(text: string): boolean {
    // A pointer receiver's type name alone makes nothing worth walking.
    const ptrRecv = POINTER_RECEIVER.exec(text);
    return this.test(ptrRecv ? text.slice(ptrRecv[0].length) : text);
  }
}

/**
 * The relevance filter of a file, or undefined when nothing in it can hold a lock. It is built
 * before the model (Rule.walks) from the file's package-level declarations, and kept for the run.
 */
let lastRelevance: { source: string; relevance: Relevance | undefined } | undefined;

/** `func (l *spin) Lock()`: the file may declare its own lock (TypeTable.isLock). */
const OWN_LOCK_METHOD = /\)\s*Lock\s*\(\s*\)/;

function relevanceOf(view: PackageView): Relevance | undefined {
  const source = view.source;
  if (lastRelevance?.source === source) return lastRelevance.relevance;
  let relevance: Relevance | undefined;
  if (SYNC_MENTION.test(source) || OWN_LOCK_METHOD.test(source)) {
    if (SYNC_MENTION.test(source) || view.types.lockNames().length > NO_COPY_TYPES.size) relevance = Relevance.build(view);
  }
  lastRelevance = { source, relevance };
  return relevance;
}

/** Identifiers and qualified identifiers (`sync.Mutex`) of a declaration. */
const WORD = /[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?/g;

/** `func (c *conn)`: a method's pointer receiver. */
const POINTER_RECEIVER = /^func\s*\(\s*\w*\s*\*[^)]*\)/;

/** `*p` as a dereference (after `=`, `(`, `,`, `return`, …), not a pointer type or a product. */
const DEREF = /(?:[=(,{:;]|\breturn|^)[ \t]*\*[ \t]*[A-Za-z_(]/m;

function wordsRe(names: string[]): RegExp {
  return new RegExp(`\\b(?:${names.map(escapeRegExp).join('|')})\\b`);
}

/** The statements and expressions where a lock-holding value would be copied (vet's copylocks checks). */
class CopyChecker {
  constructor(
    private readonly model: FileModel,
    private readonly report: (d: Diagnostic) => void,
    private readonly relevance: Relevance,
  ) {}

  /** Whether a variable of this type can hold or point to a lock: statements naming one are walked. */
  reaches(type: TypeRef, depth = 0): boolean {
    if (depth > 4) return false;
    if (type.kind === 'named') return this.relevance.reachingNames.has(type.name);
    if (type.kind === 'pointer' || type.kind === 'slice' || type.kind === 'array') return this.reaches(type.elem, depth + 1);
    return type.kind === 'struct' && !!this.model.types.lockPath(type);
  }

  /** The lock path of a value copied by using `x` as an r-value; undefined for fresh values (vet's lockPathRhs). */
  copiedLock(x: Node): string[] | undefined {
    const e = unparen(x);
    switch (e.type) {
      case 'composite_literal':
      case 'call_expression':
      case 'func_literal':
      case 'type_conversion_expression':
        return undefined;
      case 'unary_expression': {
        const op = operatorOf(e);
        if (op === '&') return undefined;
        const operand = e.childForFieldName('operand');
        if (op === '*' && operand && unparen(operand).type === 'call_expression') return undefined;
        break;
      }
      case 'identifier':
        if (e.text === '_' || e.text === 'nil' || this.untouchedLiteral(e)) return undefined;
        break;
      case 'selector_expression':
      case 'index_expression':
      case 'type_assertion_expression':
        break;
      default:
        return undefined;
    }
    return this.model.types.lockPath(this.model.typeOfExpr(e));
  }

  /**
   * A local built from a composite literal whose lock nothing has used before this copy
   * (`p := sync.Pool{…}`, then `&Cache{pool: p}`; `l := Location{…}; l.Query = q; append(ls, l)`):
   * the copy is a move of a fresh value. Other fields may be set or read; a method call, `&l` or a
   * use of the lock's own field may lock it.
   */
  private untouchedLiteral(ident: Node): boolean {
    const decl = this.model.resolve(ident);
    if (!decl || decl.packageLevel || decl.kind !== 'var' || unparen(decl.init ?? ident).type !== 'composite_literal') return false;
    const lockField = this.model.types.lockPath(decl.type)?.[0];
    const accesses = this.model.accessesOf(decl);
    const unit = accesses.find((a) => a.node.startIndex === ident.startIndex)?.unit;
    return accesses.every(
      (a) =>
        a.node.startIndex === ident.startIndex ||
        within(a.node, decl.node) ||
        (a.unit === unit && a.node.startIndex < ident.startIndex && a.path.length > 0 && a.path[0] !== lockField && !a.method && !a.addressTaken),
    );
  }

  /** Receivers and parameters passed by value (vet's checkCopyLocksFunc). */
  checkSignature(fn: Node): void {
    const funcName = fn.type === 'func_literal' ? 'the func literal' : `\`${fn.childForFieldName('name')?.text ?? ''}\``;
    const recv = fn.type === 'method_declaration' ? fn.childForFieldName('receiver') : null;
    const recvDecl = recv?.namedChildren.find((c) => c.type === 'parameter_declaration');
    if (recvDecl) this.checkParam(recvDecl, funcName, true);
    for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p.type === 'parameter_declaration') this.checkParam(p, funcName, false);
    }
  }
  private checkParam(p: Node, funcName: string, receiver: boolean): void {
    const typeNode = p.childForFieldName('type');
    if (!typeNode) return;
    const path = this.model.types.lockPath(typeFromNode(typeNode));
    if (!path) return;
    const names = fieldChildren(p, 'name').map((n) => n.text);
    const typeText = typeNode.text;
    const nameText = names.length > 0 ? names.join(', ') + ' ' : '';
    const lock = path[path.length - 1];
    const lineNo = typeNode.startPosition.row + 1;
    const line = this.model.lines[lineNo - 1] ?? '';
    const col = typeNode.startPosition.column;
    const fixed = `${nameText}*${typeText}`;
    const suggestion =
      line.slice(col, col + typeText.length) === typeText && typeNode.startPosition.row === typeNode.endPosition.row
        ? { startLine: lineNo, endLine: lineNo, replacement: line.slice(0, col) + '*' + line.slice(col) }
        : undefined;
    const what = receiver ? `a value receiver \`${nameText}${typeText}\`` : `the parameter \`${nameText}${typeText}\` by value`;
    const message =
      `${funcName} takes ${what}, and ${describePath(path)}: every call works on a copy, and ${whyCopyBreaks(lock)}. ` +
      (receiver ? `Use a pointer receiver \`(${fixed})\`.` : `Pass a pointer: \`${fixed}\`.`);
    let fix: SuggestedFix | undefined;
    if (suggestion && receiver) fix = { message: `Use a pointer receiver \`(${fixed})\`.`, edits: [suggestion] };
    else if (suggestion) fix = this.pointerParamFix(p, fixed, suggestion);
    this.report({ ...spanOf(typeNode), message, ...(fix ? { fix } : {}) });
  }

  /**
   * A by-value parameter made a pointer, with `&` added at every call in the file. None when a call
   * passes something that cannot simply be addressed, or when the function is exported or a literal
   * (its callers are out of sight).
   */
  private pointerParamFix(p: Node, fixed: string, signatureEdit: TextEdit): SuggestedFix | undefined {
    const fn = p.parent?.parent;
    const name = fn?.type === 'function_declaration' ? fn.childForFieldName('name')?.text : undefined;
    if (!fn || !name || /^[A-Z]/.test(name)) return undefined;
    const params = fn.childForFieldName('parameters')?.namedChildren.filter((c) => c.type === 'parameter_declaration' || c.type === 'variadic_parameter_declaration') ?? [];
    let first = 0;
    for (const q of params) {
      if (q.startIndex === p.startIndex) break;
      first += Math.max(1, fieldChildren(q, 'name').length);
    }
    // Through the pointer, `x.f` and `x.M()` mean what they meant; any other use of `x` would change.
    const body = fn.childForFieldName('body');
    for (const n of fieldChildren(p, 'name')) {
      for (const id of body?.descendantsOfType('identifier') ?? []) {
        if (id.text !== n.text) continue;
        const parent = id.parent;
        if (parent?.type !== 'selector_expression' || parent.childForFieldName('operand')?.startIndex !== id.startIndex) return undefined;
      }
    }
    const positions = Array.from({ length: Math.max(1, fieldChildren(p, 'name').length) }, (_, i) => first + i);
    // Columns to insert `&` at, per 0-based row.
    const inserts = new Map<number, number[]>();
    for (const call of this.model.tree.rootNode.descendantsOfType('call_expression')) {
      if (call.childForFieldName('function')?.text !== name || call.childForFieldName('function')?.type !== 'identifier') continue;
      const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
      for (const i of positions) {
        const arg = args[i];
        if (!arg || arg.type !== 'identifier') return undefined;
        const row = arg.startPosition.row;
        if (row === signatureEdit.startLine - 1) return undefined;
        inserts.set(row, [...(inserts.get(row) ?? []), arg.startPosition.column]);
      }
    }
    const callEdits: TextEdit[] = [...inserts].map(([row, columns]) => {
      let text = this.model.lines[row].replace(/\r$/, '');
      for (const col of columns.sort((x, y) => y - x)) text = text.slice(0, col) + '&' + text.slice(col);
      return { startLine: row + 1, endLine: row + 1, replacement: text };
    });
    const calls = callEdits.length === 0 ? '' : `, and pass \`&\` at the call${inserts.size === 1 ? '' : 's'} on line${inserts.size === 1 ? '' : 's'} ${callEdits.map((e) => e.startLine).join(', ')}`;
    return {
      message: `Pass a pointer: \`${fixed}\`${calls}.`,
      edits: [signatureEdit, ...callEdits].sort((x, y) => x.startLine - y.startLine),
    };
  }

  private reportCopy(x: Node, path: string[], what: string, fix: string, fixHint?: string): void {
    const lock = path[path.length - 1];
    const message =
      `${what} copies \`${x.text}\`, and ${describePath(path)}: ${whyCopyBreaks(lock)}. ${fix}`;
    this.report({ ...spanOf(x), message, ...(fixHint ? { fixHint } : {}) });
  }

  private checkPairs(left: Node[], right: Node[], verb: string): void {
    if (left.length !== right.length) return;
    right.forEach((r, i) => {
      const l = left[i];
      if (l.text === '_') return;
      const path = this.copiedLock(r);
      if (!path) return;
      const fix = verb === 'the assignment to'
        ? `Keep a pointer instead (\`${l.text} = ${pointerTo(r)}\` with \`${l.text}\` a \`*${path[0]}\`), or copy only the fields you need.`
        : `Take a pointer instead: \`${l.text} := ${pointerTo(r)}\`.`;
      this.reportCopy(r, path, capitalize(`${verb} \`${l.text}\``), fix);
    });
  }

  /**
   * Walks a function body the model has walked, for the copy sites. `tainted`: the body's
   * variables whose type reaches a lock; a statement that names none of them and nothing else
   * relevant holds no copy and is skipped.
   */
  walkBody(body: Node, tainted: RegExp | undefined): void {
    const stack: { node: Node; gated?: boolean }[] = [{ node: body }];
    const pushAll = (nodes: Node[]) => {
      for (let i = nodes.length - 1; i >= 0; i--) stack.push({ node: nodes[i] });
    };
    while (stack.length > 0) {
      const { node, gated } = stack.pop()!;
      if (gated) {
        const text = this.model.text(node);
        if (!this.relevance.test(text) && !tainted?.test(text)) continue;
      }
      switch (node.type) {
        case 'identifier':
        case 'field_identifier':
        case 'type_identifier':
        case 'comment':
        case 'interpreted_string_literal':
        case 'raw_string_literal':
        case 'int_literal':
        case 'float_literal':
        case 'rune_literal':
          break;
        case 'statement_list':
          for (let i = node.namedChildCount - 1; i >= 0; i--) stack.push({ node: node.namedChild(i)!, gated: true });
          break;
        case 'func_literal': {
          this.checkSignature(node);
          const b = node.childForFieldName('body');
          if (b) stack.push({ node: b });
          break;
        }
        case 'short_var_declaration': {
          const right = node.childForFieldName('right')?.namedChildren ?? [];
          this.checkPairs(node.childForFieldName('left')?.namedChildren ?? [], right, 'the declaration of');
          pushAll(right);
          break;
        }
        case 'assignment_statement': {
          const left = node.childForFieldName('left')?.namedChildren ?? [];
          const right = node.childForFieldName('right')?.namedChildren ?? [];
          if (operatorOf(node) === '=') this.checkPairs(left, right, 'the assignment to');
          pushAll([...right, ...left]);
          break;
        }
        case 'var_declaration':
          for (const spec of node.namedChildren.flatMap((c) => (c.type === 'var_spec_list' ? c.namedChildren : [c]))) {
            if (spec.type !== 'var_spec') continue;
            const values = spec.childForFieldName('value')?.namedChildren ?? [];
            this.checkPairs(fieldChildren(spec, 'name'), values, 'the var declaration of');
            pushAll(values);
          }
          break;
        case 'for_statement': {
          const range = node.namedChildren.find((c) => c.type === 'range_clause');
          if (!range) {
            pushAll(node.namedChildren);
            break;
          }
          const value = range.childForFieldName('left')?.namedChildren[1];
          const right = range.childForFieldName('right');
          if (value && right && value.text !== '_') {
            // A defined value variable has the element type (model.typeOfExpr of its declaring identifier).
            const path = this.model.types.lockPath(this.model.typeOfExpr(value));
            if (path) this.reportRange(value, right, path, node);
          }
          const b = node.childForFieldName('body');
          if (b) stack.push({ node: b });
          if (right) stack.push({ node: right });
          break;
        }
        case 'return_statement': {
          const list = node.namedChildren.find((c) => c.type === 'expression_list');
          for (const x of list?.namedChildren ?? []) {
            const path = this.copiedLock(x);
            if (path) this.reportCopy(x, path, 'This return', `Return a pointer instead (\`return ${pointerTo(x)}\` with a \`*${path[0]}\` result).`);
          }
          pushAll(node.namedChildren);
          break;
        }
        case 'composite_literal': {
          const lit = node.childForFieldName('body');
          for (const el of lit?.namedChildren ?? []) {
            const valueEl = el.type === 'keyed_element' ? el.namedChildren[1] : el.type === 'literal_element' ? el : undefined;
            const x = valueEl?.type === 'literal_element' ? valueEl.namedChild(0) : valueEl;
            if (!x || x.type === 'literal_value') continue;
            const path = this.copiedLock(x);
            if (!path) continue;
            const key = el.type === 'keyed_element' ? el.namedChildren[0]?.text : undefined;
            this.reportCopy(x, path, `The composite literal${key ? ` (field \`${key}\`)` : ''}`, 'Store a pointer to the original instead, or leave the field zero-valued.');
          }
          pushAll(node.namedChildren);
          break;
        }
        case 'call_expression': {
          const fn = node.childForFieldName('function');
          const callee = fn?.text ?? '';
          if (!BUILTINS_THAT_DO_NOT_COPY.has(callee)) {
            const calleeName = fn?.type === 'func_literal' || callee.includes('\n') || callee.length > 40 ? 'the function' : `\`${callee}\``;
            for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
              const path = this.copiedLock(arg);
              // A bare WaitGroup handed to a call is waitgroup-misuse's finding, with its own advice.
              if (path && path.length === 1 && path[0] === 'sync.WaitGroup') continue;
              if (path) this.reportCopy(arg, path, `The call of ${calleeName}`, `Pass a pointer (\`${pointerTo(arg)}\`) and take \`*${path[0]}\` in the callee.`);
            }
          }
          pushAll(node.namedChildren);
          break;
        }
        default:
          pushAll(node.namedChildren);
      }
    }
  }

  /**
   * `for _, c := range xs {` → `for i := range xs {` and `c := &xs[i]` on the next line, for a slice
   * or array named without calls, when the body uses `c` only through selectors (which mean the same
   * through the pointer).
   */
  private rangeByIndexFix(value: Node, right: Node, loop: Node): SuggestedFix | undefined {
    const kind = this.model.types.underlying(this.model.typeOfExpr(right)).kind;
    if (kind !== 'slice' && kind !== 'array') return undefined;
    if (right.descendantsOfType('call_expression').length > 0 || right.type === 'call_expression') return undefined;
    const body = loop.childForFieldName('body');
    const first = body?.namedChildren.find((c) => c.type !== 'comment');
    if (!body || loop.startPosition.row !== body.startPosition.row || (first && first.startPosition.row === body.startPosition.row)) return undefined;
    for (const id of body.descendantsOfType('identifier')) {
      if (id.text !== value.text) continue;
      const parent = id.parent;
      if (parent?.type !== 'selector_expression' || parent.childForFieldName('operand')?.startIndex !== id.startIndex) return undefined;
    }
    const key = value.parent?.namedChildren[0];
    const bodyText = body.text;
    const index = key && key.text !== '_' ? key.text : ['i', 'idx', 'n'].find((n) => !new RegExp(`\\b${n}\\b`).test(bodyText) && !new RegExp(`\\b${n}\\b`).test(right.text));
    if (!index || !key) return undefined;
    const row = loop.startPosition.row;
    const line = this.model.lines[row].replace(/\r$/, '');
    const left = value.parent!;
    if (left.startPosition.row !== row || line.slice(left.startPosition.column, left.endPosition.column) !== left.text) return undefined;
    const indent = /^\s*/.exec(line)![0];
    const header = line.slice(0, left.startPosition.column) + index + line.slice(left.endPosition.column);
    return {
      message: `Iterate by index and take a pointer to the element: \`for ${index} := range ${right.text} {\` and \`${value.text} := &${right.text}[${index}]\`.`,
      edits: [{ startLine: row + 1, endLine: row + 1, replacement: `${header}\n${indent}\t${value.text} := &${right.text}[${index}]` }],
    };
  }

  private reportRange(value: Node, right: Node, path: string[], loop: Node): void {
    const lock = path[path.length - 1];
    const v = value.text;
    const xs = right.text;
    const message =
      `The range variable \`${v}\` copies each element of \`${xs}\`, and ${describePath(path)}: \`${v}\` is a copy, not the element, and ${whyCopyBreaks(lock)}. ` +
      'Iterate by index and take a pointer to the element.';
    const fixHint = ['Iterate by index and take a pointer to the element:', '```go', `for i := range ${xs} {`, `\t${v} := &${xs}[i]`, '\t// …', '}', '```'].join('\n');
    const fix = this.rangeByIndexFix(value, right, loop);
    this.report({ ...spanOf(value), message, ...(fix ? { fix } : { fixHint }) });
  }
}

export const copiedLock: Rule = {
  meta: {
    id: 'copied-lock',
    summary: 'A value that holds a lock is copied, so the copy locks nothing shared.',
    defaultSeverity: 'error',
    fixable: true,
    // Off by default: below 70% true or debatable in the precision triage (bench/triage).
    defaultEnabled: false,
    docPath: 'docs/rules/copied-lock.md',
  },
  // The by-value parameter fix adds `&` at the calls of the function, in any body: a file the rule
  // looks at (relevanceOf) is parsed whole.
  bodies: (ctx) => (SYNC_MENTION.test(ctx.source) || OWN_LOCK_METHOD.test(ctx.source) ? 'all' : undefined),
  // The functions that could copy a lock-holding value must be in the model.
  walks: (view) => {
    const relevance = relevanceOf(view);
    return relevance ? (text) => relevance.testFunction(text) : undefined;
  },
  run(model, report) {
    const relevant = relevanceOf(model);
    if (!relevant) return;
    const checker = new CopyChecker(model, report, relevant);
    // The variables of each walked top-level function whose type reaches a lock, from the model's accesses.
    const tainted = new Map<number, Set<string>>();
    for (const unit of model.units) if (!unit.parent) tainted.set(unit.node.startIndex, new Set());
    const reaches = new Map<TypeRef, boolean>();
    for (const a of model.accesses) {
      let r = reaches.get(a.decl.type);
      if (r === undefined) reaches.set(a.decl.type, (r = checker.reaches(a.decl.type)));
      if (!r) continue;
      let top = a.unit;
      while (top.parent) top = top.parent;
      tainted.get(top.node.startIndex)?.add(a.decl.name);
    }
    for (const fn of model.functions) {
      if (!relevant.testFunction(model.text(fn))) continue;
      checker.checkSignature(fn);
      const names = tainted.get(fn.startIndex);
      const body = fn.childForFieldName('body');
      // A body the model did not walk has no resolved names to type its copies by.
      if (body && names) checker.walkBody(body, names.size > 0 ? wordsRe([...names]) : undefined);
    }
    // Package-level `var a = b` copies too.
    for (const node of model.tree.rootNode.namedChildren) {
      if (node.type !== 'var_declaration' || !relevant.test(model.text(node))) continue;
      for (const spec of node.namedChildren.flatMap((c) => (c.type === 'var_spec_list' ? c.namedChildren : [c]))) {
        if (spec.type !== 'var_spec') continue;
        const names = fieldChildren(spec, 'name');
        const values = spec.childForFieldName('value')?.namedChildren ?? [];
        if (names.length !== values.length) continue;
        values.forEach((v, i) => {
          const path = checker.copiedLock(v);
          if (path && names[i].text !== '_') {
            report({
              ...spanOf(v),
              message: `The var declaration of \`${names[i].text}\` copies \`${v.text}\`, and ${describePath(path)}: ${whyCopyBreaks(path[path.length - 1])}. Declare a pointer instead (\`var ${names[i].text} = &${v.text}\`).`,
            });
          }
        });
      }
    }
  },
};
