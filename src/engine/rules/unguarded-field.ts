/**
 * unguarded-field: lock-guard inference over the whole package, the study's largest class
 * ("missing or partial locking"). A field of a struct that holds a mutex, written while that mutex
 * is held, is taken to be guarded by it (RacerD's "a class that uses locks is meant to be
 * thread-safe"). An access to it without the lock, in code other goroutines run, is reported.
 * The field is reached through any variable of the struct's type: the receiver, a parameter, a
 * package variable or another struct's field (`s.rws.queues`).
 */
import type { Diagnostic, Rule } from '../rule.js';
import type { Access, FileModel } from '../semantic/model.js';
import { accessText, type FunctionInfo, type PackageFile, type PackageModel } from '../semantic/package.js';
import { lineOf, spanOf } from './describe.js';

/** Field types that synchronize themselves, so touching them without the mutex is fine. */
const SELF_SYNCHRONIZED = /^(sync\.|atomic\.)/;

/** One access to a field of a locked struct. */
interface FieldSite {
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
  write: boolean;
}

/** A call of a method of a locked struct, and whether the callee's lock is held at it. */
interface CallSite {
  callee: string;
  caller: FunctionInfo;
  held: boolean;
}

function lockExpressions(owner: string, mutexFields: readonly string[]): string[] {
  return mutexFields.map((f) => (f === 'Mutex' || f === 'RWMutex' ? owner : `${owner}.${f}`));
}

/** A local built in this function (`x := &T{…}`, `new(T)`): nobody else sees it yet. */
function ownedHere(a: Access): boolean {
  if (a.decl.kind !== 'var' || a.decl.packageLevel || !a.decl.init) return false;
  const init = a.decl.init;
  if (init.type === 'composite_literal') return true;
  if (init.type === 'unary_expression' && init.namedChild(0)?.type === 'composite_literal') return true;
  return init.type === 'call_expression' && init.childForFieldName('function')?.text === 'new';
}

function collect(pkg: PackageModel): { sites: FieldSite[]; calls: CallSite[] } {
  const sites: FieldSite[] = [];
  const calls: CallSite[] = [];
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
            calls.push({ callee: `${typeName}.${a.method}`, caller: fn, held: heldLocks().some((h) => locks.includes(h)) });
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
            // Through a pointer field the write lands on the pointee, not on the field itself.
            const last = i === a.path.length - 1 || a.path[i + 1] === '[]';
            const write = a.kind === 'write' && (last || !model.types.isPointer(fieldType));
            sites.push({ file, access: a, fn, typeName: typeName!, field: step, owner, locks, held: heldLocks().some((h) => locks.includes(h)), write });
          }
        }
        type = fieldType;
      }
    }
  }
  return { sites, calls };
}

/** Methods every in-package call of which holds the callee's lock (or sits in such a method). */
function calledLocked(pkg: PackageModel, calls: readonly CallSite[]): Set<FunctionInfo> {
  const byCallee = new Map<string, CallSite[]>();
  for (const c of calls) {
    const list = byCallee.get(c.callee) ?? [];
    list.push(c);
    byCallee.set(c.callee, list);
  }
  const locked = new Set<FunctionInfo>();
  for (let changed = true, round = 0; changed && round < 5; round++) {
    changed = false;
    for (const [callee, list] of byCallee) {
      const fn = pkg.functionByKey.get(callee);
      if (!fn || locked.has(fn) || pkg.namedSpawns.has(fn.name)) continue;
      if (list.every((c) => c.held || locked.has(c.caller) || c.caller === fn)) {
        locked.add(fn);
        changed = true;
      }
    }
  }
  return locked;
}

/**
 * How a function comes to run beside the locked writes, or undefined when nothing says it does:
 * it is started with `go`, is exported, or is an unexported method whose callers reach it without
 * the lock from such a function (or that the package never calls by name: an interface, a callback).
 */
function entryOf(pkg: PackageModel, calls: readonly CallSite[]): (fn: FunctionInfo) => string | undefined {
  const memo = new Map<FunctionInfo, string | undefined>();
  const callsTo = new Map<string, CallSite[]>();
  for (const c of calls) {
    const list = callsTo.get(c.callee) ?? [];
    list.push(c);
    callsTo.set(c.callee, list);
  }
  const entry = (fn: FunctionInfo): string | undefined => {
    if (memo.has(fn)) return memo.get(fn);
    memo.set(fn, undefined); // cycles lead nowhere new
    let why: string | undefined;
    const spawned = pkg.namedSpawns.get(fn.name);
    if (spawned?.length) {
      const s = spawned[0];
      why = `runs on its own goroutine (\`${s.text}\`, ${s.file.model.path}:${s.line})`;
    } else if (fn.exported) {
      why = 'is exported: other goroutines may call it during those writes';
    } else if (fn.receiverType) {
      const callers = callsTo.get(`${fn.receiverType}.${fn.name}`) ?? [];
      if (callers.length === 0 && !pkg.calledByName.has(fn.name)) {
        why = 'is not called by name in the package (an interface method or a callback), so its callers hold no lock';
      }
      for (const c of callers) {
        if (c.held || c.caller === fn) continue;
        const outer = entry(c.caller);
        if (outer) {
          why = `is called without the lock by ${c.caller.name}, which ${outer.replace(/^is exported: .*/, 'is exported')}`;
          break;
        }
      }
    }
    memo.set(fn, why);
    return why;
  };
  return entry;
}

/** How the unguarded access comes to run beside the locked writes. */
function concurrentEntry(site: FieldSite, entry: (fn: FunctionInfo) => string | undefined): string | undefined {
  const thread = site.access.thread;
  if (thread.spawn?.site) return `runs it on the goroutine started on line ${lineOf(thread.spawn.site)}`;
  if (thread.spawn?.kind === 'handler') return 'is an HTTP handler, run for many requests at once';
  return entry(site.fn);
}

/**
 * The ready-channel idiom: the locked write is followed by `close(x.ready)` and the bare access
 * waits on `<-x.ready` first, so the close orders the two (Go memory model: a close happens
 * before a receive that returns because of it).
 */
function orderedByClose(site: FieldSite, writes: readonly FieldSite[]): boolean {
  const model = site.file.model;
  const before = model.source.slice(site.fn.node.startIndex, site.access.node.startIndex);
  for (const m of before.matchAll(/<-\s*(?:\w+\.)*(\w+)/g)) {
    const closes = new RegExp(`close\\((?:\\w+\\.)*${m[1]}\\)`);
    if (writes.some((w) => closes.test(w.file.model.source.slice(w.access.node.startIndex, w.fn.node.endIndex)))) return true;
  }
  return false;
}

function describeAt(site: FieldSite, from: FileModel): string {
  const where = site.file.model === from ? `line ${lineOf(site.access.node)}` : `${site.file.model.path}:${lineOf(site.access.node)}`;
  return `${site.fn.name} (${where})`;
}

export const unguardedField: Rule = {
  meta: {
    id: 'unguarded-field',
    summary: 'A struct field written under the struct\'s mutex is accessed elsewhere without it.',
    defaultSeverity: 'warning',
    fixable: false,
    docPath: 'docs/rules/unguarded-field.md',
  },
  walks(view) {
    // A file that locks nothing may still touch a locked struct of its package: walk the bodies
    // that name a field of one.
    const fields = new Set<string>();
    for (const name of view.types.typeNames()) {
      const struct = view.types.structOf({ kind: 'named', name });
      if (!struct) continue;
      const mutexes = [...struct.fields].filter(([, t]) => t.kind === 'named' && (t.name === 'sync.Mutex' || t.name === 'sync.RWMutex'));
      if (mutexes.length === 0) continue;
      for (const field of struct.fields.keys()) if (!mutexes.some(([m]) => m === field)) fields.add(field);
    }
    if (fields.size === 0) return undefined;
    const mentions = new RegExp(`\\.(?:${[...fields].map((f) => f.replace(/[^\w]/g, '')).join('|')})\\b`);
    return (text) => mentions.test(text);
  },
  runPackage(pkg, report) {
    if (!pkg.files.some((f) => f.model.source.includes('Lock()'))) return; // nothing is locked
    const { sites, calls } = collect(pkg);
    const lockedCallees = calledLocked(pkg, calls);
    const entry = entryOf(pkg, calls);
    const protectedSite = (s: FieldSite) => s.held || lockedCallees.has(s.fn) || s.fn.documentedLocked;
    const setup = (s: FieldSite) => s.fn.setupOrLocked || ownedHere(s.access);

    const byField = new Map<string, FieldSite[]>();
    for (const s of sites) {
      const key = `${s.typeName}.${s.field}`;
      const list = byField.get(key) ?? [];
      list.push(s);
      byField.set(key, list);
    }

    const reported = new Set<string>();
    for (const list of byField.values()) {
      const guardedWrites = list.filter((s) => s.write && s.held && !setup(s));
      if (guardedWrites.length === 0) continue;
      // The lock must be the field's usual discipline: more functions touch it with the lock than
      // without. Fields mostly touched bare are guarded some other way (once, start-up order).
      const fnsWith = new Set(list.filter((s) => protectedSite(s) && !setup(s)).map((s) => s.fn));
      const bare = list.filter((s) => !protectedSite(s) && !setup(s));
      const fnsWithout = new Set(bare.map((s) => s.fn));
      if (fnsWith.size <= fnsWithout.size) continue;
      for (const site of bare) {
        const key = `${site.fn.receiverType ?? ''}.${site.fn.name}.${site.typeName}.${site.field}`;
        if (reported.has(key)) continue;
        const others = guardedWrites.filter((w) => w.fn !== site.fn);
        if (others.length === 0 && !site.write) continue;
        const how = concurrentEntry(site, entry);
        if (!how || orderedByClose(site, guardedWrites)) continue;
        reported.add(key);
        const model = site.file.model;
        const lock = site.locks[0];
        const where = (others.length > 0 ? others : guardedWrites).slice(0, 3);
        const what = site.write ? 'writes' : 'reads';
        const code = `${site.owner}.${site.field}`;
        const diagnostic: Diagnostic = {
          ...spanOf(site.access.node),
          message:
            `\`${code}\` is written with \`${lock}.Lock()\` held in ` +
            where.map((w) => describeAt(w, model)).join(', ') +
            `, so the lock guards it, but ${site.fn.name} ${what} it here without the lock. ` +
            `${site.fn.name} ${how}; unsynchronized, the accesses race. Take the lock here too.`,
          related: where.map((w) => ({
            ...(w.file.model !== model ? { file: w.file.model.path } : {}),
            line: lineOf(w.access.node),
            message: `\`${w.owner}.${w.field}\` written with \`${w.locks[0]}.Lock()\` held in ${w.fn.name}`,
          })),
          fixHint: `Hold the same mutex for this access:\n\n\`\`\`go\n${lock}.Lock()\ndefer ${lock}.Unlock()\n\`\`\``,
        };
        report(model, diagnostic);
      }
    }
  },
};
