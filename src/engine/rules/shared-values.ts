/**
 * The detection behind shared-buffer and shared-container: a value that is not safe for concurrent use
 * is shared across goroutines.
 *
 * - Buffers (shared-buffer): a `bytes.Buffer` / `strings.Builder` handed to something that writes to
 *   it (an io.Writer field such as `cmd.Stdout` or `OutputStream:`, `io.Copy`'s destination,
 *   `log.New`, …) while another goroutine reads it (the seed article's §4), or written by a goroutine
 *   directly.
 * - Containers (shared-container): a map written (`m[k] = v`, `m[k]++`, `delete(m, k)`), a slice
 *   appended to (`s = append(s, x)`) or sorted in place from a concurrent closure while another
 *   goroutine uses it.
 */
import { type Rule, type Diagnostic } from '../rule.js';
import type { Access, Decl, FileModel, FuncUnit, Node } from '../semantic/model.js';
import { assignmentTarget, mightSpawn } from '../semantic/model.js';
import type { BodyTest, SkeletonContext } from '../skeleton.js';
import type { TypeRef } from '../semantic/typeref.js';
import { namesArg } from '../models/index.js';
import { conflictingAccesses, inParallelTest, isOuter, unsynchronized } from './conflicts.js';
import { describeOtherInstance, describeThread, indentOf, lineOf, spanOf } from './describe.js';

/** io.Writer fields and keys through which a library writes into a buffer it was handed. */
const WRITER_FIELDS = new Set(['Stdout', 'Stderr', 'OutputStream', 'ErrorStream', 'Output', 'Writer', 'Out', 'ErrOut', 'ErrorLog']);

/** `cmd.Start()`: the writer fields' copies run on goroutines of their own until `cmd.Wait()`. */
const STARTS_COMMAND = /\.Start\(\)/;
/** Methods that run something that writes to the handed-over writer (exec.Cmd and friends). */
const SYNC_ACTIVATIONS = new Set(['Run', 'Output', 'CombinedOutput', 'Execute', 'Serve', 'ListenAndServe']);

/** Whether a method only looks at a value of a type the models call unsafe to share; any other changes it. */
function readsOnly(model: FileModel, decl: Decl, method: string): boolean {
  return model.typeModel(decl.type)?.readOnlyMethods?.includes(method) === true;
}

/** Where writes into a handed-over buffer happen, in the code of `thread`. */
interface WriteRegion {
  thread: FuncUnit;
  /** An access at the start of the region (the handoff, or a made-up one at the activation). */
  at: Access;
  from: number;
  to: number;
  /** Writes continue in the background between from and to (a `go` statement, `cmd.Start()`). */
  async: boolean;
  /**
   * The callee keeps the writer (the models' `retains`: log.New, slog.NewTextHandler) and writes
   * whenever it is used, by whoever uses it: goroutines started after the handoff overlap it.
   */
  retained?: boolean;
}

interface Handoff {
  access: Access;
  regions: WriteRegion[];
  /** How the buffer is handed over, for the message: "`OutputStream: output`". */
  what: string;
  /** The variable holding what writes into it (`cmd` of `cmd.Stdout = &buf` or `cmd := &exec.Cmd{Stdout: &buf}`). */
  holder?: string;
}

function underlyingNamed(model: FileModel, type: TypeRef): string | undefined {
  let t = model.types.underlying(type);
  if (t.kind === 'pointer') t = model.types.underlying(t.elem);
  return t.kind === 'named' ? t.name : undefined;
}

/** A value of a type the models say is not safe for concurrent use (bytes.Buffer, math/rand.Rand, …). */
function isBuffer(model: FileModel, decl: Decl): boolean {
  return model.typeModel(decl.type)?.concurrencySafe === false;
}

function isMap(model: FileModel, type: TypeRef): boolean {
  return model.types.underlying(type).kind === 'map';
}

function isMutex(model: FileModel, type: TypeRef): boolean {
  const name = underlyingNamed(model, type);
  return name === 'sync.Mutex' || name === 'sync.RWMutex';
}

/** The expression that stands for the variable itself: `buf` or `&buf`. */
function valueExpr(a: Access): Node {
  const p = a.node.parent;
  return a.addressTaken && p?.type === 'unary_expression' ? p : a.node;
}

/** A made-up access at `node`, for asking the model whether code there overlaps another access. */
function accessAt(a: Access, node: Node): Access {
  return { ...a, node };
}

/** A struct type declared in the file that carries its own lock: a writer wrapper like SyncWriter. */
function isLockedWrapper(model: FileModel, typeNode: Node | null): boolean {
  if (!typeNode) return false;
  const st = model.types.structOf({ kind: 'named', name: typeNode.text.replace(/^\*/, '') });
  if (!st) return false;
  return [...st.fields.values()].some((f) => isMutex(model, f));
}

/**
 * A struct of the package whose field of that name is a pointer (`Stdout *bytes.Buffer`): the
 * literal keeps the buffer to read it later, it hands it to no writer (exec.Cmd's is an io.Writer).
 */
function holdsPointerField(model: FileModel, typeNode: Node | null, field: string): boolean {
  if (!typeNode) return false;
  const st = model.types.structOf({ kind: 'named', name: typeNode.text.replace(/^\*/, '') });
  const type = st?.fields.get(field);
  return type !== undefined && model.types.underlying(type).kind === 'pointer';
}

/** The identifier a composite literal is assigned to: `cmd := &exec.Cmd{…}`. */
function assignedName(literal: Node): Node | undefined {
  const e = literal.parent?.type === 'unary_expression' ? literal.parent : literal;
  const target = assignmentTarget(e);
  return target?.type === 'identifier' ? target : undefined;
}

class Index {
  private declByNode?: Map<number, Decl>;
  constructor(private readonly model: FileModel) {}

  /** The declaration of an identifier that either refers to or declares a variable. */
  declOf(ident: Node): Decl | undefined {
    const d = this.model.resolve(ident);
    if (d) return d;
    if (!this.declByNode) {
      this.declByNode = new Map();
      for (const a of this.model.accesses) this.declByNode.set(a.decl.node.startIndex, a.decl);
    }
    return this.declByNode.get(ident.startIndex);
  }
}

/** The first join (a `Wait()` or a channel receive) of `thread` at or after `pos`. */
function joinAfter(thread: FuncUnit, pos: number): number {
  let best = Number.MAX_SAFE_INTEGER;
  for (const j of thread.joins) {
    if (j.pos < pos || j.deferred) continue;
    if (j.pos < best) best = j.pos;
  }
  return best;
}

/** Recognizes `a` as handing the buffer to a writer, and works out where the writes happen. */
function handoffOf(model: FileModel, index: Index, a: Access): Handoff | undefined {
  if (a.path.length > 0 || a.method) return undefined;
  const e = valueExpr(a);
  const p = e.parent;
  if (!p) return undefined;
  let what: string | undefined;
  /** The variable holding the thing that writes later (`cmd`), if any. */
  let holder: Node | undefined;
  /** The call that performs the writes synchronously, or a `go` statement around it. */
  let call: Node | undefined;
  let retained = false;

  if (p.type === 'literal_element' && p.parent?.type === 'keyed_element') {
    const kv = p.parent;
    const key = kv.namedChildren[0];
    if (kv.namedChildren[1]?.startIndex !== p.startIndex || !WRITER_FIELDS.has(key?.text ?? '')) return undefined;
    const literal = kv.parent?.parent;
    if (literal?.type !== 'composite_literal') return undefined;
    if (isLockedWrapper(model, literal.childForFieldName('type')) || holdsPointerField(model, literal.childForFieldName('type'), key.text)) return undefined;
    what = `\`${key.text}: ${e.text}\``;
    holder = assignedName(literal);
    call = enclosingCall(literal);
  } else if (p.type === 'expression_list' && p.parent?.type === 'assignment_statement') {
    const stmt = p.parent;
    if (stmt.childForFieldName('right')?.startIndex !== p.startIndex) return undefined;
    const i = p.namedChildren.findIndex((c) => c.startIndex === e.startIndex);
    const target = stmt.childForFieldName('left')?.namedChildren[i];
    if (target?.type !== 'selector_expression') return undefined;
    const field = target.childForFieldName('field')?.text ?? '';
    if (!WRITER_FIELDS.has(field)) return undefined;
    what = `\`${target.text} = ${e.text}\``;
    const operand = target.childForFieldName('operand');
    if (operand?.type === 'identifier') holder = operand;
  } else if (p.type === 'argument_list') {
    const c = p.parent!;
    const callee = c.childForFieldName('function')?.text ?? '';
    // The models say which arguments a call writes into, and which it keeps to write into later.
    const called = model.calleeModel(c)?.model;
    const i = p.namedChildren.findIndex((x) => x.startIndex === e.startIndex);
    if (!namesArg(called?.writes, i)) return undefined;
    what = `\`${callee}(${e.text}, …)\``;
    retained = namesArg(called?.retains, i);
    call = retained ? undefined : c;
  } else {
    return undefined;
  }

  const thread = a.thread;
  const regions: WriteRegion[] = [];
  const goStmt = call?.parent?.type === 'go_statement' ? call.parent : undefined;
  if (goStmt) {
    // `go io.Copy(&buf, r)`: the copy runs beside the code after the go statement until a join.
    regions.push({ thread, at: a, from: goStmt.endIndex, to: joinAfter(thread, goStmt.endIndex), async: true });
  } else if (retained) {
    regions.push({ thread, at: a, from: a.node.startIndex, to: Number.MAX_SAFE_INTEGER, async: false, retained: true });
  } else {
    regions.push({ thread, at: a, from: a.node.startIndex, to: a.node.startIndex, async: false });
  }
  const holderDecl = holder ? index.declOf(holder) : undefined;
  if (holderDecl) {
    for (const h of model.accessesOf(holderDecl)) {
      if (h.thread !== thread || h.node.startIndex <= a.node.startIndex || h.path.length > 0 || !h.method) continue;
      const hCall = h.node.parent?.parent; // ident -> selector -> call
      if (h.method === 'Start') {
        // Until `cmd.Wait()`, or any earlier join: a receive may wait for a goroutine that calls Wait.
        regions.push({ thread, at: accessAt(a, h.node), from: h.node.startIndex, to: joinAfter(thread, h.node.startIndex), async: true });
      } else if (SYNC_ACTIVATIONS.has(h.method)) {
        const go = hCall?.parent?.type === 'go_statement' ? hCall.parent : undefined;
        if (go) regions.push({ thread, at: accessAt(a, h.node), from: go.endIndex, to: joinAfter(thread, go.endIndex), async: true });
        else regions.push({ thread, at: accessAt(a, h.node), from: h.node.startIndex, to: h.node.startIndex, async: false });
      }
    }
  }
  return { access: a, regions, what, holder: holder?.text };
}

/**
 * The buffer is a writer field of `cmd` (`cmd.Stderr = &buf`, `&exec.Cmd{Stderr: &buf}`) and the use
 * comes after `cmd.Wait()` (or `cmd.Run()`) in its own function, where waiting for the process also
 * waits for the copy into the writer to finish; or in the branch where `cmd.Start()` failed, when no
 * copy ever started.
 */
function waitedForWriter(model: FileModel, handoff: Handoff, u: Access): boolean {
  const holder = handoff.holder;
  const body = u.unit.body;
  if (!holder || !body) return false;
  const name = holder.replace(/[.$]/g, '\\$&');
  const before = model.source.slice(body.startIndex, u.node.startIndex);
  if (new RegExp(`(^|[^\\w.])${name}\\.(Wait|Run)\\(`).test(before) || inFailedStartBranch(u, name, body)) return true;
  // The started command handed to a function (`sys.RunWithTimeout(cmd, d)`), which may wait for it:
  // the order is not known, and an unknown order is no finding.
  const started = before.lastIndexOf(`${holder}.Start(`);
  return started >= 0 && new RegExp(`(^|[^\\w.])[\\w.]+\\(\\s*${name}\\s*[,)]`).test(before.slice(started + holder.length + '.Start('.length));
}

/** `if err := cmd.Start(); err != nil { …use… }`, or the same `if` right after `err = cmd.Start()`. */
function inFailedStartBranch(u: Access, holder: string, body: Node): boolean {
  for (let n: Node | null = u.node.parent; n && n.startIndex > body.startIndex; n = n.parent) {
    if (n.type === 'func_literal') return false;
    if (n.type !== 'if_statement') continue;
    const failed = /^(\w+) != nil$/.exec(n.childForFieldName('condition')?.text ?? '');
    const consequence = n.childForFieldName('consequence');
    if (!failed || !consequence || u.node.startIndex < consequence.startIndex || u.node.startIndex >= consequence.endIndex) continue;
    const started = new RegExp(`^${failed[1]}\\s*:?=\\s*${holder}\\.Start\\(\\)$`);
    const init = n.childForFieldName('initializer');
    const previous = n.previousNamedSibling;
    if (started.test(init?.text ?? '') || (previous && started.test(previous.text))) return true;
  }
  return false;
}

/** The call whose argument list directly holds `literal` (through `&`): `dp.Client.Logs(opts{…})`. */
function enclosingCall(literal: Node): Node | undefined {
  let e: Node = literal;
  if (e.parent?.type === 'unary_expression') e = e.parent;
  return e.parent?.type === 'argument_list' ? e.parent.parent ?? undefined : undefined;
}

/** The spawn that `t` descends from whose parent thread is `ancestor`. */
function spawnUnder(t: FuncUnit, ancestor: FuncUnit): FuncUnit | undefined {
  const seen = new Set<FuncUnit>();
  for (let cur: FuncUnit | undefined = t; cur && !seen.has(cur); cur = cur.spawn?.parent?.thread) {
    seen.add(cur);
    if (!cur.spawn) return undefined;
    if (cur.spawn.parent?.thread === ancestor) return cur;
  }
  return undefined;
}

/** Whether `u` may touch the buffer while writes of region `r` are going on. */
function overlapsRegion(model: FileModel, u: Access, r: WriteRegion): boolean {
  if (u.thread === r.thread) {
    // Only code of the function itself runs where it stands; a nested func literal (deferred,
    // stored, called later) may run anywhere.
    if (r.async && u.unit === r.thread && u.node.startIndex >= r.from && u.node.startIndex < r.to) return true;
    return model.mayRunInParallel(u, r.at);
  }
  if (model.mayRunInParallel(u, r.at)) return true;
  if (!r.async && !r.retained) return false;
  const child = spawnUnder(u.thread, r.thread);
  const site = child?.spawn?.site;
  return !!site && site.startIndex >= r.from && site.startIndex < r.to;
}

/**
 * Whether an access only copies the reference (a pointer or map header) somewhere: `return m`,
 * `x := m`, `Field: m`, `m == nil`. That reads the variable, not what it points to.
 */
function onlyCopiesReference(expr: Node): boolean {
  const p = expr.parent;
  if (!p) return false;
  if (p.type === 'literal_element') return true;
  if (p.type === 'binary_expression') return true;
  if (p.type !== 'expression_list') return false;
  const stmt = p.parent;
  if (stmt?.type === 'return_statement') return true;
  if (stmt?.type === 'assignment_statement' || stmt?.type === 'short_var_declaration') return stmt.childForFieldName('right')?.startIndex === p.startIndex;
  return false;
}

/** Whether `b` touches the contents of the map (or reassigns the variable that holds it). */
function touchesMap(b: Access, field: string | undefined): boolean {
  let rest = b.path;
  let expr: Node = b.node;
  if (field) {
    if (b.path.length === 0) return b.kind === 'write';
    if (b.path[0] !== field) return false;
    rest = b.path.slice(1);
    if (expr.parent?.type === 'selector_expression') expr = expr.parent;
  }
  if (rest.length > 0) return rest[0] === '[]';
  if (b.kind === 'write' || b.method) return true;
  return !onlyCopiesReference(expr);
}

/** `&buf` stored or returned, or a pointer to the buffer copied: no byte of the buffer is touched. */
function aliasOnly(model: FileModel, a: Access): boolean {
  if (a.path.length > 0 || a.method || a.kind !== 'read') return false;
  if (!a.addressTaken && model.types.underlying(a.decl.type).kind !== 'pointer') return false;
  return onlyCopiesReference(valueExpr(a));
}

function fieldMap(model: FileModel, a: Access): string | undefined {
  // `s.m[k] = v` through a captured struct: path ['m', '[]'].
  if (a.path.length !== 2 || a.path[1] !== '[]') return undefined;
  const t = model.types.fieldType(a.decl.type, a.path[0]);
  return isMap(model, t) ? a.path[0] : undefined;
}

/** The name a message uses for the container: `m`, or `s.cache`. */
function containerName(a: Access, field: string | undefined): string {
  return field ? `${a.decl.name}.${field}` : a.decl.name;
}

/**
 * A visible sync.Mutex to wrap a write in: one that already guards another access to the container
 * somewhere in the file, or else the only mutex declared in the enclosing function.
 */
function visibleMutex(model: FileModel, w: Access): string | undefined {
  const root = rootUnit(w.unit);
  const locals = new Set<string>();
  const globals = new Set<string>();
  for (const d of model.packageDecls.values()) if (d.kind === 'var' && isMutex(model, d.type)) globals.add(d.name);
  for (const a of model.accesses) {
    if (a.decl.packageLevel || a.decl.kind !== 'var' || locals.has(a.decl.name) || !isMutex(model, a.decl.type)) continue;
    if (rootUnit(a.unit) !== root) continue;
    // Declared outside the writing goroutine, in a block that encloses the write.
    if (!isOuter(a.decl.node, w.thread.node) || !enclosesDecl(a.decl.node, w.node)) continue;
    locals.add(a.decl.name);
  }
  for (const l of locals) globals.delete(l); // a local shadows a package-level mutex of the same name
  const guards = new Set<string>();
  for (const o of model.accessesOf(w.decl)) for (const l of model.locksHeld(o.node)) guards.add(l);
  const guarding = [...locals, ...globals].filter((n) => guards.has(n));
  if (guarding.length === 1) return guarding[0];
  if (guarding.length > 1) return undefined;
  return locals.size === 1 ? [...locals][0] : undefined;
}

function rootUnit(u: FuncUnit): FuncUnit {
  let cur = u;
  while (cur.parent) cur = cur.parent;
  return cur;
}

/** Whether the block declaring `declIdent` also holds `use` (so the name is in scope there). */
function enclosesDecl(declIdent: Node, use: Node): boolean {
  if (declIdent.startIndex > use.startIndex) return false;
  for (let n: Node | null = declIdent.parent; n; n = n.parent) {
    if (n.type === 'block' || n.type === 'statement_list' && n.parent?.type === 'block') {
      return use.startIndex >= n.startIndex && use.endIndex <= n.endIndex;
    }
    if (n.type === 'function_declaration' || n.type === 'method_declaration' || n.type === 'func_literal') return true;
  }
  return false;
}

/** The statement holding a write, when it stands alone on its line in a block. */
function wholeLineStatement(model: FileModel, w: Access): Node | undefined {
  let n: Node | null = w.node;
  while (n && n.parent && n.parent.type !== 'statement_list') n = n.parent;
  if (!n || !n.parent) return undefined;
  if (!['assignment_statement', 'inc_statement', 'dec_statement', 'expression_statement'].includes(n.type)) return undefined;
  if (n.startPosition.row !== n.endPosition.row) return undefined;
  const line = model.lines[n.startPosition.row];
  if (line.slice(0, n.startPosition.column).trim() !== '' || !/^\s*(\/\/.*)?$/.test(line.slice(n.endPosition.column))) return undefined;
  return n;
}

function threadWording(a: Access, b: Access): string {
  return b.thread === a.thread ? describeOtherInstance(a.thread) : describeThread(b.thread);
}

const BUFFER_HINT = [
  'Give the writer a mutex-guarded wrapper and take the same lock around every read:',
  '',
  '```go',
  'type SyncWriter struct {',
  '\tmu *sync.Mutex',
  '\tw  io.Writer',
  '}',
  '',
  'func (s *SyncWriter) Write(p []byte) (int, error) {',
  '\ts.mu.Lock()',
  '\tdefer s.mu.Unlock()',
  '\treturn s.w.Write(p)',
  '}',
  '',
  '// OutputStream: &SyncWriter{mu: &outputMu, w: output},',
  '// and in the reader:',
  'outputMu.Lock()',
  'ln, err := output.ReadString(\'\\n\')',
  'outputMu.Unlock()',
  '```',
  '',
  'Or stream through `r, w := io.Pipe()`: hand `w` to the writer and read lines from `r` (e.g. with `bufio.Scanner`).',
].join('\n');

const CONTAINER_HINT = [
  'Collect results without sharing the container: give each goroutine its own slot, send results over a channel, or guard every access with one mutex:',
  '',
  '```go',
  'results := make([]Result, len(items))',
  'for i, item := range items {',
  '\tg.Go(func() error {',
  '\t\tresults[i] = process(item) // each goroutine writes its own index',
  '\t\treturn nil',
  '\t})',
  '}',
  '',
  '// or',
  'mu.Lock()',
  'seen[key] = value',
  'mu.Unlock()',
  '```',
].join('\n');

/** Which findings a rule built on this file reports: buffers, or maps and slices. */
export type SharedValues = 'buffers' | 'containers';

/** The run of shared-buffer (`'buffers'`) or shared-container (`'containers'`). */
export function reportSharedValues(which: SharedValues): NonNullable<Rule['run']> {
  return (model, report) => {
    const index = new Index(model);
    const bufferDecls = new Map<Decl, boolean>();
    const buffer = (d: Decl) => {
      let v = bufferDecls.get(d);
      if (v === undefined) bufferDecls.set(d, (v = isBuffer(model, d)));
      return v;
    };
    const flagged = new Set<Access>();

    // 1. Buffers handed to a writer while another goroutine uses them.
    const handoffs = new Map<Decl, Handoff[]>();
    for (const a of which === 'buffers' ? model.accesses : []) {
      if (a.path.length > 0 || a.method || a.kind !== 'read' || !buffer(a.decl)) continue;
      const h = handoffOf(model, index, a);
      if (!h) continue;
      let list = handoffs.get(a.decl);
      if (!list) handoffs.set(a.decl, (list = []));
      list.push(h);
    }
    for (const [decl, list] of handoffs) {
      const byAccess = new Map(list.map((h) => [h.access, h]));
      for (const u of model.accessesOf(decl)) {
        if (!unsynchronized(model, u)) continue;
        const uHandoff = byAccess.get(u);
        if (!uHandoff && aliasOnly(model, u)) continue;
        let hit: Handoff | undefined;
        for (const h of list) {
          // The same handoff made by another instance of a goroutine started in a loop.
          const self = h.access === u;
          if (self ? model.mayRunInParallel(u, u) : h.regions.some((r) => overlapsRegion(model, u, r))) {
            hit = h;
            break;
          }
        }
        if (!hit || waitedForWriter(model, hit, u)) continue;
        flagged.add(u);
        const h = hit.access;
        const use = u.method ? `\`${decl.name}.${u.method}\`` : `\`${decl.name}\``;
        const kind = underlyingNamed(model, decl.type) ?? 'buffer';
        const unsafe = `A ${kind} is not safe for concurrent use: guard it with a mutex shared by a wrapping writer and the reader, or read through an io.Pipe.`;
        const message = uHandoff
          ? `${uHandoff.what} in ${describeThread(u.thread)} hands \`${decl.name}\` to a writer while ` +
            (h === u ? `${describeOtherInstance(u.thread)} does the same` : `${hit.what} on line ${lineOf(h.node)} in ${describeThread(h.thread)} also has it written`) +
            `: two writers fill the same ${kind} at once. ${unsafe}`
          : `${use} in ${describeThread(u.thread)} uses the ${kind} that ${hit.what} on line ${lineOf(h.node)} hands to a writer ` +
            `in ${describeThread(h.thread)}, which keeps writing to it meanwhile. ${unsafe}`;
        report({
          ...spanOf(u.node),
          message,
          related: h === u ? [] : [{ line: lineOf(h.node), message: `${hit.what}: the ${kind} is written from here on` }],
          fixHint: BUFFER_HINT,
        });
      }
    }

    // 2. Maps written, slices appended to and buffers written from concurrent closures.
    for (const w of model.accesses) {
      if (!w.thread.spawn || flagged.has(w)) continue;
      // Package-level containers and parallel subtests have rules of their own.
      if (w.decl.packageLevel || inParallelTest(w.thread)) continue;
      let what: 'map' | 'slice' | 'buffer' | 'rewrite' | undefined;
      let field: string | undefined;
      if (w.path.length === 0 && w.appendSelf) what = 'slice';
      else if (w.rewrittenBy) what = 'rewrite';
      else if (w.path.length === 0 && w.deleted) what = 'map';
      else if (w.kind === 'write' && w.path.length === 1 && w.path[0] === '[]' && !w.method && isMap(model, w.decl.type)) what = 'map';
      else if (w.kind === 'write' && !w.method && (field = fieldMap(model, w))) what = 'map';
      else if (w.path.length === 0 && w.method && buffer(w.decl) && !readsOnly(model, w.decl, w.method)) what = 'buffer';
      if (!what || (what === 'buffer') !== (which === 'buffers')) continue;
      if (!isOuter(w.decl.node, w.thread.node) || !unsynchronized(model, w)) continue;
      const conflicts = conflictingAccesses(model, w, (b) => {
        if (what === 'map') return touchesMap(b, field);
        if (what === 'buffer') return !aliasOnly(model, b);
        // `sort.Slice(s.keys, …)` rewrites s.keys: other fields of s are not involved.
        if (what === 'rewrite') return w.path.length === 1 || b.path.length === 0 || b.path[0] === w.path[0];
        return true;
      });
      if (conflicts.length === 0) continue;
      const other = [...conflicts].sort((x, y) => Number(y.thread !== w.thread) - Number(x.thread !== w.thread) || Number(y.kind === 'write') - Number(x.kind === 'write') || x.node.startIndex - y.node.startIndex)[0];
      const name = containerName(w, field);
      const otherHow =
        what === 'buffer'
          ? other.method && !readsOnly(model, other.decl, other.method) ? 'changed' : other.kind === 'write' ? 'written' : 'read'
          : other.kind === 'write' || other.appendSelf ? 'written' : 'read';
      const otherWhere = other === w ? describeOtherInstance(w.thread) : `line ${lineOf(other.node)} by ${threadWording(w, other)}`;
      let message: string;
      if (what === 'map') {
        const op = w.deleted ? 'deletes from' : 'writes';
        message =
          `\`${name}\` is a map that ${describeThread(w.thread)} ${op} without a lock while it is also ${otherHow} ${other === w ? 'by ' : 'on '}${otherWhere}. ` +
          `Go maps are not safe for concurrent use: this is a data race, and the runtime may abort with "concurrent map writes". Guard the map with a mutex, or collect results per goroutine.`;
      } else if (what === 'rewrite') {
        const slice = [w.decl.name, ...w.path.slice(0, -1)].join('.');
        message =
          `\`${w.rewrittenBy}(${slice}, …)\` in ${describeThread(w.thread)} rewrites the elements of \`${slice}\` in place while they are also ${otherHow} ${other === w ? 'by ' : 'on '}${otherWhere}, without a lock. ` +
          `Sorting moves every element: readers see a half-sorted slice and the writes race. Sort a copy (\`slices.Clone\`), or guard every access with one mutex.`;
      } else if (what === 'slice') {
        message =
          `\`${name} = append(${name}, …)\` in ${describeThread(w.thread)} appends to a slice shared with ${other === w ? otherWhere : otherWhere.replace(/^line/, 'the access on line')}, without a lock. ` +
          `Concurrent appends race on the slice header and backing array and lose elements. Guard the append with a mutex, write to per-goroutine slots (\`results[i] = v\`), or send results over a channel.`;
      } else {
        const kind = underlyingNamed(model, w.decl.type) ?? 'buffer';
        message =
          `\`${name}.${w.method}\` in ${describeThread(w.thread)} changes a ${kind} that is also ${otherHow} ${other === w ? 'by ' : 'on '}${otherWhere}. ` +
          `A ${kind} is not safe for concurrent use: guard every access with one mutex.`;
      }
      const related = conflicts
        .filter((b) => b !== w)
        .slice(0, 3)
        .map((b) => ({ line: lineOf(b.node), message: `\`${name}\` ${b.kind === 'write' || b.appendSelf ? 'written' : 'used'} by ${threadWording(w, b)}` }));
      const d: Diagnostic = { ...spanOf(w.node), message, related };
      const mutex = what === 'buffer' ? undefined : visibleMutex(model, w);
      const stmt = mutex ? wholeLineStatement(model, w) : undefined;
      if (mutex && stmt) {
        const line = lineOf(stmt);
        const text = model.lines[line - 1].replace(/\r$/, '');
        const indent = indentOf(text);
        d.fix = { message: `Hold \`${mutex}\` around this call.`, edits: [{ startLine: line, endLine: line, replacement: `${indent}${mutex}.Lock()\n${text}\n${indent}${mutex}.Unlock()` }] };
      } else {
        d.fixHint = what === 'buffer' ? BUFFER_HINT : CONTAINER_HINT;
      }
      report(d);
    }
  };
}

/** A function that hands a buffer to a command and starts it spawns no goroutine of its own: walk it too. */
export const walksCommandStarts: Pick<Rule, 'bodies' | 'walks' | 'lockedMethods' | 'lockingBodies'> = {
  bodies: () => (fn) => STARTS_COMMAND.test(fn.body),
  walks: () => (text) => STARTS_COMMAND.test(text),
  lockedMethods: (ctx) => spawnsOrStartsCommand(ctx),
  lockingBodies: (ctx) => spawnsOrStartsCommand(ctx),
};

function spawnsOrStartsCommand(ctx: SkeletonContext): BodyTest {
  const spawns = mightSpawn(ctx.models);
  return (fn) => spawns(fn) || STARTS_COMMAND.test(fn.body);
}
