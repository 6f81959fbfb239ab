/**
 * A few of the Go compiler's checks, on tree-sitter's tree and the file's own scopes (no type checker):
 * the errors a mechanical edit most often introduces. Used to compare a file before and after a fix;
 * a check that is wrong about some original code is harmless there, since only new violations count.
 */
import type Parser from 'tree-sitter';
import { fieldChildren } from '../parse.js';

type Node = Parser.SyntaxNode;

/** One compile error: `key` identifies it without positions (to compare before/after), `reason` says it in words. */
export interface Violation {
  key: string;
  reason: string;
  line: number;
}

interface LocalDecl {
  name: string;
  line: number;
  /** Parameters, results, constants and type-switch bindings may go unused; variables may not. */
  mustBeUsed: boolean;
  used: boolean;
  /** The declared type's text when visible (`sync.WaitGroup`, `*T`), for the addressing check. */
  type?: string;
}

class Scope {
  readonly names = new Map<string, LocalDecl>();
  constructor(readonly parent: Scope | undefined) {}
  lookup(name: string): LocalDecl | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }
}

export interface Signature {
  params: { type: string; variadic: boolean }[];
}

const SCOPED_STATEMENTS = new Set([
  'if_statement',
  'for_statement',
  'expression_switch_statement',
  'type_switch_statement',
  'select_statement',
  'expression_case',
  'type_case',
  'default_case',
  'communication_case',
  'block',
]);

/** The name an import binds: its alias, or the last path element (skipping a `/vN` major-version suffix). */
function importName(spec: Node): string | undefined {
  const alias = spec.childForFieldName('name');
  if (alias) return alias.text;
  const path = spec.childForFieldName('path')?.text.replace(/^["`]|["`]$/g, '');
  if (!path) return undefined;
  const parts = path.split('/');
  let last = parts[parts.length - 1];
  if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2];
  return last.replace(/^go-/, '').replace(/[.-]go$/, '').replace(/[^A-Za-z0-9_]/g, '');
}

function paramList(list: Node | null): { names: Node[]; type: string; variadic: boolean }[] {
  if (!list) return [];
  return list.namedChildren
    .filter((p) => p.type === 'parameter_declaration' || p.type === 'variadic_parameter_declaration')
    .map((p) => ({
      names: fieldChildren(p, 'name'),
      type: p.childForFieldName('type')?.text ?? '',
      variadic: p.type === 'variadic_parameter_declaration',
    }));
}

function signatureOf(fn: Node): Signature {
  const params: Signature['params'] = [];
  for (const p of paramList(fn.childForFieldName('parameters'))) {
    const n = Math.max(1, p.names.length);
    for (let i = 0; i < n; i++) params.push({ type: p.type, variadic: p.variadic });
  }
  return { params };
}

/** Whether an identifier is being assigned to (which does not count as a use in Go). */
function isAssignedOnly(id: Node): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if (parent.type === 'inc_statement' || parent.type === 'dec_statement') return true;
  if (parent.type === 'expression_list' && parent.parent?.type === 'assignment_statement') {
    return parent.parent.childForFieldName('left')?.startIndex === parent.startIndex && parent.parent.childForFieldName('left')?.endIndex === parent.endIndex;
  }
  return false;
}

/** The pointer-ness of an argument when the file shows it: `&x`, or a local declared with a type. */
function argumentType(arg: Node, scope: Scope): string | undefined {
  if (arg.type === 'unary_expression' && arg.child(0)?.type === '&') {
    const inner = arg.childForFieldName('operand');
    if (inner?.type === 'composite_literal') return `*${inner.childForFieldName('type')?.text ?? ''}`;
    if (inner?.type === 'identifier') {
      const t = scope.lookup(inner.text)?.type;
      return t === undefined ? '*?' : `*${t}`;
    }
    return '*?';
  }
  if (arg.type === 'identifier') return scope.lookup(arg.text)?.type;
  return undefined;
}

/** `x := T{}` / `&T{}` / `new(T)`: the type a short variable declaration gives, when plain to see. */
function valueType(value: Node | undefined): string | undefined {
  if (!value) return undefined;
  if (value.type === 'composite_literal') return value.childForFieldName('type')?.text;
  if (value.type === 'unary_expression' && value.child(0)?.type === '&') {
    const inner = value.childForFieldName('operand');
    if (inner?.type === 'composite_literal') return `*${inner.childForFieldName('type')?.text ?? ''}`;
  }
  if (value.type === 'call_expression' && value.childForFieldName('function')?.text === 'new') {
    const t = value.childForFieldName('arguments')?.namedChild(0)?.text;
    return t ? `*${t}` : undefined;
  }
  return undefined;
}

function base(type: string): string {
  return type.replace(/^\*/, '');
}

class Checker {
  readonly violations: Violation[] = [];
  private readonly packageNames = new Set<string>();
  private readonly imports = new Set<string>();
  private dotImport = false;
  private readonly functions = new Map<string, Signature>();

  /**
   * `declaredElsewhere`: functions another file of the package declares, whose calls in this file
   * are checked too (the edited file's, when checking its siblings).
   */
  constructor(
    private readonly root: Node,
    declaredElsewhere?: ReadonlyMap<string, Signature>,
  ) {
    for (const [name, sig] of declaredElsewhere ?? []) this.functions.set(name, sig);
    for (const top of root.namedChildren) {
      if (top.type === 'import_declaration') {
        for (const spec of top.descendantsOfType('import_spec')) {
          const name = importName(spec);
          if (name === '.') this.dotImport = true;
          else if (name) this.imports.add(name);
        }
      } else if (top.type === 'function_declaration') {
        const name = top.childForFieldName('name')?.text;
        if (name) {
          this.packageNames.add(name);
          this.functions.set(name, signatureOf(top));
        }
      } else if (top.type === 'method_declaration') {
        // Methods are reached through selectors only.
      } else {
        for (const spec of top.descendantsOfType(['var_spec', 'const_spec', 'type_spec', 'type_alias'])) {
          for (const n of fieldChildren(spec, 'name')) this.packageNames.add(n.text);
        }
      }
    }
  }

  /** `only`: the indices of the top-level declarations to check (default: all). */
  run(only?: ReadonlySet<number>): Violation[] {
    for (const [i, top] of this.root.namedChildren.entries()) {
      if (only && !only.has(i)) continue;
      if (top.type === 'function_declaration' || top.type === 'method_declaration') this.visitFunction(top, undefined);
      else if (top.type === 'var_declaration' || top.type === 'const_declaration') this.visitChildren(top, new Scope(undefined));
    }
    return this.violations;
  }

  private add(key: string, reason: string, node: Node): void {
    this.violations.push({ key, reason, line: node.startPosition.row + 1 });
  }

  private declare(scope: Scope, name: Node, mustBeUsed: boolean, type?: string): void {
    if (name.text === '_') return;
    scope.names.set(name.text, { name: name.text, line: name.startPosition.row + 1, mustBeUsed, used: false, type });
  }

  private close(scope: Scope): void {
    for (const d of scope.names.values()) {
      if (d.mustBeUsed && !d.used) this.violations.push({ key: `unused ${d.name}`, reason: `\`${d.name}\` would be declared and not used`, line: d.line });
    }
  }

  private visitFunction(fn: Node, outer: Scope | undefined): void {
    const scope = new Scope(outer);
    for (const field of ['receiver', 'parameters', 'result']) {
      for (const p of paramList(fn.childForFieldName(field))) for (const n of p.names) this.declare(scope, n, false, p.type);
    }
    const body = fn.childForFieldName('body');
    if (body) this.visitChildren(body, scope);
    this.close(scope);
  }

  private visitChildren(node: Node, scope: Scope): void {
    for (const child of node.namedChildren) this.visit(child, scope);
  }

  private visit(node: Node, scope: Scope): void {
    switch (node.type) {
      case 'func_literal':
        this.visitFunction(node, scope);
        return;
      case 'short_var_declaration': {
        const left = node.childForFieldName('left')?.namedChildren ?? [];
        const right = node.childForFieldName('right')?.namedChildren ?? [];
        for (const r of right) this.visit(r, scope);
        const fresh = left.filter((l) => l.type === 'identifier' && l.text !== '_' && !scope.names.has(l.text));
        if (fresh.length === 0) {
          const names = left.map((l) => l.text).join(', ');
          this.add(`no-new ${names}`, `\`${names} :=\` would declare no new variable`, node);
        }
        left.forEach((l, i) => {
          if (l.type !== 'identifier') return;
          if (scope.names.has(l.text)) return; // assigned, not declared
          this.declare(scope, l, true, right.length === left.length ? valueType(right[i]) : undefined);
        });
        return;
      }
      case 'var_spec': {
        const type = node.childForFieldName('type');
        if (type) this.visit(type, scope);
        const value = node.childForFieldName('value');
        if (value) this.visit(value, scope);
        const values = value?.namedChildren ?? [];
        const names = fieldChildren(node, 'name');
        names.forEach((n, i) => this.declare(scope, n, true, type?.text ?? (values.length === names.length ? valueType(values[i]) : undefined)));
        return;
      }
      case 'const_spec': {
        const value = node.childForFieldName('value');
        if (value) this.visit(value, scope);
        for (const n of fieldChildren(node, 'name')) this.declare(scope, n, false);
        return;
      }
      case 'type_spec':
      case 'type_alias':
        for (const n of fieldChildren(node, 'name')) this.declare(scope, n, false);
        for (const c of node.namedChildren) if (c.type !== 'type_identifier') this.visit(c, scope);
        return;
      case 'range_clause': {
        const right = node.childForFieldName('right');
        if (right) this.visit(right, scope);
        const left = node.childForFieldName('left')?.namedChildren ?? [];
        const declares = node.children.some((c) => c.type === ':=');
        for (const l of left) {
          if (!declares) this.visit(l, scope);
          else if (l.type === 'identifier') this.declare(scope, l, true);
        }
        return;
      }
      case 'type_switch_statement': {
        const inner = new Scope(scope);
        const alias = node.childForFieldName('alias');
        for (const c of node.namedChildren) {
          if (alias && c.startIndex === alias.startIndex) continue;
          this.visit(c, inner);
        }
        // The binding is re-declared in each clause; an unused one is not worth telling apart here.
        if (alias) for (const n of alias.namedChildren) this.declare(inner, n, false);
        this.close(inner);
        return;
      }
      case 'call_expression':
        this.checkCall(node, scope);
        this.visitChildren(node, scope);
        return;
      case 'selector_expression': {
        const operand = node.childForFieldName('operand');
        if (operand) {
          if (operand.type === 'identifier') this.checkQualifier(operand, scope);
          this.visit(operand, scope);
        }
        return;
      }
      case 'qualified_type': {
        const pkg = node.childForFieldName('package');
        if (pkg) this.checkQualifier(pkg, scope);
        return;
      }
      case 'identifier': {
        const d = scope.lookup(node.text);
        if (d && !isAssignedOnly(node)) d.used = true;
        return;
      }
      case 'field_identifier':
      case 'type_identifier':
      case 'label_name':
      case 'comment':
        return;
      default:
        if (SCOPED_STATEMENTS.has(node.type)) {
          const inner = new Scope(scope);
          this.visitChildren(node, inner);
          this.close(inner);
          return;
        }
        this.visitChildren(node, scope);
    }
  }

  /** `pkg.Name` where `pkg` is neither local, nor declared in the file, nor imported. */
  private checkQualifier(id: Node, scope: Scope): void {
    const name = id.text;
    if (this.dotImport || scope.lookup(name) || this.packageNames.has(name) || this.imports.has(name)) return;
    this.add(`unimported ${name}`, `it would use \`${name}\`, which the file does not import`, id);
  }

  /** A call to a function this file declares: argument count and pointer-ness against its parameters. */
  private checkCall(call: Node, scope: Scope): void {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'identifier' || scope.lookup(fn.text)) return;
    const sig = this.functions.get(fn.text);
    if (!sig) return;
    const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
    const spread = call.childForFieldName('arguments')?.children.some((c) => c.type === '...') ?? false;
    const variadic = sig.params.length > 0 && sig.params[sig.params.length - 1].variadic;
    const fixed = variadic ? sig.params.length - 1 : sig.params.length;
    // f(g()) with a multi-valued g cannot be counted without types.
    const multiValued = args.length === 1 && args[0].type === 'call_expression' && fixed !== 1;
    const countOk = multiValued || spread || (variadic ? args.length >= fixed : args.length === fixed);
    if (!countOk) {
      this.add(`arity ${fn.text}`, `the call to \`${fn.text}\` would pass ${args.length} argument${args.length === 1 ? '' : 's'} where it takes ${fixed}`, call);
      return;
    }
    args.slice(0, fixed).forEach((arg, i) => {
      const want = sig.params[i].type;
      const got = argumentType(arg, scope);
      if (!got || !want) return;
      const gotPointer = got.startsWith('*');
      const wantPointer = want.startsWith('*');
      if (gotPointer === wantPointer) return;
      // Only when the two types are visibly the same apart from the pointer.
      if (got !== '*?' && base(got) !== base(want)) return;
      this.add(
        `addressing ${fn.text} ${i}`,
        `the call to \`${fn.text}\` would pass \`${arg.text}\` where it takes a \`${want}\``,
        call,
      );
    });
  }
}

/**
 * The compile errors these checks find in a parsed Go file: in every declaration, or only in the top-level ones at
 * `only` (indices into the root's named children). The checks of a function read its own body and the
 * package's names, so an edit inside one body changes that function's violations alone.
 */
export function compileViolations(root: Node, only?: ReadonlySet<number>): Violation[] {
  return new Checker(root).run(only);
}

/** The functions a file declares, by name, with their parameters. */
export function declaredFunctions(root: Node): Map<string, Signature> {
  const functions = new Map<string, Signature>();
  for (const top of root.namedChildren) {
    const name = top.type === 'function_declaration' ? top.childForFieldName('name')?.text : undefined;
    if (name) functions.set(name, signatureOf(top));
  }
  return functions;
}

/**
 * Calls in another file of the package (`sibling`) that do not match the parameters of the
 * functions `declared` (another file's): the call sites a signature change leaves behind.
 */
export function siblingCallViolations(sibling: Node, declared: ReadonlyMap<string, Signature>, siblingName: string): Violation[] {
  return new Checker(sibling, declared)
    .run()
    .filter((v) => /^(arity|addressing) /.test(v.key) && declared.has(v.key.split(' ')[1]))
    .map((v) => ({ ...v, key: `${siblingName} ${v.key}`, reason: `${v.reason} in ${siblingName}` }));
}

/** Violations in `after` beyond those already in `before` (compared by key, as multisets). */
export function newViolations(before: readonly Violation[], after: readonly Violation[]): Violation[] {
  const counts = new Map<string, number>();
  for (const v of before) counts.set(v.key, (counts.get(v.key) ?? 0) + 1);
  const fresh: Violation[] = [];
  for (const v of after) {
    const n = counts.get(v.key) ?? 0;
    if (n > 0) counts.set(v.key, n - 1);
    else fresh.push(v);
  }
  return fresh;
}
