/**
 * The package view of the semantic model: the files of one Go package analyzed together, so facts
 * that live across files (a struct declared in one file and locked in another, a method called
 * only with the lock held, a method started with `go`) are known to every rule.
 */
import type { TypeRef } from './typeref.js';
import { inferGuards, type GuardFacts } from './guards.js';
import { mutexFieldsOf, type Access, type FileModel, type FuncUnit, type Node } from './model.js';

export interface PackageFile {
  model: FileModel;
  /** A sibling loaded for its facts only: nothing is reported on it. */
  contextOnly: boolean;
  /** A `_test.go` file: tests poke at internals from one goroutine, so they are no evidence of a lock discipline. */
  isTest: boolean;
}

const GOOS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'illumos', 'ios', 'js', 'linux', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows']);

/** The tags a file requires and forbids: its `//go:build` line's plain `tag` and `!tag` terms, and a `_GOOS.go` suffix. */
function buildConstraints(file: PackageFile): { required: Set<string>; forbidden: Set<string> } {
  const required = new Set<string>();
  const forbidden = new Set<string>();
  const line = /^\/\/go:build\s+(.+)$/m.exec(file.model.source.slice(0, 4096))?.[1] ?? '';
  // Only a conjunction says what every build of the file has; `a || b` says nothing certain.
  if (!line.includes('||')) {
    for (const m of line.matchAll(/(!?)([\w.]+)/g)) (m[1] ? forbidden : required).add(m[2]);
  }
  const suffix = /_(\w+?)(?:_\w+)?(?:_test)?\.go$/.exec(file.model.path)?.[1];
  if (suffix && GOOS.has(suffix)) required.add(suffix);
  return { required, forbidden };
}

/** Whether two files of a package can never be in the same build (`//go:build foo` and `!foo`, or two GOOS suffixes). */
export function neverBuiltTogether(a: PackageFile, b: PackageFile): boolean {
  if (a === b) return false;
  const x = buildConstraints(a);
  const y = buildConstraints(b);
  const clash = (p: Set<string>, q: Set<string>) => [...p].some((t) => q.has(t));
  const oses = (set: Set<string>) => [...set].filter((t) => GOOS.has(t));
  const osA = oses(x.required);
  const osB = oses(y.required);
  return clash(x.required, y.forbidden) || clash(y.required, x.forbidden) || (osA.length > 0 && osB.length > 0 && !osA.some((o) => osB.includes(o)));
}

/** A top-level function or method of the package. */
export interface FunctionInfo {
  file: PackageFile;
  node: Node;
  name: string;
  /** The receiver's type name without `*` or type parameters, for methods. */
  receiverType?: string;
  receiverName?: string;
  exported: boolean;
  /** A constructor, initializer or a method named for running with the lock held (`fooLocked`). */
  setupOrLocked: boolean;
  /** Its doc comment says the caller holds the lock. */
  documentedLocked: boolean;
}

/** A `go f()` / `go x.m()` statement that starts a named function or method. */
export interface NamedSpawn {
  file: PackageFile;
  /** The called name: `m` for `go x.m()`. */
  name: string;
  line: number;
  text: string;
}

export interface PackageModel {
  dir: string;
  name: string;
  files: PackageFile[];
  /** Every top-level function and method, with where it lives. */
  functions: FunctionInfo[];
  /** Methods by `Type.name`, functions by `name`. */
  functionByKey: Map<string, FunctionInfo>;
  /** The top-level function an access sits in (through any closures). */
  functionOf(unit: FuncUnit): FunctionInfo | undefined;
  /** Named functions and methods started with `go`, by the called name. */
  namedSpawns: Map<string, NamedSpawn[]>;
  /** Names used after a dot anywhere in the package (`x.name(…)`, a method value `x.name`). */
  calledByName: Set<string>;
  /** The type reached by following field steps from a variable: `s.rws` → `*WriteStorage`. */
  typeAlong(file: FileModel, start: TypeRef, steps: readonly string[]): TypeRef;
  /** The named struct type (pointer removed) a type refers to, when the package declares it. */
  structName(file: FileModel, type: TypeRef): string | undefined;
  /** Mutex fields of a named struct the package declares. */
  mutexFields(file: FileModel, typeName: string): string[];
  /** Which lock guards which field (computed on first use). */
  guards(): GuardFacts;
}

// Constructors and initializers own what they build; `fooLocked` / `fooNoLock` run under the caller's lock.
// `open`/`Open` and `bootstrap` build a value before it is handed out, as constructors do.
const SETUP_OR_LOCKED = /^(new|New|init|Init|setup|Setup|provision|Provision|construct|open|Open|bootstrap|Bootstrap)|(Locked|locked|NoLock|Unlocked|WithLock)$/;
// A doc comment saying the lock is already held.
const CALLER_HOLDS_LOCK = /(must (be )?hold|must be called with|(lock|mutex|mu) (is |must be )?(held|locked)|holding the|with the lock|under the lock|caller (must )?(hold|lock)|callers? must|assumes? .*lock|lock(ed)? by the caller)/i;
const NAMED_GO = /\bgo\s+((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*))\s*\(/g;

/** A doc comment that says the function is not for concurrent use: callers promise not to overlap it. */
export const DOCUMENTED_NOT_CONCURRENT = /not (thread|goroutine|concurrency)[- ]safe|not safe for concurrent|must not be called concurrently|(for|in) test(ing|s)? only|only (be )?(used |called )?(in|from|for|by) tests?\b/i;

/** The `//` comment lines right above a declaration, joined. */
export function docComment(lines: readonly string[], fn: Node): string {
  const out: string[] = [];
  for (let i = fn.startPosition.row - 1; i >= 0; i--) {
    const text = lines[i].trim();
    if (!text.startsWith('//')) break;
    out.push(text);
  }
  return out.join(' ');
}

/** What a function's declaration says, apart from the file object that holds it. */
type FunctionFacts = Omit<FunctionInfo, 'file'>;

function describeFunction(model: FileModel, node: Node): FunctionFacts {
  const name = node.childForFieldName('name')?.text ?? '';
  const info: FunctionFacts = {
    node,
    name,
    exported: /^[A-Z]/.test(name),
    setupOrLocked: SETUP_OR_LOCKED.test(name),
    documentedLocked: false,
  };
  if (node.type === 'method_declaration') {
    const param = node.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
    info.receiverName = param?.childForFieldName('name')?.text;
    info.receiverType = (param?.childForFieldName('type')?.text ?? '').replace(/^\*/, '').replace(/\[.*$/, '');
  }
  const doc = docComment(model.lines, node);
  info.documentedLocked = doc !== '' && CALLER_HOLDS_LOCK.test(doc);
  return info;
}

/** One file's share of the package model: the same for every package run that reuses its model (a fix's check). */
interface FileFacts {
  functions: FunctionFacts[];
  spawns: Omit<NamedSpawn, 'file'>[];
  dotNames: Set<string>;
}

const factsOfModel = new WeakMap<FileModel, FileFacts>();

function factsOf(model: FileModel): FileFacts {
  let facts = factsOfModel.get(model);
  if (facts) return facts;
  const spawns: Omit<NamedSpawn, 'file'>[] = [];
  if (model.source.includes('go ')) {
    model.lines.forEach((text, i) => {
      for (const m of text.matchAll(NAMED_GO)) {
        if (/^\s*\/\//.test(text.slice(0, m.index))) continue;
        spawns.push({ name: m[2], line: i + 1, text: m[0].replace(/\s*\($/, '()') });
      }
    });
  }
  const dotNames = new Set<string>();
  for (const m of model.source.matchAll(/\.([A-Za-z_]\w*)/g)) dotNames.add(m[1]);
  facts = { functions: model.functions.map((node) => describeFunction(model, node)), spawns, dotNames };
  factsOfModel.set(model, facts);
  return facts;
}

export function buildPackageModel(dir: string, name: string, files: PackageFile[]): PackageModel {
  const functions: FunctionInfo[] = [];
  const functionByKey = new Map<string, FunctionInfo>();
  const byNode = new Map<Node, FunctionInfo>();
  const namedSpawns = new Map<string, NamedSpawn[]>();
  const calledByName = new Set<string>();
  for (const file of files) {
    const facts = factsOf(file.model);
    for (const fn of facts.functions) {
      const info: FunctionInfo = { ...fn, file };
      functions.push(info);
      byNode.set(fn.node, info);
      functionByKey.set(info.receiverType ? `${info.receiverType}.${info.name}` : info.name, info);
    }
    for (const spawn of facts.spawns) {
      const list = namedSpawns.get(spawn.name) ?? [];
      list.push({ ...spawn, file });
      namedSpawns.set(spawn.name, list);
    }
    for (const n of facts.dotNames) calledByName.add(n);
  }

  const structName = (file: FileModel, type: TypeRef): string | undefined => {
    let t = type;
    if (t.kind === 'pointer') t = t.elem;
    if (t.kind !== 'named' || !file.types.structOf(t)) return undefined;
    return t.name;
  };

  let guards: GuardFacts | undefined;
  const pkg: PackageModel = {
    dir,
    name,
    files,
    functions,
    functionByKey,
    namedSpawns,
    calledByName,
    functionOf(unit) {
      let top: FuncUnit = unit;
      while (top.parent) top = top.parent;
      // A top-level unit's node is the very object in model.functions.
      return byNode.get(top.node);
    },
    typeAlong(file, start, steps) {
      let t = start;
      for (const step of steps) {
        if (step === '[]') return { kind: 'unknown' };
        t = file.types.fieldType(t, step);
      }
      return t;
    },
    structName,
    mutexFields: (file, typeName) => mutexFieldsOf(file.types, { kind: 'named', name: typeName }),
    guards: () => (guards ??= inferGuards(pkg)),
  };
  return pkg;
}

/** The variable and field steps of an access, as code: `s.rws.queues`. */
export function accessText(a: Access, steps = a.path.length): string {
  return [a.decl.name, ...a.path.slice(0, steps)].join('.').replace(/\.\[\]/g, '[…]');
}
