/**
 * shared-field-write: a concurrently running closure assigns a field of a struct value or pointer
 * it shares with other goroutines (the seed article's second race: `client.CheckRedirect` set by
 * two errgroup closures on one http.Client).
 */
import { onlyWalkedBodies, type Diagnostic, type Rule } from '../rule.js';
import { mightSpawn } from '../semantic/model.js';
import type { TextEdit } from '../types.js';
import type { Access, Decl, FileModel, FuncUnit, Node } from '../semantic/model.js';
import type { TypeRef } from '../semantic/typeref.js';
import { conflictingAccesses, inParallelTest, isOuter, unsynchronized } from './conflicts.js';
import { describeThread, indentOf, lineOf, spanOf } from './describe.js';

/** Methods that take or release a lock rather than read the object's fields. */
const LOCK_METHODS = new Set(['Lock', 'Unlock', 'RLock', 'RUnlock', 'TryLock', 'TryRLock']);

/** Builtins that look at a pointer or header but not at the fields behind it. */
const NON_READING_BUILTINS = new Set(['append', 'len', 'cap', 'new', 'make', 'panic', 'print', 'println']);

function isPrefix(short: readonly string[], long: readonly string[]): boolean {
  if (short.length > long.length) return false;
  for (let i = 0; i < short.length; i++) if (short[i] !== long[i]) return false;
  return true;
}

/** Whether a write of the field path `a` and the access at path `b` touch the same memory. */
function overlaps(a: readonly string[], b: readonly string[]): boolean {
  return isPrefix(a, b) || isPrefix(b, a);
}

/** `x.f = …`, `x.f.g++`, `x.f = append(x.f, …)`: a write that lands on a field, not a map or slice element. */
function isFieldWrite(a: Access): boolean {
  return a.kind === 'write' && !a.deleted && a.path.length > 0 && !a.path.includes('[]');
}

/** The node an access's value flows out of: past parentheses and an `&`. */
function useSite(b: Access): Node {
  let cur = b.node;
  for (let p = cur.parent; p; p = cur.parent) {
    const operandOf = (p.type === 'selector_expression' || p.type === 'index_expression') && p.childForFieldName('operand')?.startIndex === cur.startIndex;
    if (!operandOf && p.type !== 'parenthesized_expression') break;
    if (p.type === 'selector_expression' && p.parent?.type === 'call_expression' && p.parent.childForFieldName('function')?.startIndex === p.startIndex) break;
    cur = p;
  }
  if (b.addressTaken && cur.parent?.type === 'unary_expression') cur = cur.parent;
  return cur;
}

/** Whether the whole variable is handed to a function (which may then read its fields). */
function passedToCall(b: Access): boolean {
  const list = useSite(b).parent;
  if (list?.type !== 'argument_list') return false;
  const callee = list.parent?.childForFieldName('function')?.text ?? '';
  return !NON_READING_BUILTINS.has(callee);
}

type Shape = 'value' | 'pointer' | 'unknown';

function shapeOf(model: FileModel, type: TypeRef): Shape {
  const t = model.types.underlying(type);
  if (t.kind === 'pointer') return 'pointer';
  if (t.kind === 'struct' || t.kind === 'array' || (t.kind === 'named' && type.kind !== 'unknown')) return 'value';
  return 'unknown';
}

/** The struct type behind a value or pointer, by name, when it has one (`http.Client`, `Config`). */
function objectTypeName(model: FileModel, type: TypeRef): string | undefined {
  let t = type;
  if (t.kind === 'named' && model.types.underlying(t).kind === 'pointer') t = model.types.underlying(t);
  if (t.kind === 'pointer') t = t.elem;
  return t.kind === 'named' ? t.name : undefined;
}

/**
 * Whether the access `b` touches memory the field write `a` writes: the same field (or one
 * containing it, or inside it), a method called on the object or on a containing field, or the
 * object used whole — copied if it is a value, handed to a function, or overwritten.
 */
function touchesField(model: FileModel, a: Access, b: Access): boolean {
  if (b.method && LOCK_METHODS.has(b.method)) return false;
  // `s.items[i]` reads the field `s.items` (and no sibling field of it).
  const cut = b.path.indexOf('[]');
  const path = cut >= 0 ? b.path.slice(0, cut) : b.path;
  if (!overlaps(a.path, path)) return false;
  if (b.method) return path.length >= a.path.length || methodMayReadField(model, typeAtPath(model, b.decl.type, path), b.method);
  if (b.kind === 'write' || path.length >= a.path.length) return true;
  // `b` reads something that contains the written field: a copy of it holds the field unless a
  // pointer lies between (copying `p` or `p.s1` does not read `p.s1.x` when s1 is a pointer).
  if (passedToCall(b)) return true;
  if (b.addressTaken) return false;
  if (path.length === 0 && cut < 0 && shapeOf(model, a.decl.type) !== 'value') return false;
  return !throughPointer(model, a.decl.type, a.path, path.length);
}

/**
 * Whether calling a method may read a field written elsewhere: a value receiver copies every field;
 * a method of another package's type (`client.Get`) is not known, so it may. A pointer method of
 * this package's own type is not assumed to (most methods touch a few fields).
 */
function methodMayReadField(model: FileModel, type: TypeRef, method: string): boolean {
  const name = objectTypeName(model, type) ?? '';
  if (name === '' || name.includes('.')) return true;
  const info = model.types.methodOf(name, method);
  return info ? !info.pointerReceiver : true;
}

/** The type at a field path below a variable's type, as far as the file declares it. */
function typeAtPath(model: FileModel, type: TypeRef, path: readonly string[]): TypeRef {
  let t = type;
  for (const f of path) t = model.types.fieldType(t, f);
  return t;
}

/** Whether one of the containers on `path` from depth `from` on (before its last step) is a pointer. */
function throughPointer(model: FileModel, type: TypeRef, path: readonly string[], from: number): boolean {
  for (let depth = Math.max(1, from); depth < path.length; depth++) {
    if (model.types.isPointer(typeAtPath(model, type, path.slice(0, depth)))) return true;
  }
  return false;
}

/** sync/atomic's functions, also when the package is dot-imported (its own tests do that). */
const ATOMIC_FUNC = /^(atomic\.)?(Load|Store|Add|Swap|CompareAndSwap)(Int32|Int64|Uint32|Uint64|Uintptr|Pointer)$/;

function atomicCallee(b: Access): string {
  const list = useSite(b).parent;
  return list?.type === 'argument_list' ? list.parent?.childForFieldName('function')?.text ?? '' : '';
}

const ATOMIC_METHODS = new Set(['Load', 'Store', 'Add', 'Swap', 'CompareAndSwap', 'And', 'Or']);

/**
 * Whether the writing goroutine also runs atomic operations on the object: a hand-rolled
 * publication protocol (write the data, then atomically store a flag) that this rule can't judge.
 */
function usesAtomics(model: FileModel, a: Access): boolean {
  return model.accessesOf(a.decl).some((b) => {
    if (b.thread !== a.thread) return false;
    if (b.atomic || (b.addressTaken && ATOMIC_FUNC.test(atomicCallee(b)))) return true;
    if (!b.method || !ATOMIC_METHODS.has(b.method)) return false;
    const t = typeAtPath(model, a.decl.type, b.path);
    return t.kind === 'named' && t.name.startsWith('atomic.');
  });
}

/** How the conflicting access touches the object, for the message. */
function describeAccess(a: Access, b: Access): string {
  const name = a.decl.name;
  const target = [name, ...b.path].join('.');
  if (b.method) {
    return `calls \`${target}.${b.method}\``;
  }
  if (b.path.length === 0) {
    if (b.kind === 'write') return `assigns \`${name}\` whole`;
    return b.addressTaken ? `passes \`&${name}\` on` : `uses \`${name}\` whole`;
  }
  const shown = b.path.includes('[]') ? [name, ...b.path.slice(0, b.path.indexOf('[]'))].join('.') : target;
  return `${b.kind === 'write' ? 'writes' : 'reads'} \`${shown}\``;
}

/** Picks the conflicting access to name: another thread's write first, then any write, then a read. */
function pickConflict(a: Access, conflicts: Access[]): Access {
  const score = (b: Access) => (b.thread !== a.thread ? 4 : 0) + (b.kind === 'write' ? 2 : 0) + (b.path.length > 0 ? 1 : 0);
  return [...conflicts].sort((x, y) => score(y) - score(x) || x.node.startIndex - y.node.startIndex)[0];
}

function threadChainOf(t: FuncUnit): FuncUnit[] {
  const chain: FuncUnit[] = [];
  for (let cur: FuncUnit | undefined = t; cur && !chain.includes(cur); cur = cur.spawn?.parent?.thread ?? (cur.spawn ? undefined : cur.parent?.thread)) {
    chain.push(cur);
  }
  return chain;
}

/** Whether the type can be copied with `x := x` / `*x` without copying a lock. */
function copyable(model: FileModel, decl: Decl): boolean {
  const name = objectTypeName(model, decl.type);
  if (name === 'http.Client') return true;
  const struct = model.types.structOf(decl.type);
  return !!struct && !model.types.containsLock(decl.type.kind === 'pointer' ? decl.type.elem : decl.type);
}

/**
 * The statement of a field write, when it sits directly in the body of the goroutine's own
 * function literal and is the first thing there that touches the variable.
 */
function firstUseStatement(model: FileModel, a: Access): Node | undefined {
  if (a.unit !== a.thread || !a.unit.body || !a.thread.spawn) return undefined;
  let stmt: Node | null = a.node;
  while (stmt && stmt.parent?.type !== 'statement_list') stmt = stmt.parent;
  if (!stmt || stmt.parent?.parent?.startIndex !== a.unit.body.startIndex) return undefined;
  if (stmt.type !== 'assignment_statement' && stmt.type !== 'inc_statement' && stmt.type !== 'dec_statement') return undefined;
  const inThread = (b: Access) => b.node.startIndex >= a.thread.node.startIndex && b.node.endIndex <= a.thread.node.endIndex;
  const uses = model.accessesOf(a.decl).filter(inThread);
  if (uses.some((b) => b.node.startIndex < stmt!.startIndex)) return undefined;
  // The goroutine must go on to use the object it configured, or a private copy would drop the write.
  if (!uses.some((b) => b.node.startIndex >= stmt!.endIndex)) return undefined;
  return stmt;
}

/**
 * A copy per goroutine fits when every goroutine that conflicts configures the object for itself
 * too (it writes fields of it), and no code outside the goroutines relies on what they wrote.
 */
function copyPerGoroutineFits(model: FileModel, a: Access, conflicts: Access[]): boolean {
  const ancestors = new Set(threadChainOf(a.thread).slice(1));
  const writers = new Set(model.accessesOf(a.decl).filter(isFieldWrite).map((b) => b.thread));
  for (const b of conflicts) {
    if (b.thread === a.thread) continue;
    if (!b.thread.spawn || ancestors.has(b.thread) || !writers.has(b.thread)) return false;
  }
  const parent = a.thread.spawn?.parent?.thread;
  const site = a.thread.spawn?.site;
  if (!parent || !site) return false;
  return !model.accessesOf(a.decl).some((b) => b.thread === parent && b.node.startIndex >= site.endIndex && overlaps(a.path, b.path));
}

interface Fix {
  suggestion?: TextEdit;
  advice: string;
  fixHint?: string;
}

/** Whether the writing goroutine goes on to use the object after the write: it configures it for itself. */
function configuresForItself(model: FileModel, a: Access): boolean {
  const end = a.thread.node.endIndex;
  return model.accessesOf(a.decl).some((b) => b !== a && b.node.startIndex > a.node.startIndex && b.node.endIndex <= end && b.thread === a.thread);
}

function fixFor(model: FileModel, a: Access, conflicts: Access[], isHttpClient: boolean): Fix {
  const name = a.decl.name;
  const field = [name, ...a.path].join('.');
  const shape = shapeOf(model, a.decl.type);
  const stmt = firstUseStatement(model, a);
  if (stmt && (shape === 'value' || shape === 'pointer') && copyable(model, a.decl) && copyPerGoroutineFits(model, a, conflicts)) {
    const line = lineOf(stmt);
    const original = model.lines[line - 1];
    const indent = indentOf(original);
    const copy1 = copyName(name);
    if (shape === 'value') {
      return {
        suggestion: { startLine: line, endLine: line, replacement: `${indent}${name} := ${name}\n${original}` },
        advice: `Give each goroutine its own copy (\`${name} := ${name}\` at the top of the closure)${isHttpClient ? ', or a new http.Client' : ''}.`,
      };
    }
    if (!new RegExp(`\\b${copy1}\\b`).test(model.source)) {
      return {
        suggestion: { startLine: line, endLine: line, replacement: `${indent}${copy1} := *${name}\n${indent}${name} := &${copy1}\n${original}` },
        advice: `Give each goroutine its own copy (\`${copy1} := *${name}\`)${isHttpClient ? ', or a new http.Client per goroutine' : ''}.`,
      };
    }
  }
  if (isHttpClient || configuresForItself(model, a)) {
    const copy =
      shape === 'pointer'
        ? isHttpClient
          ? `${name} := &http.Client{} // a client of its own`
          : `${copyName(name)} := *${name} // a shallow copy of its own\n    ${name} := &${copyName(name)}`
        : `${name} := ${name} // a copy of its own`;
    return {
      advice: isHttpClient
        ? 'Give each goroutine its own http.Client (or a copy), or set the field once before the goroutines start.'
        : 'Give each goroutine its own copy, or set the field once before the goroutines start.',
      fixHint: [
        `Give each goroutine that changes \`${field}\` an object of its own:`,
        '',
        '```go',
        'go func() {',
        `    ${copy}`,
        `    ${field} = …`,
        '    …',
        '}()',
        '```',
        '',
        `Or, if they really must share one object, set \`${field}\` before the goroutines start.`,
      ].join('\n'),
    };
  }
  return {
    advice: 'Guard every access with a mutex, or hand the value back to the parent (over a channel, or read it only after Wait()).',
    fixHint: [
      `Guard \`${field}\` and every other access to it with one mutex:`,
      '',
      '```go',
      'mu.Lock()',
      `${field} = …`,
      'mu.Unlock()',
      '```',
      '',
      'For a counter, a `sync/atomic` type (`atomic.Int64`) does the same without a lock. If the field carries a result, have each goroutine send it over a channel, or read it only after `Wait()`.',
    ].join('\n'),
  };
}

/**
 * Other goroutines that write the same object need the same per-goroutine copy: fixing one alone
 * leaves its copy reading the object the others still write. The fix then carries every goroutine's
 * edit (or none), and the advice says so.
 */
function withOtherWriters(model: FileModel, a: Access, conflicts: Access[], own: Fix, isHttpClient: boolean): Fix & { edits?: TextEdit[] } {
  const firstWrites = new Map<FuncUnit, Access>();
  for (const b of conflicts) {
    if (b.thread === a.thread || !isFieldWrite(b) || firstWrites.has(b.thread)) continue;
    // The copy goes before the goroutine's first write of any field, so it covers them all.
    const first = model.accessesOf(a.decl).filter((x) => x.thread === b.thread && isFieldWrite(x)).sort((x, y) => x.node.startIndex - y.node.startIndex)[0];
    firstWrites.set(b.thread, first ?? b);
  }
  if (firstWrites.size === 0) return { ...own, ...(own.suggestion ? { edits: [own.suggestion] } : {}) };
  const lines = [...firstWrites.values()].map((b) => lineOf(b.node));
  const advice = `${own.advice} The goroutine${lines.length === 1 ? '' : 's'} writing it on line${lines.length === 1 ? '' : 's'} ${lines.join(', ')} need${lines.length === 1 ? 's' : ''} the same change: one goroutine's copy alone still reads the object the others write.`;
  if (!own.suggestion) return { ...own, advice };
  const edits = [own.suggestion];
  for (const b of firstWrites.values()) {
    const theirs = fixFor(model, b, conflictingAccesses(model, b, (c) => touchesField(model, b, c)), isHttpClient).suggestion;
    if (!theirs) return { ...own, advice, suggestion: undefined };
    if (!edits.some((e) => e.startLine === theirs.startLine)) edits.push(theirs);
  }
  return { ...own, advice, edits: edits.sort((x, y) => x.startLine - y.startLine) };
}

function copyName(name: string): string {
  return `${name}Copy`;
}

/** Goroutines the code starts itself (`go`, a group's `.Go`), not handlers or parallel subtests. */
function startedByCode(t: FuncUnit): boolean {
  return t.spawn?.kind === 'go' || t.spawn?.kind === 'group';
}

/**
 * Whether `b` is a field write by a goroutine side by side with `a`'s: another goroutine the code
 * started that neither started the other (the seed's two `wg.Go` closures). `b` is already known to
 * conflict with `a`.
 */
export function siblingWrite(a: Access, b: Access): boolean {
  if (!isFieldWrite(b) || !startedByCode(a.thread) || !startedByCode(b.thread)) return false;
  // Another instance of the same goroutine (one a loop starts) is shared-field-write's: read fresh, such
  // findings were mostly wrong (2 of 14 right in rounds 26-34: orderings the engine cannot see).
  if (a.thread === b.thread) return false;
  return !threadChainOf(a.thread).includes(b.thread) && !threadChainOf(b.thread).includes(a.thread);
}

/**
 * Reports the field writes a rule owns. `which` picks, from the accesses that conflict with a write,
 * those the finding is about; a write none of them conflicts with is left to the other rule.
 */
export function reportFieldWrites(which: (a: Access, conflicts: Access[]) => Access[]): NonNullable<Rule['run']> {
  return (model, report) => {
    for (const a of model.accesses) {
      if (!isFieldWrite(a)) continue;
      if (!a.thread.spawn || a.decl.loop) continue; // loop variables belong to loop-var-capture
      // Package-level state and parallel subtests have rules of their own.
      if (a.decl.packageLevel || inParallelTest(a.thread)) continue;
      if (!isOuter(a.decl.node, a.thread.node) && !model.sharedReceiver(a.decl, a.thread)) continue;
      if (!unsynchronized(model, a) || usesAtomics(model, a)) continue;
      const conflicts = conflictingAccesses(model, a, (b) => touchesField(model, a, b));
      const named = conflicts.length === 0 ? [] : which(a, conflicts);
      if (named.length === 0) continue;
      const other = pickConflict(a, named);
      if (a.via) {
        // Another instance's write of the same memory names the problem best, when the rule owns it.
        const partner = named.includes(a) ? a : other;
        report(throughLocal(model, a, partner, conflicts));
        continue;
      }
      const name = a.decl.name;
      const field = [name, ...a.path].join('.');
      const typeName = objectTypeName(model, a.decl.type);
      const isHttpClient = typeName === 'http.Client';
      const where = describeThread(a.thread);
      const otherWhere = other === a ? anotherInstance(a.thread) : describeThread(other.thread);
      const readsAll = other.method && other.path.length === 0 ? ' (a method can read every field)' : '';
      const otherWhat = other === a ? `writes \`${field}\` too` : `${describeAccess(a, other)} on line ${lineOf(other.node)}${readsAll}`;
      const shared = isHttpClient
        ? ' An http.Client is safe for concurrent requests, but not for concurrent changes to its fields.'
        : '';
      const fix = withOtherWriters(model, a, conflicts, fixFor(model, a, conflicts, isHttpClient), isHttpClient);
      const message =
        `\`${field}\` is set by ${where} while ${otherWhere} ${otherWhat}; \`${name}\` is ${model.sharedReceiver(a.decl, a.thread) ? 'the receiver of every call' : 'declared outside the goroutine'}, ` +
        `so all of them share one object, and unsynchronized the two accesses race.${shared} ${fix.advice}`;
      const related = conflicts
        .filter((b) => b !== a)
        .slice(0, 3)
        .map((b) => ({ line: lineOf(b.node), message: `${b.thread === a.thread ? anotherInstance(a.thread).replace(/,$/, '') : describeThread(b.thread)} ${describeAccess(a, b)}` }));
      report({
        ...spanOf(a.node.parent?.type === 'selector_expression' ? topSelector(a.node) : a.node),
        message,
        related,
        ...(fix.edits ? { fix: { message: fix.advice, edits: fix.edits } } : {}),
        ...(fix.fixHint ? { fixHint: fix.fixHint } : {}),
      });
    }
  };
}

export const sharedFieldWrite: Rule = {
  meta: {
    id: 'shared-field-write',
    summary: 'A goroutine mutates a field of an object its parent or a handler shares.',
    defaultSeverity: 'error',
    fixable: true,
    // Off by default: 26 of 98 right in the triage of rounds 1-24, rechecked (bench/triage): fields ordered by a
    // library's semaphore or protocol, per-request values, test doubles driven one request at a time.
    defaultEnabled: false,
    docPath: 'docs/rules/shared-field-write.md',
  },
  bodies: onlyWalkedBodies,
  // It reads a goroutine's field writes, and the accesses of its own function: a method of a locked struct matters when it may start goroutines.
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  // Writes that race with a sibling goroutine's write are sibling-field-write's, on by default.
  run: reportFieldWrites((a, conflicts) => (conflicts.some((b) => siblingWrite(a, b)) ? [] : conflicts)),
};

/**
 * A write through a local that reaches the shared object (Access.via): a loop turn's struct copy past
 * its pointer field (`s := spec`, then `s.Linux.Path = …`: the copy is the goroutine's own, the pointee
 * is every turn's), or a pointer each goroutine of a loop reads from a captured variable (`fc :=
 * l.chain`, then `fc.Hosts = …`).
 */
function throughLocal(model: FileModel, a: Access, other: Access, conflicts: Access[]): Diagnostic {
  const via = a.via!;
  const written = [via.local.name, ...via.path].join('.');
  const otherWhere = other === a ? anotherInstance(a.thread) : describeThread(other.thread);
  const otherWhat = other === a ? 'writes it too' : `${describeAccess(a, other)} on line ${lineOf(other.node)}`;
  const line = lineOf(via.from);
  let why: string;
  let taken: string;
  let fixHint: string[];
  if (via.kind === 'copy') {
    const pointer = [via.local.name, ...via.path.slice(0, pointerDepth(model, via.local.type, via.path) + 1)].join('.');
    const last = pointer.slice(pointer.lastIndexOf('.') + 1);
    const own = last.charAt(0).toLowerCase() + last.slice(1);
    why =
      `\`${via.local.name}\` is a copy of \`${a.decl.name}\` made for each turn (line ${line}), but \`${pointer}\` is a pointer, so every copy points at the same value, and unsynchronized the writes race. ` +
      'Copy what the pointer points at too, or guard it with a mutex.';
    taken = `\`${via.local.name}\` copies \`${a.decl.name}\`, not what \`${pointer}\` points at`;
    fixHint = [`Give each copy its own \`${pointer}\` before changing it:`, '', '```go', `${own} := *${pointer}`, `${pointer} = &${own}`, `${written} = …`, '```'];
  } else {
    const source = model.text(via.from);
    why =
      `\`${via.local.name}\` is \`${source}\` (line ${line}), and \`${a.decl.name}\` is declared outside the goroutine, so every goroutine of the loop writes the same object, and unsynchronized the writes race. ` +
      'Guard the object with a mutex, or give each goroutine a copy of its own.';
    taken = `\`${via.local.name}\` points at the shared \`${source}\``;
    fixHint = [`Give each goroutine an object of its own (or guard \`${source}\` with a mutex):`, '', '```go', `own := *${source} // a shallow copy for this goroutine`, `own.${via.path.join('.')} = …`, '```'];
  }
  return {
    ...spanOf(topSelector(a.node)),
    message: `\`${written}\` is set by ${describeThread(a.thread)} while ${otherWhere} ${otherWhat}: ${why}`,
    related: [
      { line, message: taken },
      ...conflicts
        .filter((b) => b !== a)
        .slice(0, 2)
        .map((b) => ({ line: lineOf(b.node), message: `${describeThread(b.thread)} ${describeAccess(a, b)}` })),
    ],
    fixHint: fixHint.join('\n'),
  };
}

/** How many steps into `path` below a value of `type` the first pointer field sits (0: the first field). */
function pointerDepth(model: FileModel, type: TypeRef, path: readonly string[]): number {
  for (const [depth, f] of path.entries()) {
    type = model.types.fieldType(type, f);
    if (model.types.isPointer(type)) return depth;
  }
  return 0;
}

/** Who else runs the same code at the same time. */
function anotherInstance(thread: FuncUnit): string {
  switch (thread.spawn?.kind) {
    case 'handler':
      return 'the same handler serving another request';
    case 'parallel-test':
      return 'the same subtest running for another case';
    default:
      return 'another instance of the same goroutine, started by the same loop,';
  }
}

/** `client.CheckRedirect` for the identifier `client`: the selector chain the write lands on. */
function topSelector(ident: Node): Node {
  let cur = ident;
  while (cur.parent?.type === 'selector_expression' && cur.parent.childForFieldName('operand')?.startIndex === cur.startIndex) cur = cur.parent;
  return cur;
}
