/**
 * Which lock guards what, for one package: lock-guard inference in the manner of Eraser's locksets
 * and RacerD's lock domains. Every access to a field of a struct that holds a mutex is recorded
 * with the locks held; a field written with the lock held (outside constructors) is guarded by it
 * when more functions touch it with the lock than without. Also known: which methods every caller
 * calls with the lock held, and how each function comes to run concurrently (its entry).
 * Computed once per package, on first use, and shared by the rules.
 */
import type { Access, FuncUnit, Node } from './model.js';
import { builtOnTheSpot } from './model.js';
import type { FunctionInfo, NamedSpawn, PackageFile, PackageModel } from './package.js';
import { accessText } from './package.js';

/** Field types that synchronize themselves, so touching them without the mutex is fine. */
const SELF_SYNCHRONIZED = /^(sync\.|atomic\.)/;

/** One access to a field of a locked struct. */
export interface FieldSite {
  file: PackageFile;
  access: Access;
  fn: FunctionInfo;
  typeName: string;
  field: string;
  /** The code up to the field's owner: `s.rws` for `s.rws.queues`. */
  owner: string;
  /** The lock expressions that guard the owner: `s.rws.mtx`. */
  locks: string[];
  held: boolean;
  /** Every lock held at the access, the struct's own or not. */
  heldLocks: readonly string[];
  write: boolean;
  /** The access goes into the field's elements (`x.f[k] = v`, `x.f[i].g`), not only the field itself. */
  element: boolean;
  /** The func literal the access sits in when that literal is kept in a field to run later (`x.cb = func…`). */
  storedCallback?: Node;
  /**
   * The access sits in a func literal handed to a call or kept in a local: when and under which
   * locks it runs is not known here, so it is never reported as unguarded.
   */
  callback?: boolean;
}

/** A call of a method of a locked struct, and whether the callee's lock is held at it. */
export interface CallSite {
  callee: string;
  caller: FunctionInfo;
  held: boolean;
  /** Made in the caller's own body, not in a func literal (which may run on another goroutine). */
  direct?: boolean;
  /** On a value the caller has just built and not yet shared (`nc := &Conn{}` … `nc.setup()`). */
  fresh?: boolean;
  /** Where the call is: for the path a goroutine takes to an access. */
  file: string;
  line: number;
}

/** A step on a goroutine's way to a function: a `go` statement or a call made without the lock. */
export interface EntryStep {
  file: string;
  line: number;
  message: string;
  /** Short name for a path in a message: the `go` statement, or the calling function. */
  label: string;
}

function lockExpressions(owner: string, mutexFields: readonly string[]): string[] {
  return mutexFields.map((f) => (f === 'Mutex' || f === 'RWMutex' ? owner : `${owner}.${f}`));
}

/** A local built in this function (`x := &T{…}`, `new(T)`): nobody else sees it yet. */
export function ownedHere(a: Access): boolean {
  if (a.decl.kind !== 'var' || a.decl.packageLevel || !a.decl.init) return false;
  const init = a.decl.init;
  if (builtOnTheSpot(init)) return true;
  if (init.type !== 'call_expression') return false;
  // A constructor of this package or another (`NewLease(…)`, `lease.New(…)`).
  const callee = init.childForFieldName('function')?.text ?? '';
  // A copy or clone is a fresh value too (`z1 := z.CopyWithoutApex()`, `c := cfg.Clone()`).
  return /(^|\.)(new|New)[A-Z]?\w*$/.test(callee) || /\.(Copy|Clone|DeepCopy)\w*$/.test(callee);
}

/**
 * Whether a fresh local is still the caller's alone where `a` uses it: since its declaration the
 * function started no goroutine, and used it only through its fields (no method of its own ran, it was
 * not passed, stored, sent or returned), so nothing else can reach it yet.
 */
function notSharedBefore(source: string, a: Access): boolean {
  const from = a.decl.init?.endIndex ?? a.decl.node.endIndex;
  if (from > a.node.startIndex) return false;
  const between = source.slice(from, a.node.startIndex);
  if (/\bgo\s/.test(between)) return false;
  // Only `x.f…` uses: `x.m(` runs a method that may share it, and a bare `x` hands it on.
  for (const m of between.matchAll(new RegExp(`\\b${a.decl.name}\\b(\\s*\\.\\s*\\w+\\s*\\()?`, 'g'))) {
    if (m[1] || !/^\s*\./.test(between.slice(m.index + a.decl.name.length))) return false;
  }
  return true;
}

type LiteralUse = 'inline' | 'stored' | 'callback';

/** How a func literal is used: run in place (called on the spot, deferred), kept in a field, or handed on. */
function literalUse(literal: Node): LiteralUse {
  const parent = literal.parent;
  switch (parent?.type) {
    case 'call_expression':
    case 'parenthesized_expression':
    case 'defer_statement':
      return 'inline';
    case 'argument_list':
      return 'callback';
    case 'keyed_element':
    case 'literal_element':
      return 'stored';
    case 'expression_list': {
      const left = parent.parent?.childForFieldName('left')?.namedChildren ?? [];
      return left.some((l) => l.type === 'selector_expression' || l.type === 'index_expression') ? 'stored' : 'callback';
    }
    default:
      return 'callback';
  }
}

/**
 * The innermost func literal around a unit that is not run in place, and how it is used. A literal
 * kept in a field runs whenever its holder calls it, so the code around its creation (a
 * constructor, a lock) says nothing about it.
 */
function enclosingLiteral(unit: FuncUnit, cache: Map<FuncUnit, { node: Node; use: LiteralUse }>): { node: Node; use: LiteralUse } | undefined {
  for (let u: FuncUnit | undefined = unit; u && u.parent; u = u.parent) {
    if (u.spawn || u.detached) return undefined;
    let found = cache.get(u);
    if (!found) cache.set(u, (found = { node: u.node, use: literalUse(u.node) }));
    if (found.use !== 'inline') return found;
  }
  return undefined;
}

/**
 * Whether the locks held protect an owner: its own mutex, a mutex of a struct that contains it
 * (`s.mu` held for `s.inner.f`), or a sync.Cond's locker (`c.L`), whose mutex is not known here.
 */
function protects(held: readonly string[], locks: readonly string[], owner: string): boolean {
  return held.some((h) => locks.includes(h) || h.endsWith('.L') || (h.includes('.') && owner.startsWith(h.slice(0, h.lastIndexOf('.')) + '.')));
}

function collect(pkg: PackageModel): { sites: FieldSite[]; calls: CallSite[] } {
  const sites: FieldSite[] = [];
  const calls: CallSite[] = [];
  const literals = new Map<FuncUnit, { node: Node; use: LiteralUse }>();
  for (const file of pkg.files) {
    if (file.isTest) continue;
    const model = file.model;
    for (const a of model.accesses) {
      if (a.unit.detached || a.atomic) continue;
      const fn = pkg.functionOf(a.unit);
      if (!fn) continue;
      let type = a.decl.type;
      let held: string[] | undefined;
      const heldLocks = () => (held ??= model.locksHeld(a.node));
      const steps = a.method ? a.path.length + 1 : a.path.length;
      for (let i = 0; i < steps; i++) {
        const typeName = pkg.structName(model, type);
        const mutexFields = typeName ? pkg.mutexFields(model, typeName) : [];
        const owner = accessText(a, i);
        if (i === a.path.length) {
          // The method called on the value: `s.rws.flush()`.
          if (typeName && mutexFields.length > 0) {
            const locks = lockExpressions(owner, mutexFields);
            // A caller holding any lock excludes other callers through it (an owner's mutex
            // around a helper type that has its own).
            calls.push({
              callee: `${typeName}.${a.method}`,
              caller: fn,
              held: protects(heldLocks(), locks, owner) || heldLocks().length > 0,
              direct: !a.unit.parent && !a.unit.spawn,
              fresh: !a.unit.parent && a.path.length === 0 && ownedHere(a) && notSharedBefore(model.source, a),
              file: model.path,
              line: a.node.startPosition.row + 1,
            });
          }
          break;
        }
        const step = a.path[i];
        if (step === '[]') break;
        const fieldType = model.types.fieldType(type, step);
        if (typeName && mutexFields.length > 0 && !mutexFields.includes(step) && fieldType.kind !== 'unknown') {
          const selfSynced = (fieldType.kind === 'named' && SELF_SYNCHRONIZED.test(fieldType.name)) || fieldType.kind === 'chan';
          if (!selfSynced) {
            const locks = lockExpressions(owner, mutexFields);
            // Only the last step (or a container's element) is written: a write to `x.f.a` is
            // not one to `x.f.b`, and through a pointer field it lands on the pointee.
            const last = i === a.path.length - 1 || a.path[i + 1] === '[]';
            const write = a.kind === 'write' && last;
            const literal = a.unit.parent ? enclosingLiteral(a.unit, literals) : undefined;
            sites.push({
              file, access: a, fn, typeName: typeName!, field: step, owner, locks, write,
              element: a.path[i + 1] === '[]',
              held: protects(heldLocks(), locks, owner),
              heldLocks: heldLocks(),
              ...(literal?.use === 'stored' ? { storedCallback: literal.node } : {}),
              ...(literal?.use === 'callback' ? { callback: true } : {}),
            });
          }
        }
        type = fieldType;
      }
    }
  }
  return { sites, calls };
}

/**
 * The functions every in-package call of which satisfies `ok` or is made from a function already
 * found (a fixpoint over the call sites): methods always called with the lock held, helpers only
 * called from constructors. Methods started with `go` have another caller, the runtime.
 */
function calledOnlyWhen(pkg: PackageModel, calls: readonly CallSite[], ok: (call: CallSite) => boolean, unexportedOnly: boolean): Set<FunctionInfo> {
  const found = new Set<FunctionInfo>();
  const grouped = byCallee(calls);
  for (let changed = true, round = 0; changed && round < 5; round++) {
    changed = false;
    for (const [callee, list] of grouped) {
      const fn = pkg.functionByKey.get(callee);
      if (!fn || (unexportedOnly && fn.exported) || found.has(fn) || pkg.namedSpawns.has(fn.name)) continue;
      if (list.every((c) => ok(c) || found.has(c.caller) || c.caller === fn)) {
        found.add(fn);
        changed = true;
      }
    }
  }
  return found;
}

/**
 * How a function comes to run beside the locked writes, or undefined when nothing says it does:
 * it is started with `go`, is exported, or is an unexported method whose callers reach it without
 * the lock from such a function (or that the package never calls by name: an interface, a callback).
 */
interface Entry {
  why: string;
  /** From the goroutine's start to the call into the function; empty for an exported one. */
  steps: EntryStep[];
}

/** Call sites grouped by the called name. */
function byCallee(calls: readonly CallSite[]): Map<string, CallSite[]> {
  const callsTo = new Map<string, CallSite[]>();
  for (const c of calls) {
    const list = callsTo.get(c.callee) ?? [];
    list.push(c);
    callsTo.set(c.callee, list);
  }
  return callsTo;
}

function entryOf(pkg: PackageModel, calls: readonly CallSite[], setupOnly: ReadonlySet<FunctionInfo>): (fn: FunctionInfo) => Entry | undefined {
  const memo = new Map<FunctionInfo, Entry | undefined>();
  const callsTo = byCallee(calls);
  const entry = (fn: FunctionInfo): Entry | undefined => {
    if (memo.has(fn)) return memo.get(fn);
    memo.set(fn, undefined); // cycles lead nowhere new
    let found: Entry | undefined;
    // `go x.run()` names a method only by its name: for a method, the qualifier must be the
    // receiver's usual name (`go s.run()` for `func (s *T) run`), not another type's `run`.
    const spawned = (pkg.namedSpawns.get(fn.name) ?? []).filter((sp) => !fn.receiverType || sp.text.startsWith(`go ${fn.receiverName}.`));
    if (spawned.length) {
      const s = spawned[0];
      found = {
        why: `runs on its own goroutine (\`${s.text}\`, ${s.file.model.path}:${s.line})`,
        steps: [{ file: s.file.model.path, line: s.line, message: `\`${s.text}\` starts ${fn.name} on its own goroutine`, label: `\`${s.text}\`` }],
      };
    } else if (fn.exported) {
      found = { why: 'is exported: other goroutines may call it during those writes', steps: [] };
    } else if (fn.receiverType) {
      const callers = callsTo.get(`${fn.receiverType}.${fn.name}`) ?? [];
      if (callers.length === 0 && !pkg.calledByName.has(fn.name)) {
        found = { why: 'is not called by name in the package (an interface method or a callback), so its callers hold no lock', steps: [] };
      }
      for (const c of callers) {
        // Calls with the lock, and calls while a value is still being built, start nothing concurrent.
        if (c.held || c.fresh || c.caller === fn || setupOnly.has(c.caller)) continue;
        const outer = entry(c.caller);
        if (outer) {
          found = {
            why: `is called without the lock by ${c.caller.name}, which ${outer.why.replace(/^is exported: .*/, 'is exported')}`,
            steps: [...outer.steps, { file: c.file, line: c.line, message: `${c.caller.name} calls ${fn.name} without the lock`, label: c.caller.name }],
          };
          break;
        }
      }
    }
    memo.set(fn, found);
    return found;
  };
  return entry;
}

/**
 * The one goroutine a method runs on, when nothing else can run it: `T.run` itself when the
 * package starts it once (`go s.run()` inside a `once.Do`, or in a constructor) and never calls it,
 * or the owner of every caller of an unexported method whose every mention in the package is a
 * direct call from such a caller. Undefined when anything else might call it.
 */
function ownersOf(pkg: PackageModel, calls: readonly CallSite[]): (fn: FunctionInfo) => string | undefined {
  const memo = new Map<FunctionInfo, string | undefined>();
  const callsTo = byCallee(calls);
  const mentions = new Map<string, number>();
  const mentionsOf = (name: string): number => {
    let n = mentions.get(name);
    if (n === undefined) {
      const re = new RegExp(`\\.${name}\\b`, 'g');
      n = pkg.files.reduce((sum, f) => sum + (codeOnly(f.model.source).match(re)?.length ?? 0), 0);
      mentions.set(name, n);
    }
    return n;
  };
  const owner = (fn: FunctionInfo): string | undefined => {
    if (memo.has(fn)) return memo.get(fn);
    memo.set(fn, undefined); // a cycle proves nothing
    let found: string | undefined;
    if (!fn.exported && fn.receiverType) {
      const key = `${fn.receiverType}.${fn.name}`;
      const callers = callsTo.get(key) ?? [];
      const spawns = (pkg.namedSpawns.get(fn.name) ?? []).filter((sp) => sp.text.startsWith(`go ${fn.receiverName}.`));
      if (spawns.length > 0) {
        // The one mention is the go statement itself (which the call sites count too).
        if (spawns.length === 1 && mentionsOf(fn.name) === 1 && startedOnce(pkg, spawns[0])) found = key;
      } else if (callers.length > 0 && mentionsOf(fn.name) === callers.length && callers.every((c) => c.direct)) {
        const owners = new Set(callers.filter((c) => c.caller !== fn).map((c) => owner(c.caller)));
        const [only] = owners;
        if (owners.size === 1 && only) found = only;
      }
    }
    memo.set(fn, found);
    return found;
  };
  return owner;
}

/** Source with string literals and comments blanked, so a name in a message is not a mention. */
function codeOnly(source: string): string {
  return source.replace(/"(?:[^"\\\n]|\\.)*"|`[^`]*`|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '""');
}

/** A `go x.run()` that runs once per object: inside a `once.Do(func() {…})`, or in a constructor, outside any loop. */
function startedOnce(pkg: PackageModel, spawn: NamedSpawn): boolean {
  const model = spawn.file.model;
  const column = model.lines[spawn.line - 1]?.indexOf(spawn.text.replace(/\(\)$/, '')) ?? -1;
  if (column < 0) return false;
  let node: Node | null = model.tree.rootNode.descendantForPosition({ row: spawn.line - 1, column });
  while (node && node.type !== 'go_statement') node = node.parent;
  for (let cur = node?.parent; cur; cur = cur.parent) {
    if (cur.type === 'for_statement') return false;
    if (cur.type === 'func_literal') {
      const call = cur.parent?.type === 'argument_list' ? cur.parent.parent : null;
      const fn = call?.childForFieldName('function');
      return fn?.type === 'selector_expression' && fn.childForFieldName('field')?.text === 'Do' && /once/i.test(fn.childForFieldName('operand')?.text ?? '');
    }
    if (cur.type === 'function_declaration' || cur.type === 'method_declaration') {
      return /^(new|New)/.test(cur.childForFieldName('name')?.text ?? '');
    }
  }
  return false;
}

/** The field sites of one `Type.field`, split by whether a lock protects them. */
export interface GuardedField {
  key: string;
  sites: FieldSite[];
  /** Writes made with the lock held, outside setup code: the evidence. */
  guardedWrites: FieldSite[];
  /** Accesses with no lock, outside setup code. */
  bare: FieldSite[];
}

export interface GuardFacts {
  sites: FieldSite[];
  /** Fields whose usual discipline is the lock, by `Type.field`. */
  guarded: Map<string, GuardedField>;
  /** Whether an access is protected: the lock is held here, or every caller holds it, or the doc says so. */
  isProtected(site: FieldSite): boolean;
  /** Constructors, `fooLocked` methods and freshly built locals. */
  isSetup(site: FieldSite): boolean;
  /** How a function comes to run concurrently with others, in words; undefined when nothing says so. */
  entry(fn: FunctionInfo): string | undefined;
  /** The goroutine start and the unlocked calls that lead to a function (see `entry`). */
  entrySteps(fn: FunctionInfo): EntryStep[];
  /** The functions that call `fn` by name in the package (methods of types that lock only). */
  callersOf(fn: FunctionInfo): FunctionInfo[];
  /** The single goroutine (its method, `T.run`) that is the only one to run `fn`, if the package shows one. */
  singleOwner(fn: FunctionInfo): string | undefined;
}

export function inferGuards(pkg: PackageModel): GuardFacts {
  const { sites, calls } = collect(pkg);
  const lockedCallees = calledOnlyWhen(pkg, calls, (c) => c.held, false);
  const isProtected = (s: FieldSite) => s.held || s.callback === true || lockedCallees.has(s.fn) || s.fn.documentedLocked;
  const setupOnly = calledOnlyWhen(pkg, calls, (c) => c.caller.setupOrLocked || c.fresh === true, true);
  const isSetup = (s: FieldSite) => !s.storedCallback && (s.fn.setupOrLocked || setupOnly.has(s.fn) || ownedHere(s.access));
  const byField = new Map<string, FieldSite[]>();
  for (const s of sites) {
    const key = `${s.typeName}.${s.field}`;
    const list = byField.get(key) ?? [];
    list.push(s);
    byField.set(key, list);
  }
  const guarded = new Map<string, GuardedField>();
  for (const [key, list] of byField) {
    const guardedWrites = list.filter((s) => s.write && s.held && !isSetup(s));
    if (guardedWrites.length === 0) continue;
    // The lock must be the field's usual discipline: more functions touch it with the lock than
    // without. Fields mostly touched bare are guarded some other way (once, start-up order).
    const fnsWith = new Set(list.filter((s) => isProtected(s) && !isSetup(s)).map((s) => s.fn));
    // A lock every guarded write also holds (an owner's mutex around the struct's own) protects
    // the bare accesses that hold it too.
    const common = (s: FieldSite) => s.heldLocks.length > 0 && guardedWrites.every((w) => w.heldLocks.some((l) => s.heldLocks.includes(l)));
    const bare = list.filter((s) => !isProtected(s) && !isSetup(s) && !common(s));
    const fnsWithout = new Set(bare.map((s) => s.fn));
    if (fnsWith.size <= fnsWithout.size) continue;
    guarded.set(key, { key, sites: list, guardedWrites, bare });
  }
  const entry = entryOf(pkg, calls, setupOnly);
  const owner = ownersOf(pkg, calls);
  const callers = new Map<string, FunctionInfo[]>();
  for (const c of calls) {
    const list = callers.get(c.callee) ?? [];
    if (!list.includes(c.caller)) list.push(c.caller);
    callers.set(c.callee, list);
  }
  return {
    sites,
    guarded,
    isProtected,
    isSetup,
    entry: (fn) => entry(fn)?.why,
    entrySteps: (fn) => entry(fn)?.steps ?? [],
    callersOf: (fn) => (fn.receiverType ? callers.get(`${fn.receiverType}.${fn.name}`) ?? [] : []),
    singleOwner: owner,
  };
}
