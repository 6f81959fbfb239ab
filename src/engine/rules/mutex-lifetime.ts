/**
 * mutex-lifetime: a mutex whose lifetime does not match the data it guards (the seed article's third
 * race). Two shapes:
 *
 * - a per-instance mutex in a struct built by shallow-copying a package-level value that holds a map,
 *   slice or pointer (`&PricingService{info: pricingInfo}`): every instance locks its own mutex
 *   while all of them write the one shared map;
 * - a mutex declared inside a function and locked there to guard package-level variables: each call
 *   locks a fresh mutex, so concurrent calls exclude nothing.
 */
import type { Diagnostic, Rule } from '../rule.js';
import { blockEnd, type BodyTest, type SkeletonContext } from '../skeleton.js';
import type { TextEdit } from '../types.js';
import { importEdit } from '../fix/imports.js';
import type { Access, Decl, FileModel, FuncUnit, Node } from '../semantic/model.js';
import { MUTEX_TYPES, named, typeName, type TypeRef } from '../semantic/typeref.js';
import { lineOf, spanOf } from './describe.js';
import { fieldChildren } from '../parse.js';
import { escapeRegExp } from '../regexp.js';

const LOCK_METHODS = new Set(['Lock', 'RLock']);
const MUTEX_METHODS = new Set(['Lock', 'Unlock', 'RLock', 'RUnlock', 'TryLock', 'TryRLock']);

function unparen(node: Node): Node {
  let cur = node;
  while (cur.type === 'parenthesized_expression' && cur.namedChild(0)) cur = cur.namedChild(0)!;
  return cur;
}

/** Whether Go `major.minor` is at least 1.`minor`; unknown versions count as new enough. */
function atLeast(goVersion: string | undefined, minor: number): boolean {
  const m = /^(?:go)?1\.(\d+)/.exec(goVersion ?? '');
  return !m || Number(m[1]) >= minor;
}

/** The file's own `//go:build go1.N` or `// racecheck:go1.N` line overrides the module's version. */
function fileGoVersion(model: FileModel): string | undefined {
  const m = /^\/\/\s*(?:go:build\s+go|racecheck:go)(1\.\d+)/m.exec(model.source.slice(0, 2000));
  return m ? m[1] : model.goVersion;
}

interface MutexStruct {
  name: string;
  /** Mutex fields held by value: `infoMtx`, or `Mutex` for an embedded sync.Mutex. */
  mutexes: string[];
  embedded: boolean;
}

/** Struct types declared at the top level that hold a sync.Mutex or sync.RWMutex by value. */
function mutexStructs(model: FileModel): MutexStruct[] {
  const byName = new Map<string, MutexStruct>();
  const root = model.tree.rootNode;
  const re = /\bsync\.(?:RW)?Mutex\b/g;
  for (let m = re.exec(model.source); m; m = re.exec(model.source)) {
    // Find the field declaration at this mention without walking the file.
    let decl: Node | null = root.descendantForIndex(m.index);
    while (decl && decl.type !== 'field_declaration' && decl.type !== 'source_file' && decl.type !== 'block') decl = decl.parent;
    if (decl?.type !== 'field_declaration') continue;
    const spec = decl.parent?.parent?.parent;
    if (decl.parent?.parent?.type !== 'struct_type' || spec?.type !== 'type_spec' || spec.parent?.type !== 'type_declaration' || spec.parent.parent?.type !== 'source_file') continue;
    const name = spec.childForFieldName('name')?.text;
    const t = decl.childForFieldName('type')?.text ?? '';
    if (!name || !MUTEX_TYPES.has(t) || decl.children.some((c) => c.type === '*')) continue;
    let entry = byName.get(name);
    if (!entry) byName.set(name, (entry = { name, mutexes: [], embedded: false }));
    const names = fieldChildren(decl, 'name').map((n) => n.text);
    if (names.length === 0) {
      entry.embedded = true;
      entry.mutexes.push(t.slice(t.indexOf('.') + 1));
    } else entry.mutexes.push(...names);
  }
  return [...byName.values()];
}

/** The top-level function or method declaration around a node, if any. */
function enclosingFunction(node: Node): Node | undefined {
  for (let n: Node | null = node.parent; n; n = n.parent) {
    if (n.type === 'function_declaration' || n.type === 'method_declaration') return n;
  }
  return undefined;
}

/** Names a function declares anywhere (parameters, `:=`, var, range): what may shadow a package var. */
function namesDeclaredIn(fn: Node): Set<string> {
  const names = new Set<string>();
  const stack: Node[] = [fn];
  while (stack.length > 0) {
    const n = stack.pop()!;
    switch (n.type) {
      case 'parameter_declaration':
      case 'variadic_parameter_declaration':
      case 'var_spec':
      case 'const_spec':
        for (const id of fieldChildren(n, 'name')) names.add(id.text);
        break;
      case 'short_var_declaration':
      case 'range_clause':
        for (const id of n.childForFieldName('left')?.namedChildren ?? []) if (id.type === 'identifier') names.add(id.text);
        break;
    }
    for (const c of n.namedChildren) stack.push(c);
  }
  return names;
}

/** `pricingInfo` or `defaults.info`: the package-level variable and the field steps after it. */
function packageLevelSource(model: FileModel, value: Node): { decl: Decl; fields: string[] } | undefined {
  const fields: string[] = [];
  let cur = unparen(value);
  while (cur.type === 'selector_expression') {
    fields.unshift(cur.childForFieldName('field')?.text ?? '');
    cur = unparen(cur.childForFieldName('operand')!);
  }
  if (cur.type !== 'identifier') return undefined;
  let decl = model.resolve(cur);
  if (!decl) {
    // The model walks only some function bodies; elsewhere, resolve by hand against shadowing.
    const candidate = model.packageDecls.get(cur.text);
    if (!candidate) return undefined;
    const fn = enclosingFunction(cur);
    if (fn && model.units.some((u) => u.node.startIndex === fn.startIndex)) return undefined; // walked: not a package var
    if (fn && namesDeclaredIn(fn).has(cur.text)) return undefined;
    decl = candidate;
  }
  if (!decl.packageLevel || decl.kind !== 'var') return undefined;
  return { decl, fields };
}

/**
 * Whether a write through the path after a field goes into memory a shallow copy shares: the path
 * crosses a map, slice or pointer (`plans[k] = v`), or deletes from a map. Returns the name of the
 * shared field.
 */
function sharedMutation(model: FileModel, fieldName: string, fieldType: TypeRef, rest: string[], a: Access): string | undefined {
  const types = model.types;
  let t = fieldType;
  let name = fieldName;
  for (let i = 0; i <= rest.length; i++) {
    const u = types.underlying(t);
    const last = i === rest.length;
    if (!last && (u.kind === 'map' || u.kind === 'slice' || u.kind === 'pointer')) return a.kind === 'write' || a.deleted ? name : undefined;
    if (last) return a.deleted && u.kind === 'map' ? name : undefined;
    const step = rest[i];
    if (step === '[]') {
      if (u.kind !== 'array') return undefined;
      t = u.elem;
    } else {
      t = types.fieldType(t, step);
      name = step;
    }
  }
  return undefined;
}

/** A deep copy of `expr` of type `type`, as Go source; undefined when no mechanical copy is right. */
function cloneExpr(model: FileModel, expr: string, type: TypeRef, imports: Set<string>, depth = 0): string | undefined {
  const types = model.types;
  if (depth > 3) return undefined;
  const u = types.underlying(type);
  switch (u.kind) {
    case 'map':
      imports.add('maps');
      return `maps.Clone(${expr})`;
    case 'slice':
      if (types.sharesOnCopy(u.elem)) return undefined;
      imports.add('slices');
      return `slices.Clone(${expr})`;
    case 'struct': {
      if (type.kind !== 'named' || !types.sharesOnCopy(type)) return type.kind === 'named' ? expr : undefined;
      const parts: string[] = [];
      for (const [field, ft] of u.fields) {
        if (!types.sharesOnCopy(ft)) {
          parts.push(`${field}: ${expr}.${field}`);
          continue;
        }
        const inner = cloneExpr(model, `${expr}.${field}`, ft, imports, depth + 1);
        if (!inner) return undefined;
        parts.push(`${field}: ${inner}`);
      }
      return `${type.name}{${parts.join(', ')}}`;
    }
    default:
      return types.sharesOnCopy(type) ? undefined : expr;
  }
}

function structOfName(model: FileModel, name: string) {
  return model.types.structOf(named(name));
}

function checkSharedCopies(model: FileModel, report: (d: Diagnostic) => void): void {
  const structs = mutexStructs(model);
  if (structs.length === 0) return;
  const types = model.types;
  const goVersion = fileGoVersion(model);
  const root = model.tree.rootNode;
  for (const s of structs) {
    const re = new RegExp(`\\b${escapeRegExp(s.name)}\\s*\\{`, 'g');
    const struct = structOfName(model, s.name);
    if (!struct) continue;
    let mutation: Map<string, Access[]> | undefined;
    let locks: Access[] | undefined;
    for (let m = re.exec(model.source); m; m = re.exec(model.source)) {
      let lit: Node | null = root.descendantForIndex(m.index);
      while (lit && lit.type !== 'composite_literal' && lit.startIndex === m.index) lit = lit.parent;
      if (lit?.type !== 'composite_literal' || lit.childForFieldName('type')?.text !== s.name) continue;
      for (const el of lit.childForFieldName('body')?.namedChildren ?? []) {
        if (el.type !== 'keyed_element') continue;
        const [k, v] = el.namedChildren;
        const field = k?.namedChild(0)?.type === 'identifier' ? k.namedChild(0)!.text : undefined;
        const value = v?.type === 'literal_element' ? v.namedChild(0) : v;
        if (!field || !value) continue;
        const source = packageLevelSource(model, value);
        if (!source) continue;
        let valueType = source.decl.type;
        for (const f of source.fields) valueType = types.fieldType(valueType, f);
        if (!types.sharesOnCopy(valueType)) continue;

        // Precision: the shared memory is written through the copy, and the struct's mutex is locked.
        if (!mutation) {
          mutation = new Map();
          locks = [];
          for (const a of model.accesses) {
            if (types.structOf(a.decl.type) !== struct) continue;
            if (a.method && LOCK_METHODS.has(a.method) && ((a.path.length === 1 && s.mutexes.includes(a.path[0])) || (a.path.length === 0 && s.embedded))) {
              locks.push(a);
            }
            if (a.path.length === 0) continue;
            let list = mutation.get(a.path[0]);
            if (!list) mutation.set(a.path[0], (list = []));
            list.push(a);
          }
        }
        if (locks!.length === 0) continue;
        const fieldType = types.fieldType(named(s.name), field);
        const writes: { a: Access; shared: string }[] = [];
        for (const a of mutation.get(field) ?? []) {
          const shared = sharedMutation(model, field, fieldType, a.path.slice(1), a);
          if (shared) writes.push({ a, shared });
        }
        if (writes.length === 0) continue;
        report(diagnosticFor(model, s, el, field, value, source.decl, valueType, writes, locks!, goVersion));
      }
    }
  }
}

function diagnosticFor(
  model: FileModel,
  s: MutexStruct,
  el: Node,
  field: string,
  value: Node,
  decl: Decl,
  valueType: TypeRef,
  writes: { a: Access; shared: string }[],
  locks: Access[],
  goVersion: string | undefined,
): Diagnostic {
  const types = model.types;
  const first = writes[0];
  const sharedName = first.shared;
  const sharedKind = (() => {
    let t = types.fieldType(named(s.name), field);
    for (const step of first.a.path.slice(1)) {
      if (step === '[]') break;
      const u = types.underlying(t);
      if (u.kind === 'map' || u.kind === 'slice' || u.kind === 'pointer') break;
      t = types.fieldType(t, step);
    }
    const k = types.underlying(t).kind;
    return k === 'map' ? 'map' : k === 'slice' ? 'slice' : k === 'pointer' ? 'pointee' : 'memory';
  })();
  const mutex = s.mutexes[0];
  const src = model.text(value);
  const sharedRef = sharedName === field ? `\`${src}\`'s ${sharedKind}` : `the \`${sharedName}\` ${sharedKind}`;
  const imports = new Set<string>();
  const clone = atLeast(goVersion, 21) ? cloneExpr(model, src, valueType, imports) : undefined;
  const importNote = imports.size > 0 ? ` (import ${[...imports].map((i) => `"${i}"`).join(' and ')}, Go 1.21+)` : '';
  const message =
    `\`${s.name}{${field}: ${src}}\` copies the package-level \`${decl.name}\` into every ${s.name}, but the copy still shares ${sharedRef} with it: ` +
    `each ${s.name} locks its own \`${mutex}\`, so the write on line ${lineOf(first.a.node)} under one instance's lock races with every other instance (and with direct uses of \`${decl.name}\`). ` +
    (clone ? `Deep-copy the value instead: \`${field}: ${clone}\`${importNote}.` : `Deep-copy the value (a new ${sharedKind} with the entries copied) instead of sharing it.`);
  const related = [
    ...writes.slice(0, 3).map(({ a }) => ({ line: lineOf(a.node), message: `${s.name}.${field}'s shared \`${a.decl.name}.${a.path.join('.').replace(/\.\[\]/g, '[…]')}\` is written here` })),
    ...(locks.length > 0 ? [{ line: lineOf(locks[0].node), message: `a per-instance \`${mutex}\` is locked here` }] : []),
  ];
  let suggestion: TextEdit | undefined;
  const row = value.startPosition.row;
  if (clone && el.startPosition.row === el.endPosition.row && value.endPosition.row === row) {
    const line = model.lines[row];
    const a = value.startPosition.column;
    const b = value.endPosition.column;
    if (line.slice(a, b) === src) suggestion = { startLine: row + 1, endLine: row + 1, replacement: line.slice(0, a) + clone + line.slice(b) };
  }
  // The clone's imports travel with it as edits of their own, or there is no fix.
  const edits: TextEdit[] = suggestion ? [suggestion] : [];
  for (const path of imports) {
    const edit = importEdit(model.tree.rootNode, model.lines, path);
    if (edit === 'imported') continue;
    if (edit) edits.push(edit);
    else edits.length = 0;
  }
  edits.sort((x, y) => x.startLine - y.startLine);
  const declaredType = decl.node.parent?.type === 'var_spec' ? decl.node.parent.childForFieldName('type')?.text : undefined;
  const typeText = valueType.kind === 'named' ? valueType.name : typeTextOf(declaredType, decl, valueType);
  const fixHint = clone
    ? undefined
    : [
        `Give each ${s.name} its own copy of the data its \`${mutex}\` guards, e.g.:`,
        '```go',
        `func clone${capitalize(decl.name)}(src ${typeText}) ${typeText} {`,
        '\t// copy the struct, then replace each map/slice with a fresh one holding the same entries',
        '}',
        '```',
        `or keep one package-level mutex next to \`${decl.name}\` and lock it instead.`,
      ].join('\n');
  return { ...spanOf(el), message, related, ...(edits.length > 0 ? { fix: { message: `Deep-copy the value: \`${field}: ${clone}\`${importNote}.`, edits } } : {}), ...(fixHint ? { fixHint } : {}) };
}

/** A spelling of the copied value's type for the hint: the var's declared type when it is the value itself. */
function typeTextOf(declared: string | undefined, decl: Decl, valueType: TypeRef): string {
  return declared && decl.type === valueType ? declared : 'T';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Whether a variable is a sync.Mutex/RWMutex (by value or pointer). */
function isMutex(model: FileModel, decl: Decl): boolean {
  let t = model.types.underlying(decl.type);
  if (t.kind === 'pointer') t = t.elem;
  return decl.kind === 'var' && t.kind === 'named' && MUTEX_TYPES.has(t.name);
}

/**
 * Whether a declaration is a new local sync.Mutex/RWMutex: by value, or a pointer to one it makes
 * (`new(sync.Mutex)`, `&sync.Mutex{}`). A pointer to another (`m := &pkgMu`, `m := s.mu`) names a
 * mutex that others lock too.
 */
function isLocalMutex(model: FileModel, decl: Decl): boolean {
  if (decl.packageLevel || !isMutex(model, decl)) return false;
  if (model.types.underlying(decl.type).kind !== 'pointer') return true;
  const init = decl.init;
  if (init?.type === 'call_expression') return init.childForFieldName('function')?.text === 'new';
  return init?.type === 'unary_expression' && init.childForFieldName('operand')?.type === 'composite_literal';
}

function checkLocalMutexes(model: FileModel, report: (d: Diagnostic) => void): void {
  const seen = new Set<Decl>();
  for (const lock of model.accesses) {
    if (!lock.method || !LOCK_METHODS.has(lock.method) || lock.path.length > 0) continue;
    const decl = lock.decl;
    if (seen.has(decl)) continue;
    seen.add(decl);
    if (!isLocalMutex(model, decl)) continue;
    const uses = model.accessesOf(decl);
    const unit = lock.unit;
    // Shared with a closure or goroutine, or passed, stored or returned: it may well guard something.
    if (!uses.every((u) => u.unit === unit && u.path.length === 0 && u.method && MUTEX_METHODS.has(u.method))) continue;
    // The function whose run declares the mutex: a closure locking a captured one shares its parent's.
    let owner: FuncUnit = unit;
    while (owner.parent && (decl.node.startIndex < owner.node.startIndex || decl.node.startIndex >= owner.node.endIndex)) owner = owner.parent;
    // A package-level mutex of the same name that this one hides: the lock others take is not this one.
    const hidden = model.packageDecls.get(decl.name);
    const shadows = !!hidden && isMutex(model, hidden) && model.accesses.some((a) => a.decl === hidden && a.method !== undefined && LOCK_METHODS.has(a.method));
    // Locked in a goroutine the declaring run starts in a loop: every goroutine of that run locks the
    // one mutex, which excludes them from each other (`once.Do(func() { mu := new(sync.Mutex); for … { go … } })`).
    if (unit !== owner && unit.spawn?.loop) continue;
    const ownerName = owner.node.childForFieldName('name')?.text;
    if (!owner.parent && (ownerName === 'main' || ownerName === 'init') && !shadows) continue; // runs once
    // A closure of this call that locks it too shares it (goroutines of one call, `g.Go(func…)`).
    const lockedInClosure = new RegExp(`\\b${escapeRegExp(decl.name)}\\.(R?Lock|R?Unlock)\\(`);
    if (unit.node.descendantsOfType('func_literal').some((lit) => lit.startIndex !== unit.node.startIndex && lockedInClosure.test(lit.text))) continue;
    const guarded = guardedPackageAccesses(model, unit, decl.name);
    // Package data only read under the lock is read-only data (a sentinel error, a table): no race.
    if (!guarded.some((a) => a.kind === 'write')) continue;
    const g = guarded[0];
    const fnName = owner.parent ? 'this function literal' : `\`${ownerName ?? ''}\``;
    const vars = [...new Set(guarded.map((a) => a.decl.name))];
    const varList = vars.slice(0, 3).map((v) => `\`${v}\``).join(', ');
    const accessed = `${vars.length > 1 ? 'are' : 'is'} still ${g.kind === 'write' ? 'written' : 'accessed'}`;
    const message = shadows
      ? `\`${decl.name}\` declared in ${fnName} hides the package-level \`${decl.name}\` (line ${lineOf(hidden!.node)}) that other code locks: \`${decl.name}.${lock.method}()\` on line ${lineOf(lock.node)} takes the local mutex, ` +
        `so the package-level ${varList} ${accessed} here without the lock its other accesses hold. Drop the local declaration and lock the package-level \`${decl.name}\`.`
      : `\`${decl.name}\` is declared inside ${fnName}, so ${owner.parent ? 'each run' : 'every call'} locks its own new mutex: \`${decl.name}.${lock.method}()\` on line ${lineOf(lock.node)} excludes nothing, ` +
        `and the package-level ${varList} ${accessed} by concurrent ${owner.parent ? 'runs' : 'calls'} without mutual exclusion. ` +
        `Move the mutex to package level next to the data it guards (or into the struct that owns it).`;
    const mutexType = typeName(decl.type).replace(/^\*/, '');
    const fixHint = shadows ? `Delete the local declaration of \`${decl.name}\` (line ${lineOf(decl.node)}), so \`${decl.name}.${lock.method}()\` takes the package-level mutex the other accesses hold.` : [
      `Declare the mutex once, next to the data it guards, and lock that one:`,
      '```go',
      'var (',
      `\t${vars[0]}Mu ${mutexType}`,
      `\t${vars[0]}   … // guarded by ${vars[0]}Mu`,
      ')',
      '```',
    ].join('\n');
    report({
      ...spanOf(decl.node),
      message,
      related: [
        { line: lineOf(lock.node), message: `\`${decl.name}.${lock.method}()\` locks a mutex no other call can see` },
        ...guarded.filter((a, i) => guarded.findIndex((b) => lineOf(b.node) === lineOf(a.node)) === i).slice(0, 3).map((a) => ({ line: lineOf(a.node), message: `package-level \`${a.decl.name}\` ${a.kind === 'write' ? 'written' : 'read'} under it` })),
      ],
      fixHint,
    });
  }
}

function guardedPackageAccesses(model: FileModel, unit: FuncUnit, mutex: string): Access[] {
  const out: Access[] = [];
  for (const a of model.accesses) {
    if (a.unit !== unit || !a.decl.packageLevel || a.decl.kind !== 'var' || a.atomic) continue;
    if (isLocalMutex(model, a.decl)) continue;
    if (a.node.startIndex < unit.node.startIndex || a.node.startIndex >= unit.node.endIndex) continue;
    if (model.locksHeld(a.node).includes(mutex)) out.push(a);
  }
  // Writes first: they are what makes the missing exclusion a race.
  return out.sort((x, y) => (x.kind === y.kind ? x.node.startIndex - y.node.startIndex : x.kind === 'write' ? -1 : 1));
}

/** A literal of a struct the file declares with a mutex field: where its name starts, and its `{`. */
interface Literal {
  name: number;
  open: number;
}

const literalsOf = new WeakMap<SkeletonContext, Literal[] | 'unknown'>();

/**
 * The literals of structs the file declares with a mutex field (`PricingService{`), as checkSharedCopies'
 * `\bName\s*\{` finds them, the structs told by their type specs' text (a superset of mutexStructs);
 * 'unknown' when the lexer could not read the file.
 */
function mutexStructLiterals(ctx: SkeletonContext): Literal[] | 'unknown' {
  let found = literalsOf.get(ctx);
  if (found) return found;
  found = [];
  if (!ctx.scanned) found = 'unknown';
  else if (ctx.source.includes('sync.')) {
    const source = ctx.source;
    for (const spec of ctx.scanned.typeSpecs) {
      if (!/\bsync\.(?:RW)?Mutex\b/.test(spec.text)) continue;
      const name = spec.name;
      // `\b` before a name that starts with an ASCII word character: none before it. (Another name: any.)
      const bounded = /^\w/.test(name);
      for (let i = source.indexOf(name); i >= 0; i = source.indexOf(name, i + 1)) {
        if (bounded && i > 0 && /\w/.test(source[i - 1])) continue;
        let j = i + name.length;
        while (j < source.length && /\s/.test(source[j])) j++;
        if (source[j] === '{') found.push({ name: i, open: j });
      }
    }
  }
  literalsOf.set(ctx, found);
  return found;
}

/** The bodies checkSharedCopies reads: those that hold a literal of a struct the file declares with a mutex field. */
function bodiesWithMutexStructLiterals(ctx: SkeletonContext): BodyTest | undefined {
  const literals = mutexStructLiterals(ctx);
  if (literals === 'unknown') return () => true;
  if (literals.length === 0) return undefined;
  return (fn) => literals.some((l) => l.name > fn.scanned.bodyStart && l.open < fn.scanned.bodyEnd);
}

/** A function whose text names a mutex type (a local `var mu sync.Mutex`, a `*sync.RWMutex` parameter). */
const NAMES_MUTEX = /Mutex\b/;

/**
 * Whether a literal of a struct the file declares with a mutex field may copy a package variable of
 * the file into it (checkSharedCopies' first question): a literal with a keyed element whose value
 * starts with one of the file's top-level vars (`info: pricingInfo`, `info: (defaults).info`), by the text.
 */
function copiesPackageVarIntoMutexStruct(ctx: SkeletonContext): boolean {
  const literals = mutexStructLiterals(ctx);
  if (literals === 'unknown') return true;
  if (literals.length === 0) return false;
  const vars = ctx.scanned!.varNames.filter((v) => v !== '_');
  if (vars.length === 0) return false;
  const named = new RegExp(`:(?:\\s|\\(|\\/\\*[\\s\\S]*?\\*\\/|\\/\\/[^\\n]*\\n)*(?:${vars.map(escapeRegExp).join('|')})\\b`);
  for (const { open } of literals) {
    const end = blockEnd(ctx.source, open);
    if (end < 0 || named.test(ctx.source.slice(open, end))) return true;
  }
  return false;
}

export const mutexLifetime: Rule = {
  meta: {
    id: 'mutex-lifetime',
    summary: 'A mutex whose lifetime does not match the data it guards.',
    defaultSeverity: 'error',
    fixable: true,
    docPath: 'docs/rules/mutex-lifetime.md',
  },
  bodies: bodiesWithMutexStructLiterals,
  // checkSharedCopies reads what the struct's methods write, when the file builds one from a literal.
  lockedMethods: (ctx) => (copiesPackageVarIntoMutexStruct(ctx) ? () => true : undefined),
  // checkLocalMutexes reads the functions that lock a mutex of their own; checkSharedCopies, every locker.
  lockingBodies: (ctx) => (copiesPackageVarIntoMutexStruct(ctx) ? () => true : (fn) => NAMES_MUTEX.test(fn.text)),
  run(model, report) {
    if (!model.source.includes('sync.')) return;
    checkSharedCopies(model, report);
    checkLocalMutexes(model, report);
  },
};
