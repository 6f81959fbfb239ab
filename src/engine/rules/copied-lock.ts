/**
 * copied-lock: a value that holds a lock (sync.Mutex, WaitGroup, atomic.Int64, …) is copied, so the
 * copy's lock is a different lock — go vet's copylocks, on the types this file spells.
 *
 * Like vet it checks receivers and parameters, assignments and var declarations, range variables,
 * composite literal elements, return values and call arguments, and allows composite literals and
 * call results (`x := T{}`, `x := NewT()`, `*f()`): those are fresh values, not copies.
 */
import type { Diagnostic, Rule } from '../rule.js';
import type { FileModel, Node } from '../semantic/model.js';
import { NO_COPY_TYPES, UNKNOWN, named, typeFromNode, type TypeRef } from '../semantic/typeref.js';
import { spanOf } from './describe.js';

const BUILTINS_THAT_DO_NOT_COPY = new Set(['new', 'len', 'cap', 'unsafe.Sizeof', 'unsafe.Offsetof', 'unsafe.Alignof']);
const SYNC_MENTION = /\b(?:sync|atomic)\.[A-Z]/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

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

/**
 * Which of the file's types hold a lock by value, and the path to it ("Counter contains sync.Mutex").
 * Beyond TypeTable.containsLock it knows vet's other lock: a type whose pointer has Lock and Unlock
 * methods declared in this file (`type noCopy struct{}; func (*noCopy) Lock() {}`).
 */
export class LockPaths {
  private readonly cache = new Map<string, string[] | null>();
  /**
   * `Type.Field` of embedded pointer fields (`struct{ *LineTable }`): TypeTable records them as
   * values, since tree-sitter-go leaves the `*` outside the field's type node.
   */
  readonly embeddedPointers = new Set<string>();

  constructor(
    private readonly model: FileModel,
    top: Node[],
    private readonly extraLocks: Set<string>,
  ) {
    for (const node of top) {
      if (node.type !== 'type_declaration' || !model.text(node).includes('*')) continue;
      for (const spec of node.namedChildren) {
        const name = spec.childForFieldName('name')?.text;
        const type = spec.childForFieldName('type');
        if (!name || type?.type !== 'struct_type') continue;
        const list = type.namedChildren.find((c) => c.type === 'field_declaration_list');
        for (const decl of list?.namedChildren ?? []) {
          if (decl.type !== 'field_declaration' || decl.childForFieldName('name') || !decl.children.some((c) => c.type === '*')) continue;
          const base = (decl.childForFieldName('type')?.text ?? '').replace(/\[.*$/, '');
          this.embeddedPointers.add(`${name}.${base.slice(base.lastIndexOf('.') + 1)}`);
        }
      }
    }
  }

  /** Types whose pointer has Lock and Unlock methods declared in this file: vet treats them as locks. */
  static extraLocksOf(source: string): Set<string> {
    const found = new Map<string, Set<string>>();
    const re = /func\s*\(\s*\w*\s*\*\s*(\w+)(?:\[[^\]]*\])?\s*\)\s*(Lock|Unlock)\s*\(\s*\)/g;
    for (let m = re.exec(source); m; m = re.exec(source)) {
      let set = found.get(m[1]);
      if (!set) found.set(m[1], (set = new Set()));
      set.add(m[2]);
    }
    return new Set([...found].filter(([, methods]) => methods.size === 2).map(([name]) => name));
  }

  /** TypeTable.fieldType, with embedded pointer fields typed as pointers. */
  fieldType(type: TypeRef, field: string): TypeRef {
    const t = this.model.types.fieldType(type, field);
    const base = type.kind === 'pointer' ? type.elem : type;
    if (base.kind === 'named' && this.embeddedPointers.has(`${base.name}.${field}`)) return { kind: 'pointer', elem: t };
    return t;
  }

  isLockName(name: string): boolean {
    return NO_COPY_TYPES.has(name) || this.extraLocks.has(name);
  }

  get lockNames(): string[] {
    return [...NO_COPY_TYPES, ...this.extraLocks];
  }

  /** Outermost to innermost: ['Counter', 'sync.Mutex']; undefined when a copy is harmless. */
  path(type: TypeRef, seen = new Set<string>()): string[] | undefined {
    if (type.kind === 'named') {
      if (this.isLockName(type.name)) return [type.name];
      const cached = this.cache.get(type.name);
      if (cached !== undefined) return cached ?? undefined;
      if (seen.has(type.name)) return undefined;
      seen.add(type.name);
    }
    const t = this.model.types.underlying(type);
    if (t.kind === 'array') return this.remember(type, this.path(t.elem, seen));
    let found: string[] | undefined;
    if (t.kind === 'struct') {
      for (const [fieldName, f] of t.fields) {
        if (type.kind === 'named' && this.embeddedPointers.has(`${type.name}.${fieldName}`)) continue;
        const inner = this.path(f, seen);
        if (inner) {
          found = type.kind === 'named' ? [type.name, ...inner] : inner;
          break;
        }
      }
    }
    return this.remember(type, found);
  }

  private remember(type: TypeRef, path: string[] | undefined): string[] | undefined {
    if (type.kind === 'named') this.cache.set(type.name, path ?? null);
    return path;
  }
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

interface Scope {
  names: Map<string, TypeRef>;
  parent?: Scope;
}

/** `gated`: a statement to skip when it mentions nothing that could be a lock-holding value. */
type Task = { node: Node; scope: Scope; gated?: boolean } | (() => void);

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

  static build(model: FileModel, locks: LockPaths, top: Node[]): Relevance | undefined {
    const specs: { names: string[]; text: string; words: Set<string>; kind: string; spec: Node }[] = [];
    for (const node of top) {
      if (node.type !== 'type_declaration' && node.type !== 'var_declaration') continue;
      const list = node.namedChildren.flatMap((c) => (c.type === 'var_spec_list' ? c.namedChildren : [c]));
      for (const spec of list) {
        if (spec.type !== 'type_spec' && spec.type !== 'type_alias' && spec.type !== 'var_spec') continue;
        const names = spec.childrenForFieldName('name').map((n) => n.text);
        const text = model.text(spec);
        if (names.length > 0) specs.push({ names, text, words: new Set(text.match(WORD) ?? []), kind: spec.type, spec });
      }
    }
    const lockNames = locks.lockNames;

    // Types that hold a lock by value, and every type whose declaration mentions one (pointers too).
    const valueTypes = new Set<string>(lockNames);
    for (const s of specs) if (s.kind !== 'var_spec') for (const n of s.names) if (locks.path(named(n))) valueTypes.add(n);
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
    const byValue = new RegExp(`(?<![*&]\\s*)\\b(?:${[...valueTypes].map(escapeRe).join('|')})\\b`);
    const direct = new Set<string>();
    const fields = new Set<string>();
    for (const s of specs) {
      if (!reaching.has(s.names[0]) || !byValue.test(s.text)) continue;
      if (s.kind === 'var_spec') for (const n of s.names) direct.add(n);
      const type = s.spec.childForFieldName('type');
      const fieldDecls = type?.type === 'struct_type' ? type.namedChildren.find((c) => c.type === 'field_declaration_list')?.namedChildren ?? [] : [];
      for (const f of fieldDecls) {
        if (f.type !== 'field_declaration' || !byValue.test(f.childForFieldName('type')?.text ?? '')) continue;
        for (const n of f.childrenForFieldName('name')) fields.add(n.text);
        if (f.childrenForFieldName('name').length === 0) {
          const base = (f.childForFieldName('type')?.text ?? '').replace(/\[.*$/, '');
          fields.add(base.slice(base.lastIndexOf('.') + 1));
        }
      }
    }
    for (const fn of model.functions) {
      if (fn.type !== 'function_declaration') continue;
      const result = fn.childForFieldName('result');
      const name = fn.childForFieldName('name')?.text;
      if (name && result && byValue.test(result.text)) direct.add(name);
    }
    const alternatives = [`(?<![*&]\\s*)\\b(?:${[...valueTypes].map(escapeRe).join('|')})\\b`];
    if (direct.size > 0) alternatives.push(`\\b(?:${[...direct].map(escapeRe).join('|')})\\b`);
    // A field read as a value: `c.mu` but not `c.mu.Lock()` or a method `c.mu()`.
    if (fields.size > 0) alternatives.push(`\\.(?:${[...fields].map(escapeRe).join('|')})\\b(?!\\s*[.(])`);
    return new Relevance(new RegExp(alternatives.join('|')), wordsRe([...reaching]), reaching);
  }

  test(text: string): boolean {
    return this.direct.test(text) || (DEREF.test(text) && this.reaching.test(text));
  }
}

/** Identifiers and qualified identifiers (`sync.Mutex`) of a declaration. */
const WORD = /[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?/g;

/** `func (c *conn)`: a method's pointer receiver. */
const POINTER_RECEIVER = /^func\s*\(\s*\w*\s*\*[^)]*\)/;

/** `*p` as a dereference (after `=`, `(`, `,`, `return`, …), not a pointer type or a product. */
const DEREF = /(?:[=(,{:;]|\breturn|^)[ \t]*\*[ \t]*[A-Za-z_(]/m;

function wordsRe(names: string[]): RegExp {
  return new RegExp(`\\b(?:${names.map(escapeRe).join('|')})\\b`);
}

class CopyChecker {
  constructor(
    private readonly model: FileModel,
    private readonly locks: LockPaths,
    private readonly report: (d: Diagnostic) => void,
    private readonly relevance: Relevance,
  ) {}

  /** Variables of the function being walked whose type reaches a lock: statements naming one are walked. */
  private tainted = new Set<string>();
  private taintedRe: RegExp | undefined;

  private reaches(type: TypeRef, depth = 0): boolean {
    if (depth > 4) return false;
    if (type.kind === 'named') return this.relevance.reachingNames.has(type.name);
    if (type.kind === 'pointer' || type.kind === 'slice' || type.kind === 'array') return this.reaches(type.elem, depth + 1);
    return type.kind === 'struct' && !!this.locks.path(type);
  }

  private declare(scope: Scope, name: string, type: TypeRef): void {
    if (name === '_') return;
    scope.names.set(name, type);
    if (!this.tainted.has(name) && this.reaches(type)) {
      this.tainted.add(name);
      this.taintedRe = undefined;
    }
  }

  private worthWalking(stmt: Node): boolean {
    const text = this.model.text(stmt);
    if (this.relevance.test(text)) return true;
    if (this.tainted.size === 0) return false;
    this.taintedRe ??= wordsRe([...this.tainted]);
    return this.taintedRe.test(text);
  }

  private lookup(scope: Scope | undefined, name: string): TypeRef | undefined {
    for (let s = scope; s; s = s.parent) {
      const t = s.names.get(name);
      if (t) return t;
    }
    const d = this.model.packageDecls.get(name);
    return d && d.kind === 'var' ? d.type : undefined;
  }

  private known(scope: Scope, name: string): boolean {
    for (let s: Scope | undefined = scope; s; s = s.parent) if (s.names.has(name)) return true;
    return this.model.packageDecls.has(name);
  }

  typeOf(expr: Node | null | undefined, scope: Scope): TypeRef {
    if (!expr) return UNKNOWN;
    const types = this.model.types;
    switch (expr.type) {
      case 'identifier':
        return this.lookup(scope, expr.text) ?? UNKNOWN;
      case 'parenthesized_expression':
        return this.typeOf(expr.namedChild(0), scope);
      case 'selector_expression': {
        const operand = expr.childForFieldName('operand');
        if (operand?.type === 'identifier' && !this.known(scope, operand.text)) return UNKNOWN; // another package's value
        return this.locks.fieldType(this.typeOf(operand, scope), expr.childForFieldName('field')?.text ?? '');
      }
      case 'index_expression': {
        let t = types.underlying(this.typeOf(expr.childForFieldName('operand'), scope));
        if (t.kind === 'pointer') t = types.underlying(t.elem);
        return t.kind === 'slice' || t.kind === 'array' ? t.elem : UNKNOWN;
      }
      case 'unary_expression': {
        const op = operatorOf(expr);
        const operand = expr.childForFieldName('operand');
        if (op === '&') return { kind: 'pointer', elem: this.typeOf(operand, scope) };
        if (op === '*') {
          const t = types.underlying(this.typeOf(operand, scope));
          return t.kind === 'pointer' ? t.elem : UNKNOWN;
        }
        return UNKNOWN;
      }
      case 'type_assertion_expression':
        return typeFromNode(expr.childForFieldName('type'));
      case 'composite_literal':
      case 'call_expression':
      case 'func_literal':
        return this.model.typeOfExpr(expr);
      default:
        return UNKNOWN;
    }
  }

  /** The lock path of a value copied by using `x` as an r-value; undefined for fresh values (vet's lockPathRhs). */
  copiedLock(x: Node, scope: Scope): string[] | undefined {
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
        if (e.text === '_' || e.text === 'nil') return undefined;
        break;
      case 'selector_expression':
      case 'index_expression':
      case 'type_assertion_expression':
        break;
      default:
        return undefined;
    }
    return this.locks.path(this.typeOf(e, scope));
  }

  private declareParams(list: Node | null, scope: Scope): void {
    for (const p of list?.namedChildren ?? []) {
      if (p.type !== 'parameter_declaration' && p.type !== 'variadic_parameter_declaration') continue;
      let type = typeFromNode(p.childForFieldName('type'));
      if (p.type === 'variadic_parameter_declaration') type = { kind: 'slice', elem: type };
      for (const n of p.childrenForFieldName('name')) this.declare(scope, n.text, type);
    }
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
    const path = this.locks.path(typeFromNode(typeNode));
    if (!path) return;
    const names = p.childrenForFieldName('name').map((n) => n.text);
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
    this.report({ ...spanOf(typeNode), message, ...(suggestion ? { suggestion } : {}) });
  }

  private reportCopy(x: Node, path: string[], what: string, fix: string, fixHint?: string): void {
    const lock = path[path.length - 1];
    const message =
      `${what} copies \`${x.text}\`, and ${describePath(path)}: ${whyCopyBreaks(lock)}. ${fix}`;
    this.report({ ...spanOf(x), message, ...(fixHint ? { fixHint } : {}) });
  }

  private checkPairs(left: Node[], right: Node[], scope: Scope, verb: string): void {
    if (left.length !== right.length) return;
    right.forEach((r, i) => {
      const l = left[i];
      if (l.text === '_') return;
      const path = this.copiedLock(r, scope);
      if (!path) return;
      const fix = verb === 'the assignment to'
        ? `Keep a pointer instead (\`${l.text} = ${pointerTo(r)}\` with \`${l.text}\` a \`*${path[0]}\`), or copy only the fields you need.`
        : `Take a pointer instead: \`${l.text} := ${pointerTo(r)}\`.`;
      this.reportCopy(r, path, capitalize(`${verb} \`${l.text}\``), fix);
    });
  }

  walkFunction(fn: Node): void {
    this.tainted = new Set();
    this.taintedRe = undefined;
    const scope: Scope = { names: new Map() };
    this.declareParams(fn.childForFieldName('receiver'), scope);
    this.declareParams(fn.childForFieldName('parameters'), scope);
    this.declareParams(fn.childForFieldName('result'), scope);
    const body = fn.childForFieldName('body');
    if (body) this.run({ node: body, scope });
  }

  private run(initial: Task): void {
    const stack: Task[] = [initial];
    while (stack.length > 0) {
      const task = stack.pop()!;
      if (typeof task === 'function') {
        task();
        continue;
      }
      const { node, scope } = task;
      if (task.gated && !this.worthWalking(node)) continue;
      const pushAll = (nodes: Node[], s: Scope = scope) => {
        for (let i = nodes.length - 1; i >= 0; i--) stack.push({ node: nodes[i], scope: s });
      };
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
          for (let i = node.namedChildCount - 1; i >= 0; i--) stack.push({ node: node.namedChild(i)!, scope, gated: true });
          break;
        case 'type_switch_statement': {
          // `switch v := x.(type)`: v's type depends on the case; unknown here, but it shadows.
          const s: Scope = { names: new Map(), parent: scope };
          for (const a of node.childForFieldName('alias')?.namedChildren ?? []) s.names.set(a.text, UNKNOWN);
          pushAll(node.namedChildren, s);
          break;
        }
        case 'receive_statement':
          for (const l of node.childForFieldName('left')?.namedChildren ?? []) if (l.type === 'identifier') scope.names.set(l.text, UNKNOWN);
          pushAll(node.namedChildren);
          break;
        case 'block':
        case 'if_statement':
        case 'expression_switch_statement':
        case 'select_statement':
        case 'expression_case':
        case 'default_case':
        case 'type_case':
        case 'communication_case':
          pushAll(node.namedChildren, { names: new Map(), parent: scope });
          break;
        case 'func_literal': {
          this.checkSignature(node);
          const s: Scope = { names: new Map(), parent: scope };
          this.declareParams(node.childForFieldName('parameters'), s);
          this.declareParams(node.childForFieldName('result'), s);
          const body = node.childForFieldName('body');
          if (body) stack.push({ node: body, scope: s });
          break;
        }
        case 'short_var_declaration': {
          const left = node.childForFieldName('left')?.namedChildren ?? [];
          const right = node.childForFieldName('right')?.namedChildren ?? [];
          this.checkPairs(left, right, scope, 'the declaration of');
          const types = left.map((_, i) => (right.length === left.length ? this.typeOf(right[i], scope) : i === 0 ? this.typeOf(right[0], scope) : UNKNOWN));
          stack.push(() => left.forEach((l, i) => l.type === 'identifier' && this.declare(scope, l.text, types[i])));
          pushAll(right);
          break;
        }
        case 'assignment_statement': {
          const left = node.childForFieldName('left')?.namedChildren ?? [];
          const right = node.childForFieldName('right')?.namedChildren ?? [];
          if (operatorOf(node) === '=') this.checkPairs(left, right, scope, 'the assignment to');
          pushAll([...right, ...left]);
          break;
        }
        case 'var_declaration': {
          const specs = node.namedChildren.flatMap((c) => (c.type === 'var_spec_list' ? c.namedChildren : [c])).filter((c) => c.type === 'var_spec');
          for (let i = specs.length - 1; i >= 0; i--) {
            const spec = specs[i];
            const names = spec.childrenForFieldName('name');
            const values = spec.childForFieldName('value')?.namedChildren ?? [];
            const declared = typeFromNode(spec.childForFieldName('type'));
            stack.push(() => {
              this.checkPairs(names, values, scope, 'the var declaration of');
              names.forEach((n, j) => {
                const t = declared.kind !== 'unknown' ? declared : values.length === names.length ? this.typeOf(values[j], scope) : UNKNOWN;
                this.declare(scope, n.text, t);
              });
            });
            pushAll(values);
          }
          break;
        }
        case 'for_statement': {
          const s: Scope = { names: new Map(), parent: scope };
          const range = node.namedChildren.find((c) => c.type === 'range_clause');
          if (range) {
            const left = range.childForFieldName('left')?.namedChildren ?? [];
            const right = range.childForFieldName('right');
            const defines = range.children.some((c) => c.type === ':=');
            let t = this.model.types.underlying(this.typeOf(right, scope));
            if (t.kind === 'pointer') t = this.model.types.underlying(t.elem);
            const elem = t.kind === 'slice' || t.kind === 'array' ? t.elem : UNKNOWN;
            const value = left[1];
            if (value && value.text !== '_') {
              const path = this.locks.path(defines ? elem : this.typeOf(value, scope));
              if (path && right) this.reportRange(value, right, path);
            }
            if (defines) left.forEach((l, i) => this.declare(s, l.text, i === 1 ? elem : UNKNOWN));
            const body = node.childForFieldName('body');
            if (body) stack.push({ node: body, scope: s });
            if (right) stack.push({ node: right, scope });
          } else {
            pushAll(node.namedChildren, s);
          }
          break;
        }
        case 'return_statement': {
          const list = node.namedChildren.find((c) => c.type === 'expression_list');
          for (const x of list?.namedChildren ?? []) {
            const path = this.copiedLock(x, scope);
            if (path) this.reportCopy(x, path, 'This return', `Return a pointer instead (\`return ${pointerTo(x)}\` with a \`*${path[0]}\` result).`);
          }
          pushAll(node.namedChildren);
          break;
        }
        case 'composite_literal': {
          const body = node.childForFieldName('body');
          for (const el of body?.namedChildren ?? []) {
            const valueEl = el.type === 'keyed_element' ? el.namedChildren[1] : el.type === 'literal_element' ? el : undefined;
            const x = valueEl?.type === 'literal_element' ? valueEl.namedChild(0) : valueEl;
            if (!x || x.type === 'literal_value') continue;
            const path = this.copiedLock(x, scope);
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
              const path = this.copiedLock(arg, scope);
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

  private reportRange(value: Node, right: Node, path: string[]): void {
    const lock = path[path.length - 1];
    const v = value.text;
    const xs = right.text;
    const message =
      `The range variable \`${v}\` copies each element of \`${xs}\`, and ${describePath(path)}: \`${v}\` is a copy, not the element, and ${whyCopyBreaks(lock)}. ` +
      'Iterate by index and take a pointer to the element.';
    const fixHint = ['Iterate by index and take a pointer to the element:', '```go', `for i := range ${xs} {`, `\t${v} := &${xs}[i]`, '\t// …', '}', '```'].join('\n');
    this.report({ ...spanOf(value), message, fixHint });
  }
}

export const copiedLock: Rule = {
  meta: {
    id: 'copied-lock',
    summary: 'A value that holds a lock is copied, so the copy locks nothing shared.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/copied-lock.md',
  },
  run(model, report) {
    const extra = LockPaths.extraLocksOf(model.source);
    if (extra.size === 0 && !SYNC_MENTION.test(model.source)) return;
    const top = model.tree.rootNode.namedChildren;
    const locks = new LockPaths(model, top, extra);
    const relevant = Relevance.build(model, locks, top);
    if (!relevant) return;
    const checker = new CopyChecker(model, locks, report, relevant);
    for (const fn of model.functions) {
      const text = model.text(fn);
      // A pointer receiver's type name alone makes nothing worth walking.
      const ptrRecv = fn.type === 'method_declaration' ? POINTER_RECEIVER.exec(text) : null;
      if (!relevant.test(ptrRecv ? text.slice(ptrRecv[0].length) : text)) continue;
      checker.checkSignature(fn);
      checker.walkFunction(fn);
    }
    // Package-level `var a = b` copies too.
    const scope: Scope = { names: new Map() };
    for (const node of top) {
      if (node.type !== 'var_declaration' || !relevant.test(model.text(node))) continue;
      for (const spec of node.namedChildren.flatMap((c) => (c.type === 'var_spec_list' ? c.namedChildren : [c]))) {
        if (spec.type !== 'var_spec') continue;
        const names = spec.childrenForFieldName('name');
        const values = spec.childForFieldName('value')?.namedChildren ?? [];
        if (names.length !== values.length) continue;
        values.forEach((v, i) => {
          const path = checker.copiedLock(v, scope);
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
