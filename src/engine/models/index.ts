/**
 * Models of what called code does, kept as data (models/*.json at the project root, validated by
 * models/schema.json): whether a function runs its callbacks on the caller's goroutine, later, or
 * concurrently; which arguments it writes or keeps; which goroutines it leaves reading a value; what
 * a constructor returns; and which types are safe to share. Users add entries of their own (config
 * `models:`, CLI `--models`) in the same shape.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';

export type CallbackMode = 'sync' | 'async' | 'cleanup' | 'concurrent' | 'awaited' | 'subtest' | 'ui';
/** An argument by index, every argument, the receiver, or the first result. */
export type ArgRef = number | '*' | 'receiver' | 'result';

export interface FuncModel {
  /** Import path and name: `time.AfterFunc`, `golang.org/x/sync/errgroup.Group.Go`. */
  func: string;
  callbacks?: Record<string, CallbackMode>;
  many?: boolean;
  conversion?: boolean;
  /** For a conversion: the method that runs it on the caller's goroutine (`ServeHTTP`). */
  directCall?: string;
  /** For a conversion: calls that put it behind a server (`httptest.NewServer`, `.Handle`). */
  servedBy?: string[];
  joinedBy?: string;
  /** The receiver's method that caps how many callbacks run at once (errgroup's SetLimit): a cap of 1 runs them one at a time. */
  limitedBy?: string;
  /** A semaphore's constructor: which argument is its capacity, and the methods that take and give back a slot. */
  semaphore?: { capacity: number; acquire: string; release: string };
  callbackLocks?: 'receiver';
  writes?: ArgRef[];
  retains?: ArgRef[];
  /** Arguments the call reads from until data or the stream's end arrives (`io.ReadAll`). */
  reads?: number[];
  /** The receiver's exported fields a method reads or writes (`net/http.Server.Shutdown`: none): a write to another field beside the call does not meet it. */
  fields?: string[];
  /** Channel arguments the call receives from before it returns, or ends the test (`testutil.RequireReceive`). */
  receives?: number[];
  /** Channel arguments the call receives from until they are closed before it returns, or returns early with an error (OPA's `tester.Reporter.Report`). */
  drains?: number[];
  /** Condition arguments the call returns only after one run of them returned true, or ends the test (`require.Eventually`). */
  waitsUntilTrue?: number[];
  /** The context argument the call runs until it is done, returning early only with an error (controller-runtime's `Manager.Start`). */
  runsUntilDone?: number;
  /** The call never returns a nil error (`fmt.Errorf`, `errors.New`): an error variable set from it is non-nil. */
  nonNilResult?: boolean;
  /** Sibling calls in one callback run their own callbacks in separate passes, never two in one (goconvey's `Convey`). */
  separatePasses?: boolean;
  /** A constructor handed a channel (argument `arg`) that a method of the value it builds closes (client-go's `portforward.New`: `ForwardPorts` closes its ready channel once listening). */
  closedBy?: { arg: number; method: string };
  /** A reader's constructor whose stream is that of this argument, ending only where the argument's ends (`io.TeeReader`, `bufio.NewReader`). */
  readerOf?: number;
  /** With readerOf: the methods of the reader it makes that read its source (`bufio.NewScanner`: `Scan`). */
  readMethods?: string[];
  /** A pipe's constructor: which result ends are read, and the methods that read from and write to an end. */
  pipe?: { readers: number[]; read: string[]; write: string[] };
  background?: ArgRef[];
  /** Those goroutines read the background values only while serving a client that connects (a test server). */
  servesPeers?: boolean;
  /** The fields of the background values those goroutines read; a change to another field is no race. Absent: any field. */
  backgroundFields?: string[];
  results?: string[];
  /** The call never returns to its caller (`os.Exit`, `log.Fatal`, ginkgo's `Fail`). */
  noReturn?: boolean;
  /** The channel the call returns (`true`: `time.After`), or the one in this field of its result (`"C"`: `time.NewTimer`), is never closed. */
  openChannel?: true | string;
  anyReceiver?: boolean;
  note?: string;
}

export interface TypeModel {
  /** Import path and type name: `bytes.Buffer`, `go.uber.org/zap.Logger`. */
  type: string;
  concurrencySafe: boolean;
  readOnlyMethods?: string[];
  /** A network endpoint's methods that wait for a peer to connect or send (`Accept`, `ReadFrom`). */
  peerWaits?: string[];
  /** Methods that bracket a section one caller at a time, as Lock and Unlock do (textproto.Pipeline's StartRequest … EndRequest). */
  sections?: { enter: string; leave: string }[];
  /** Its methods only record or report a test's outcome (testing.T's Error, Fatal, Log). */
  reports?: boolean;
  /** A test double (testify's mock.Mock): the methods of a struct that embeds it implement nothing. */
  standIn?: boolean;
  /** Methods that return only after another method was called on the value: `{ "Run": "Done" }` (a runner's Run drains the queue that Done closes). */
  waitsFor?: Record<string, string>;
  note?: string;
}

/** A package whose functions only check values and report a test's outcome (testify's require). */
export interface PackageModel {
  package: string;
  reports: true;
  note?: string;
}

/** An interface method a library calls, concurrently, on values the program hands it. */
export interface ImplementationModel {
  /** `net/http.RoundTripper.RoundTrip`. */
  implements: string;
  /** Parameter types qualified by import path: `*net/http.Request`. */
  params: string[];
  runs: 'concurrent';
  note?: string;
}

export type ModelEntry = FuncModel | TypeModel | ImplementationModel | PackageModel;

/** How an entry is named in messages and listings. */
export function entryName(e: ModelEntry): string {
  return 'func' in e ? e.func : 'type' in e ? `type ${e.type}` : 'package' in e ? `package ${e.package}` : `implements ${e.implements}`;
}

/** A model that does not fit the schema: the message is one line, fit to show a user as is. */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

const MODELS_DIR = new URL('../../../models/', import.meta.url);
/** The bundled models, checked against the schema by test/engine/models.test.ts rather than at every start. */
export const STANDARD_FILES = ['stdlib.json', 'modules.json'];
export const MODELS_DIR_URL = MODELS_DIR;

let validator: ValidateFunction | undefined;
function validate(data: unknown): ErrorObject[] {
  if (!validator) {
    // Loaded on first use: compiling the schema costs a CLI run a fifth of a second, and the bundled
    // models need no check at run time (the test suite checks them).
    const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
    const schema = JSON.parse(readFileSync(new URL('schema.json', MODELS_DIR), 'utf8')) as object;
    validator = new Ajv({ allErrors: false, strict: false }).compile(schema);
  }
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

const KEYWORD_ORDER = ['enum', 'const', 'pattern', 'additionalProperties', 'type', 'required', 'minimum', 'propertyNames', 'minProperties'];

/**
 * The most telling error, as one line. An entry is a `func` or a `type` model (a `oneOf`): only the
 * complaints about the kind the entry is meant to be are useful, the deepest first.
 */
function describeError(doc: unknown, errors: ErrorObject[]): string {
  const entryOf = (e: ErrorObject) => /^\/models\/(\d+)/.exec(e.instancePath)?.[1];
  const first = errors.find((e) => entryOf(e) !== undefined);
  const index = first ? entryOf(first) : undefined;
  if (index !== undefined) {
    const entry = (doc as { models: unknown[] }).models[Number(index)];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `models.${index} must be an object with a "func", "type", "package" or "implements" key`;
    const kind = 'func' in entry ? 'func' : 'type' in entry ? 'type' : 'package' in entry ? 'package' : 'implements' in entry ? 'implementation' : undefined;
    if (!kind) return `models.${index} needs a "func" (a function or method), "type", "package" or "implements" key`;
    // ajv inlines the branches it can: their errors carry no `/definitions/` in the schema path.
    const ofKind = (e: ErrorObject) => e.schemaPath.includes(`/definitions/${kind}/`) || (!e.schemaPath.includes('/definitions/') && e.keyword !== 'oneOf');
    errors = errors.filter((e) => entryOf(e) === index && ofKind(e));
  }
  const rank = (e: ErrorObject) => (KEYWORD_ORDER.indexOf(e.keyword) + KEYWORD_ORDER.length + 1) % (KEYWORD_ORDER.length + 1);
  const best = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length || rank(a) - rank(b))[0];
  if (!best) return 'does not match the models schema';
  const where = best.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'the file';
  const allowed = (best.params as { allowedValues?: unknown[] }).allowedValues;
  const extra = (best.params as { additionalProperty?: string }).additionalProperty;
  let detail = allowed ? `must be one of ${allowed.join(', ')}` : extra ? `has an unknown key "${extra}"` : best.message ?? 'is invalid';
  if (best.keyword === 'pattern' && where.endsWith('.func')) detail = 'must be an import path and a name, like "time.AfterFunc" or "example.com/pool.Pool.Submit"';
  else if (best.keyword === 'pattern' && where.endsWith('.type')) detail = 'must be an import path and a type name, like "bytes.Buffer"';
  else if (best.keyword === 'minProperties') detail = 'says nothing about the function: give callbacks, writes, retains, background or results';
  else if (allowed && /\.(writes|retains|background)\.\d+$/.test(where)) detail = 'must be an argument index (0, 1, …), "*", "receiver" or "result"';
  return `${where} ${detail}`;
}

/**
 * Checks a models document (`{ models: [...] }`) or a bare list of entries against the schema.
 * `source` names where it came from, for the error message.
 */
export function parseModels(data: unknown, source: string): ModelEntry[] {
  const doc = Array.isArray(data) ? { models: data } : data;
  const errors = validate(doc);
  if (errors.length > 0) throw new ModelError(`${source}: bad model: ${describeError(doc, errors)}`);
  return (doc as { models: ModelEntry[] }).models;
}

/** Reads and checks a models JSON file. */
export function loadModelsFile(path: string): ModelEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ModelError(`${path}: cannot read models file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`${path}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseModels(data, path);
}

/** The name a package usually goes by: the last element of its path, without a major version or `go-`. */
export function packageNameOf(path: string): string {
  const parts = path.split('/').filter((p) => !/^v\d+$/.test(p));
  const last = parts[parts.length - 1] ?? path;
  return last.replace(/\.v\d+$/, '').replace(/^go-/, '').replace(/-/g, '_');
}

/** `golang.org/x/sync/errgroup.Group.Go` -> path `golang.org/x/sync/errgroup`, names ['Group', 'Go']. */
export function splitQualified(name: string): { path: string; names: string[] } {
  const slash = name.lastIndexOf('/');
  const tail = name.slice(slash + 1).split('.');
  return { path: name.slice(0, slash + 1) + tail[0], names: tail.slice(1) };
}

/** How a call was matched: by its resolved package and type, or by the method name alone. */
export interface FuncMatch {
  model: FuncModel;
  byNameOnly: boolean;
}

/** The models the engine consults, indexed for lookups by import path or by the name a file uses. */
export class ApiModels {
  private readonly funcs = new Map<string, FuncModel>();
  private readonly funcsByShortName = new Map<string, FuncModel>();
  private readonly methodsByName = new Map<string, FuncModel>();
  private readonly types = new Map<string, TypeModel>();
  private readonly typesByShortName = new Map<string, TypeModel>();
  private readonly implementations = new Map<string, ImplementationModel[]>();
  private readonly packages = new Map<string, PackageModel>();
  private readonly extended = new WeakMap<readonly ModelEntry[], ApiModels>();
  /** Method and function names whose callbacks run off the caller's goroutine: bodies calling them are worth walking. */
  readonly spawningCalls: RegExp | undefined;
  /** The names spawningCalls looks for. */
  readonly spawningNames: ReadonlySet<string>;
  /** Every method model by the method's name, whatever its receiver. */
  private readonly allMethodsByName = new Map<string, FuncModel[]>();
  /** Every group's join method (`joinedBy`) besides `Wait`, which joins any group. */
  readonly joinMethods = new Set<string>();
  /** Names of functions that receive from a channel argument (`receives`): calls worth asking the model of. */
  readonly receivingFuncs = new Set<string>();
  /** Names of calls that receive from a channel argument until it is closed (`drains`): calls worth asking the model of. */
  readonly drainingFuncs = new Set<string>();
  /** Names of calls that run until a context argument is done (`runsUntilDone`): calls worth asking the model of. */
  readonly untilDoneFuncs = new Set<string>();
  /** The methods that close a channel their value's constructor was handed (`closedBy`): calls worth asking the receiver's maker of. */
  readonly closingMethods = new Set<string>();
  /**
   * Calls that read a stream to data or its end: `reads` functions and pipe ends' `read` methods.
   * A package function whose body makes one may read a pipe end its caller hands it.
   */
  readonly streamReadingCalls: RegExp | undefined;
  /** The methods of readers that read their source (`readMethods`: `Scan`): calls worth asking the receiver's maker of. */
  readonly readerMethods = new Set<string>();
  /** The functions that make an in-memory pipe (`pipe`), as a file spells them: `os.Pipe`. */
  readonly pipeMakers: string[] = [];
  /** The methods some type's `sections` enter or leave by: calls worth asking the receiver's type of. */
  readonly sectionMethods = new Set<string>();
  /** The methods some type's `waitsFor` names as waiting: calls worth asking the receiver's type of. */
  readonly waitingMethods = new Set<string>();
  /** Entries some lookup returned: the test that every entry is exercised by a fixture reads it. */
  readonly used = new Set<ModelEntry>();

  constructor(readonly entries: readonly ModelEntry[]) {
    const spawning = new Set<string>();
    const streamReading = new Set<string>();
    // Later entries win: a user's model overrides the bundled one.
    for (const e of entries) {
      if ('func' in e) {
        const { path, names } = splitQualified(e.func);
        const rest = names.join('.');
        this.funcs.set(`${path}.${rest}`, e);
        this.funcsByShortName.set(`${packageNameOf(path)}.${rest}`, e);
        if (e.anyReceiver && names.length === 2) this.methodsByName.set(names[1], e);
        if (names.length === 2) this.allMethodsByName.set(names[1], [...(this.allMethodsByName.get(names[1]) ?? []), e]);
        if (Object.values(e.callbacks ?? {}).some((m) => m === 'concurrent' || m === 'awaited')) spawning.add(names[names.length - 1]);
        if (e.joinedBy && e.joinedBy !== 'Wait') this.joinMethods.add(e.joinedBy);
        if (e.receives) this.receivingFuncs.add(names[names.length - 1]);
        if (e.drains) this.drainingFuncs.add(names[names.length - 1]);
        if (e.runsUntilDone !== undefined) this.untilDoneFuncs.add(names[names.length - 1]);
        if (e.closedBy) this.closingMethods.add(e.closedBy.method);
        if (e.reads) streamReading.add(names[names.length - 1]);
        for (const m of e.pipe?.read ?? []) streamReading.add(m);
        for (const m of e.readMethods ?? []) this.readerMethods.add(m);
        if (e.pipe && names.length === 1) this.pipeMakers.push(`${packageNameOf(path)}.${names[0]}`);
      } else if ('package' in e) {
        this.packages.set(e.package, e);
      } else if ('implements' in e) {
        const method = e.implements.slice(e.implements.lastIndexOf('.') + 1);
        this.implementations.set(method, [...(this.implementations.get(method) ?? []), e]);
      } else {
        const { path, names } = splitQualified(e.type);
        this.types.set(`${path}.${names[0]}`, e);
        this.typesByShortName.set(`${packageNameOf(path)}.${names[0]}`, e);
        for (const { enter, leave } of e.sections ?? []) this.sectionMethods.add(enter).add(leave);
        for (const wait of Object.keys(e.waitsFor ?? {})) this.waitingMethods.add(wait);
      }
    }
    this.spawningCalls = spawning.size > 0 ? new RegExp(`\\b(?:${[...spawning].join('|')})\\(`) : undefined;
    this.spawningNames = spawning;
    this.streamReadingCalls = streamReading.size > 0 ? new RegExp(`\\b(?:${[...streamReading].join('|')})\\(`) : undefined;
  }

  private static standardModels: ApiModels | undefined;

  /** The bundled models (models/stdlib.json and models/modules.json). */
  static standard(): ApiModels {
    if (!ApiModels.standardModels) {
      const entries = STANDARD_FILES.flatMap((f) => (JSON.parse(readFileSync(new URL(f, MODELS_DIR), 'utf8')) as { models: ModelEntry[] }).models);
      ApiModels.standardModels = new ApiModels(entries);
    }
    return ApiModels.standardModels;
  }

  /** These models plus a user's own, which win over the bundled ones; the same list gives the same object. */
  with(extra: readonly ModelEntry[] | undefined): ApiModels {
    if (!extra || extra.length === 0) return this;
    let m = this.extended.get(extra);
    if (!m) this.extended.set(extra, (m = new ApiModels([...this.entries, ...extra])));
    return m;
  }

  private hit<T extends ModelEntry>(e: T | undefined): T | undefined {
    if (e) this.used.add(e);
    return e;
  }

  /**
   * A package function `pkg.Name`: by import path when the file imports `pkg`, else by the name
   * packages usually go by (a file without its imports, a snippet).
   */
  packageFunc(path: string | undefined, alias: string, name: string): FuncModel | undefined {
    return this.hit(path ? this.funcs.get(`${path}.${name}`) : this.funcsByShortName.get(`${alias}.${name}`));
  }

  /** A method of a type, `pkg.T` as the file spells it (path when known); else one modelled for any receiver. */
  method(typePath: string | undefined, typeName: string | undefined, method: string): FuncMatch | undefined {
    if (typeName) {
      const dot = typeName.indexOf('.');
      const alias = dot >= 0 ? typeName.slice(0, dot) : undefined;
      const name = typeName.slice(dot + 1);
      const exact = typePath
        ? this.funcs.get(`${typePath}.${name}.${method}`)
        : alias
          ? this.funcsByShortName.get(`${alias}.${name}.${method}`)
          : undefined;
      if (exact) return { model: this.hit(exact)!, byNameOnly: false };
    }
    const any = this.hit(this.methodsByName.get(method));
    return any ? { model: any, byNameOnly: true } : undefined;
  }

  /**
   * How a method runs its callback argument when the receiver's type is unknown (code compared
   * without types, as the differential rules do): what every modelled method of that name agrees on,
   * 'sync' when they disagree or none is modelled.
   */
  callbackModeByName(method: string, index: number): CallbackMode {
    const any = this.methodsByName.get(method);
    if (any) return callbackModeOf(this.hit(any), index);
    const modes = new Set((this.allMethodsByName.get(method) ?? []).map((m) => callbackModeOf(m, index)));
    if (modes.size !== 1) return 'sync';
    for (const m of this.allMethodsByName.get(method)!) this.hit(m);
    return [...modes][0]!;
  }

  /**
   * The interface method a method declaration implements, by its name and parameter types (each
   * qualified by import path: `*net/http.Request`), if a library is known to call it concurrently.
   */
  /** Whether some model names a method called `method` that libraries call concurrently (see `implementation`). */
  implementsByName(method: string): boolean {
    return this.implementations.has(method);
  }

  implementation(method: string, paramTypes: () => string[]): ImplementationModel | undefined {
    const candidates = this.implementations.get(method);
    if (!candidates) return undefined;
    const params = paramTypes();
    return this.hit(candidates.find((c) => c.params.length === params.length && c.params.every((p, i) => p === params[i])));
  }

  /** Whether the package at this import path only checks values and reports a test's outcome. */
  reportingPackage(path: string): boolean {
    return this.hit(this.packages.get(path))?.reports === true;
  }

  /** A type as the file spells it (`bytes.Buffer`), resolved by import path when known. */
  type(path: string | undefined, spelled: string): TypeModel | undefined {
    const [alias, name] = spelled.split('.');
    if (!name) return undefined;
    return this.hit(path ? this.types.get(`${path}.${name}`) : this.typesByShortName.get(`${alias}.${name}`));
  }
}

/** The callback mode of argument `index` (0-based) of a call matched to `model`: sync unless modelled. */
export function callbackModeOf(model: FuncModel | undefined, index: number): CallbackMode {
  return model?.callbacks?.[String(index)] ?? 'sync';
}

/** Whether an ArgRef list names argument `index` (of `count`). */
export function namesArg(refs: readonly ArgRef[] | undefined, index: number): boolean {
  return !!refs && refs.some((r) => r === '*' || r === index);
}
