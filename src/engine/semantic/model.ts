/**
 * The shared semantic layer: one walk of each function that resolves identifiers to declarations,
 * records every access to a variable, and notes which code runs concurrently and where it joins.
 * Detectors read this model; none walks the tree its own way for these facts.
 */
import type Parser from 'tree-sitter';
import { fieldChildren, parseGo } from '../parse.js';
import { escapeRegExp } from '../regexp.js';
import { MUTEX_TYPES, TypeTable, UNKNOWN, named, resultTypes, typeFromNode, typeFromSpelling, typeName, type TypeRef } from './typeref.js';
import { Gates, ReleasingSends, readAfterReturnedClose } from './gate.js';
import { UnbufferedReceives } from './unbuffered.js';
import { TurnTaking } from './turns.js';
import { Handshakes } from './handshake.js';
import { Flags } from './flag.js';
import { contradiction, guardsOf, type Guards } from './conditions.js';
import { TestServers } from './test-server.js';
import { onlyUncancelledContext } from './context-callers.js';
import { lockHelperOf, packageLockHelperOf, type LockHelper, type PackageLockHelper } from './lock-helpers.js';
import { withoutComments } from './go-text.js';
import { NO_CHANNEL_OPS, channelOpsOf, returnsChannel, channelParamsSignaled, channelParamsWaitedOn, paramPositions, type ChannelOps, type WaitedParam } from './channel-methods.js';
import { ApiModels, callbackModeOf, namesArg, packageNameOf, splitQualified, type CallbackMode, type FuncMatch, type FuncModel, type TypeModel } from '../models/index.js';
import { FunctionText, parseSkeleton, receiverWords, typesMentioning, type BodyTest, type ScannedFile, type ScannedFunction, type SkeletonContext } from '../skeleton.js';

export type Node = Parser.SyntaxNode;

export type DeclKind = 'var' | 'param' | 'result' | 'receiver' | 'range' | 'const' | 'func' | 'type';

export interface Decl {
  name: string;
  /** The declaring identifier. */
  node: Node;
  kind: DeclKind;
  packageLevel: boolean;
  type: TypeRef;
  /** The initializer expression, when the declaration has one. */
  init?: Node;
  /** The call whose results a declaration of several names takes apart (`server, client := net.Pipe()`). */
  results?: Node;
  /** For loop variables: the for statement that declares them. */
  loop?: Node;
}

/** How a unit of code comes to run concurrently with others. */
export type SpawnKind = 'go' | 'group' | 'parallel-test' | 'handler';

export interface Spawn {
  kind: SpawnKind;
  /** The go statement or call expression that starts the unit; undefined for a top-level handler. */
  site?: Node;
  /** The receiver of `.Go(...)` (e.g. `wg`), whose `Wait()` joins it. */
  group?: string;
  /** The group's method that caps its callbacks (`SetLimit`), as the models say. */
  limitedBy?: string;
  /** The group was capped at one callback at a time before this spawn: its spawns run in turn. */
  serial?: boolean;
  /** The semaphore of one slot the goroutine holds while it runs (by name and declaration): others that hold it run before or after. */
  slot?: string;
  /** The call that runs the callback on a goroutine and returns after it (`require.Eventually`): it is the join. */
  awaitedBy?: string;
  /** A handler registered (on a mux, a router): it serves many requests, so the locals it captures are shared. */
  registered?: boolean;
  /**
   * A handler in test code: it answers the test's own requests, which a test that starts no goroutine
   * sends one at a time, each ordered with the code around it by the request and its response. It
   * runs as one instance, not side by side with the test's other handlers.
   */
  sequential?: boolean;
  /**
   * A handler that counts itself done on a WaitGroup its registering function added one to
   * (`wg.Add(1)` … `wg.Done()` in the handler): a second run would panic, so it runs once.
   */
  once?: boolean;
  /**
   * The call returns a channel its callee signals once the callback has returned (`ch := u.Go(f)`
   * where the package's Go runs f on a goroutine that then sends on or closes the channel it returns).
   */
  signalsResult?: boolean;
  /** The unit whose code contains the site. */
  parent?: FuncUnit;
  /** The innermost loop, within the parent, that encloses the site. */
  loop?: Node;
}

/** A function body: a top-level function or method, or a func literal. */
export interface FuncUnit {
  node: Node;
  body: Node | null;
  parent?: FuncUnit;
  /** Set when this unit runs on its own goroutine. */
  spawn?: Spawn;
  /** A callback stored for later (t.Cleanup, time.AfterFunc): its timing is unknown, so it is left out. */
  detached?: boolean;
  /** The goroutine this code runs on: the nearest spawned unit, or the top-level function. */
  thread: FuncUnit;
  /** Joins made by code running on this thread: Wait() calls and channel receives. */
  joins: Join[];
}

export interface Join {
  pos: number;
  end: number;
  /** The receiver of `.Wait()`, e.g. `wg`; undefined for a channel receive. */
  group?: string;
  deferred: boolean;
  /** The deferred func literal the join sits in (`defer func() { wg.Wait(); … }()`): it waits at exit, for goroutines started outside it. */
  deferredIn?: Node;
  /** For a deferred join in a func literal called on the spot (`err := func() error { defer wg.Wait(); … }()`): where that call returns. */
  exitAt?: number;
  /**
   * A receive that is one case of a select whose other cases do not wait: it orders only what its own
   * case runs, up to here (`case err = <-errc: …` beside `case <-time.After(d):`).
   */
  scopeEnd?: number;
  /**
   * For a wait that orders only the goroutines that take part in it, which ones: a method that
   * receives from its receiver's channel (`gate.Enter()`) orders a goroutine that signals the same
   * value through a method (`gate.Leave()`); a package function that receives from a channel argument
   * (`drain(errc)`), one that sends on or closes it itself; `<-ctx.Done()`, one that calls ctx's
   * cancel; a send on an unbuffered channel, one whose receive of it ends its work. Absent: any.
   */
  orders?: (s: Spawn) => boolean;
  /**
   * The group this join waits for through a goroutine it joins, which waits for that group itself
   * (`stream.Wait()` in an `outer.Go` closure, then `outer.Wait()`); `group` stays the join's own.
   */
  waitsFor?: string;
  /**
   * The join orders the `.Go` closures `orders` accepts too, not only those of its own group: the end
   * of a range over a channel the closure closes.
   */
  ordersClosures?: boolean;
  /** For a call that waits on a channel argument (`consume(ch)`): that channel, as the caller names it. */
  channel?: string;
}

export type AccessKind = 'read' | 'write';

export interface Access {
  decl: Decl;
  /** The identifier that refers to the declaration. */
  node: Node;
  kind: AccessKind;
  /** Field and index steps after the variable: `x.a[k].b` gives ['a', '[]', 'b']. */
  path: string[];
  /** The method called on the variable or its path, e.g. `Get` for `client.Get(...)`. */
  method?: string;
  /** `x = append(x, ...)`. */
  appendSelf: boolean;
  /** `delete(x, k)`. */
  deleted: boolean;
  /** `&x`, or `&x.f`. */
  addressTaken: boolean;
  /** Passed to a sync/atomic function, so synchronized by that. */
  atomic: boolean;
  /** Passed to a call the models say rewrites the slice's elements (`sort.Slice(x, …)`): the call, e.g. `sort.Slice`. */
  rewrittenBy?: string;
  /**
   * A write through a local that reaches another variable's memory: a pointer into package-level
   * state (`u := cache[k]`, or `for _, u := range cache[k]`: 'element'), a loop turn's copy of an outer
   * struct through its pointer field (`s := spec`, then `s.Cgroup.Path = …`: 'copy'), or a pointer a
   * loop's goroutine reads from a captured variable (`fc := l.chain`: 'pointer'). The local, the
   * expression it was taken from, and the path written below the local; the access is of that other
   * variable, at the path of the memory written.
   */
  via?: { kind: 'element' | 'copy' | 'pointer'; local: Decl; from: Node; path: string[] };
  unit: FuncUnit;
  thread: FuncUnit;
}

export interface FileModel {
  /** The file's path as the engine was given it. */
  path: string;
  source: string;
  /** The source of every file of the package, this one included. */
  packageSources: readonly string[];
  lines: string[];
  tree: Parser.Tree;
  hasSyntaxErrors: boolean;
  goVersion?: string;
  types: TypeTable;
  packageDecls: Map<string, Decl>;
  /** Top-level function and method declarations. */
  functions: Node[];
  units: FuncUnit[];
  accesses: Access[];
  accessesOf(decl: Decl): Access[];
  /** The declaration an identifier refers to, when it is a variable the file declares. */
  resolve(ident: Node): Decl | undefined;
  /** The declaration a declaring identifier makes (`v` in `v := …`), for walked bodies. */
  declarationAt(ident: Node): Decl | undefined;
  /** Whether two accesses can run at the same time. */
  mayRunInParallel(a: Access, b: Access): boolean;
  /** Whether a goroutine starts under a condition its parent's access runs only without (see conditions.ts). */
  startExcludes(goroutine: FuncUnit, parentAccess: Access): boolean;
  /** Whether goroutine `g`, started in `loop`'s body, publishes a flag after `access` that the body waits to see set before its turn ends (flag.ts). */
  flagSeenInIteration(access: Access, g: FuncUnit, loop: Node): boolean;
  /** Whether many instances of this thread can run at once (a loop of goroutines, a handler). */
  isMultiInstance(thread: FuncUnit): boolean;
  /**
   * Whether a declaration is the pointer receiver of a method run as many instances at once (a
   * ServeHTTP, a RoundTrip the models name): each call gets its own receiver, all pointing at one value.
   */
  sharedReceiver(decl: Decl, thread: FuncUnit): boolean;
  /** Lock names (`mu`, `s.mu`) held at a node, within its own function body. */
  locksHeld(node: Node): string[];
  /**
   * The type of an expression as the file spells it: variables (declaring identifiers too, and names
   * in package variables' initializers), fields, `*p`, `&x`, `a[i]` (also through a pointer to an
   * array), `x.(T)`, composite literals, `new`/`make` and calls of the file's functions.
   */
  typeOfExpr(expr: Node | null | undefined): TypeRef;
  text(node: Node): string;
  /** The models of called code this analysis uses (models/*.json plus the user's). */
  models: ApiModels;
  /** Import paths by the name the file uses for them. */
  imports: ReadonlyMap<string, string>;
  /** Whether a call of this function text never returns: `panic`, `t.Fatal`, or a models `noReturn` function (`os.Exit`). */
  neverReturns(fnText: string): boolean;
  /** What the models say about the function or method a call calls, if anything. */
  calleeModel(call: Node): FuncMatch | undefined;
  /** The channels a goroutine's body has a library close (the models' `closedBy`: `fw.ForwardPorts()` closes the ready channel `fw` was built with). */
  channelsClosedByLibrary(unit: FuncUnit): string[];
  /** How a call runs the callback passed as argument `index`: 'sync' unless a model says otherwise. */
  callbackMode(call: Node, index: number): CallbackMode;
  /** What the models say about a type (a value or a pointer to it), if anything. */
  typeModel(type: TypeRef): TypeModel | undefined;
}

export interface BuildOptions {
  path?: string;
  goVersion?: string;
  /**
   * Functions to walk beyond those that spawn goroutines, lock or use atomics: rules ask for them
   * (Rule.walks), e.g. the functions that touch a field some other code accesses atomically. The
   * test gets the function's whole text, signature and body: a by-value parameter can make a body
   * worth walking.
   */
  alsoWalk?: (functionText: string) => boolean;
  /**
   * Which methods of structs that hold a mutex are walked for their own sake (when they neither lock
   * nor start goroutines): lock-guard inference reads every one ('all', the default), most rules none
   * of them (see Rule.lockedMethods).
   */
  lockedMethods?: LockedMethods;
  /**
   * Which functions that lock or use atomics, but start no goroutine, are walked: lock-guard inference
   * reads every one ('all', the default), rules that read only what goroutines do none of them (see
   * Rule.lockingBodies).
   */
  lockingBodies?: LockedMethods;
}

/** See BuildOptions.lockedMethods and BuildOptions.lockingBodies: a test on a function's text, all of them, or none. */
export type LockedMethods = BodyTest | 'all' | 'none';

/** What decides which functions the model walks: BuildOptions.alsoWalk, lockedMethods and lockingBodies. */
export type WalkChoice = Pick<BuildOptions, 'alsoWalk' | 'lockedMethods' | 'lockingBodies'>;

/** The import paths of a file, by the name it uses for each (`errgroup` for golang.org/x/sync/errgroup). */
export function importsOf(root: Node): Map<string, string> {
  const imports = new Map<string, string>();
  for (const decl of root.namedChildren) {
    if (decl.type !== 'import_declaration') continue;
    for (const spec of decl.descendantsOfType('import_spec')) {
      const path = spec.childForFieldName('path')?.text.slice(1, -1);
      if (!path) continue;
      const alias = spec.childForFieldName('name')?.text;
      if (alias === '_' || alias === '.') continue;
      imports.set(alias ?? packageNameOf(path), path);
    }
  }
  return imports;
}

/** The paths a file imports with `.` (`import . "github.com/onsi/ginkgo/v2"`). */
function dotImportsOf(root: Node): string[] {
  const paths: string[] = [];
  for (const decl of root.namedChildren) {
    if (decl.type !== 'import_declaration') continue;
    for (const spec of decl.descendantsOfType('import_spec')) if (spec.childForFieldName('name')?.text === '.') paths.push(spec.childForFieldName('path')?.text.slice(1, -1) ?? '');
  }
  return paths.filter((p) => p !== '');
}

/**
 * What the file declares at package level, known before any function body is walked: a rule's
 * `walks` test may need the file's types to say which bodies matter.
 */
export interface PackageView {
  source: string;
  tree: Parser.Tree;
  types: TypeTable;
  packageDecls: Map<string, Decl>;
  /** Top-level function and method declarations. */
  functions: Node[];
  /** The source of every file of the package, this one included. */
  packageSources: readonly string[];
  /** The models of called code this analysis uses. */
  models: ApiModels;
}

/** Directories of test apps and harnesses, driven by tests elsewhere. */
const TEST_APP_DIR = /(?:^|\/)(?:tests?|e2e|testutils?|testhelpers?|integration|mocks?|fakes?)\//;
/** Harness files of a package, named for what they are: `mock.go`, `mock_api.go`, `server_fake.go`, `testing.go`. */
const TEST_HARNESS_FILE = /(?:^|\/)(?:(?:mocks?|fakes?)(?:_\w+)?|\w+_(?:mocks?|fakes?)|testing|testutils?|testhelpers?)\.go$/;

/** A go statement, a `.Go(…)` pool or parallel subtests: a test that may send requests at once. */
const STARTS_GOROUTINES = /\bgo\s+(?:func\b|[\w.]+\()|\.Go\(|Parallel\(/;
const STARTS_GOROUTINES_ALL = new RegExp(STARTS_GOROUTINES.source, 'g');

// Function bodies with none of these (nor a call whose callback the models say runs concurrently,
// ApiModels.spawningCalls) start no goroutine, so a rule that reads what goroutines do needs none of
// their accesses; skipping them keeps the walk to a few percent of typical Go code.
export const SPAWNING_BODY = /\bgo\s+(?:func\b|[\w.]+\()|Parallel\(/;

// Bodies that take a lock or use an atomic: walked for rules that infer which lock guards what
// (BuildOptions.lockingBodies). Test code locks in most bodies of some projects (snapd's state).
const LOCKING_BODY = /Lock\(|atomic\./;

/** A mutex field's type as TypeTable spells it (MUTEX_TYPES): what makes a struct's methods worth walking. */
const MUTEX_MENTION = /\bsync\.(?:RW)?Mutex\b/;

const spawnWords = new WeakMap<ApiModels, RegExp>();

/**
 * Whether the walk may find code that runs on a goroutine of its own in a body: a superset of
 * SPAWNING_BODY's `go` and `Parallel(` and of the models' spawning calls, that also has `go (f)()`,
 * `go fns[i]()`, `t.Parallel ()` and a spawning call with type arguments.
 */
export function mightSpawn(models: ApiModels): BodyTest {
  let words = spawnWords.get(models);
  if (!words) spawnWords.set(models, (words = new RegExp(`\\b(?:go|Parallel${[...models.spawningNames].map((n) => `|${n}`).join('')})\\b`)));
  const re = words;
  // The words in comments and strings say nothing ("go to", "go.dev"): look again without them.
  return (fn) => re.test(fn.body) && re.test(fn.body.replace(COMMENTS_AND_LITERALS, ' '));
}

/** Comments, rune and string literals (a rune first: `'"'` opens no string). */
export const COMMENTS_AND_LITERALS = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`[^`]*`|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;

/**
 * Whether a function may run a callback under its lock as callbackLock reads it (a func parameter, a
 * first statement `x.Lock()`, a deferred second), told from text: an external test package's calls of
 * it need its body even when its file is only context.
 */
export function mayRunCallbackUnderLock(fn: FunctionText): boolean {
  if (!fn.signature.includes('func(')) return false;
  if (LOCK_LINE_TEXT.test(fn.body) && fn.body.includes('.Unlock()')) return true;
  // Or hands the callback to a method that does (`return l.initSlow(init)`).
  return [...fn.signature.matchAll(FUNC_PARAM)].some((m) => new RegExp(`\\.\\w+\\([^()]*\\b${m[1]}\\b`).test(fn.body));
}
// lockAroundCallback's Lock: near the top, released by a defer or a later Unlock.
const LOCK_LINE_TEXT = /^\{(?:[^\n]*\n){0,4}\s*[\w.]+\.Lock\(\)\s*\n/;
const FUNC_PARAM = /(\w+)\s+func\(/g;
const RETURNS_CHANNEL = /\)\s*(?:<-\s*)?chan\b[^()]*$/;

/**
 * The bodies ModelBuilder.build may walk, told from text before the file is parsed (engine/skeleton.ts):
 * a superset of build's choice without the rules' `walks` tests (each rule's `bodies` covers its own).
 * Keep the two in step: a body build selects that this test rejected makes the engine parse the file
 * again in full (walkNeedsLeftOutBody), which costs time but loses nothing.
 */
export function walkCandidates(ctx: SkeletonContext, lockedMethods: LockedMethods, lockingBodies: LockedMethods): BodyTest {
  const mentionsHandlers = ctx.source.includes('ResponseWriter');
  const mentionsSync = ctx.source.includes('sync.');
  let locked: ReadonlySet<string> | undefined;
  const spawning = ctx.models.spawningCalls;
  return (fn) => {
    // implementsConcurrentMethod: a method name the models list; isHandlerSignature: its parameter types.
    if (fn.receiver !== undefined && ctx.models.implementsByName(fn.name)) return true;
    if (mentionsHandlers && fn.signature.includes('ResponseWriter')) return true;
    const body = fn.body;
    if (SPAWNING_BODY.test(body) || spawning?.test(body) === true) return true;
    if (lockingBodies !== 'none' && LOCKING_BODY.test(body) && (lockingBodies === 'all' || lockingBodies(fn))) return true;
    // callbackLock reads the body of a function that runs its callback under its lock, walked or not.
    if (mayRunCallbackUnderLock(fn)) return true;
    // Method joins read the channel operations of the package's methods (channel-methods.ts).
    if (fn.receiver !== undefined && (body.includes('<-') || body.includes('close(') || FIELD_GROUP_CALL.test(body))) return true;
    // Argument joins read which channel parameters a method ranges over (`func (r R) Report(ch chan T)`).
    if (fn.receiver !== undefined && body.includes('range') && fn.signature.includes('chan')) return true;
    // And which channel field a method returns (`func (c *C) Wait() <-chan error { return c.quit }`).
    if (fn.receiver !== undefined && RETURNS_CHANNEL.test(fn.signature)) return true;
    // Function joins read which channel parameters (or channel fields of parameters) a function waits
    // on, and which it sends on or closes.
    if (fn.receiver === undefined && (body.includes('<-') || body.includes('range') || body.includes('close(')) && (fn.signature.includes('chan') || FIELD_RECEIVE.test(body))) return true;
    // Pipe reads read which parameters a function or method reads as a stream (streamParamsRead),
    // also by handing them to a call out of sight (`uploader.UploadObject(ctx, &Input{Body: r})`).
    if (STREAM_PARAM.test(fn.signature) && (ctx.models.streamReadingCalls?.test(body) === true || HANDS_ON.test(body))) return true;
    // exitsAlways reads a function that ends by exiting (`func fail(…) { …; os.Exit(code) }`): keep
    // every body whose last call may be one (a superset: exitsAlways checks the rest on the tree).
    if (fn.receiver === undefined && EXIT_WORD.test(body) && EXITING_TAIL.test(withoutComments(body))) return true;
    if (!mentionsSync || fn.receiver === undefined || lockedMethods === 'none') return false;
    // isMethodOfLockedStruct: the receiver's type, or a type it is declared as, holds a mutex.
    locked ??= lockedTypesOf(ctx.packageTypeSpecs);
    if (locked.size === 0 || !receiverWords(fn.receiver).some((w) => locked!.has(w))) return false;
    return lockedMethods === 'all' || lockedMethods(fn);
  };
}

const FIELD_RECEIVE = /<-\s*\w+\.\w+/;
/**
 * Names of the calls exitsAlways takes as a function's exit (`os.Exit`, `log.Fatalf`, `panic`,
 * `t.FailNow`, a dot-imported `Fail`): whether one never returns is still the models' and
 * NO_RETURN_CALL's to say. The skeleton keeps a body whose text ends in such a call.
 */
const EXIT_NAMES = 'Exit|Fatal\\w*|Panic\\w*|panic|Goexit|Fail|FailNow|Skip\\w*';
const EXIT_CALLEE = new RegExp(`(?:^|\\.)(?:${EXIT_NAMES})$`);
const EXIT_WORD = new RegExp(`\\b(?:${EXIT_NAMES})\\(`);
const EXITING_TAIL = new RegExp(`\\b(?:${EXIT_NAMES})\\([\\s\\S]*\\)\\s*\\}\\s*$`);
/** `s.wg.Wait()`: a method that waits on a WaitGroup its receiver holds (mayWait's filter). */
const FIELD_WAIT = /\b\w+\.\w+\.Wait\(\)/;
/** `s.wg.Wait()` or `s.wg.Done()`: a method that waits for, or counts done, a WaitGroup its receiver holds. */
const FIELD_GROUP_CALL = /\b\w+\.\w+\.(?:Wait|Done)\(\)/;
/** A parameter that may be one end of a pipe: a reader, a file, a connection. */
const STREAM_PARAM = /Reader\b|File\b|Conn\b/;
/** A call of a package's function or a method with arguments: where a parameter may be handed on. */
const HANDS_ON = /\.\w+\([^)]/;

/** The package's types that may hold a mutex, once per package (its files share one list of type specs). */
const lockedTypes = new WeakMap<readonly unknown[], ReadonlySet<string>>();
function lockedTypesOf(specs: SkeletonContext['packageTypeSpecs']): ReadonlySet<string> {
  let found = lockedTypes.get(specs);
  if (!found) lockedTypes.set(specs, (found = typesMentioning(specs, MUTEX_MENTION)));
  return found;
}

/** Which bodies a skeleton parse keeps (engine/skeleton.ts); undefined parses the file in full. */
export interface SkeletonPlan {
  scanned: ScannedFile | undefined;
  keep: (fn: ScannedFunction) => boolean;
}

class Scope {
  readonly names = new Map<string, Decl>();
  constructor(readonly parent: Scope | undefined) {}

  lookup(name: string): Decl | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const d = s.names.get(name);
      if (d) return d;
    }
    return undefined;
  }
}

/** The mutex fields (sync.Mutex / sync.RWMutex, by value or pointer, named or embedded) of a struct type. */
export function mutexFieldsOf(types: TypeTable, type: TypeRef): string[] {
  const struct = types.structOf(type);
  if (!struct) return [];
  const names: string[] = [];
  for (const [name, field] of struct.fields) {
    const t = field.kind === 'pointer' ? field.elem : field;
    if (t.kind === 'named' && MUTEX_TYPES.has(t.name)) names.push(name);
  }
  return names;
}

/**
 * Whether a receive can be a goroutine saying it is done. Receives from a call (`<-ctx.Done()`,
 * `<-time.After(d)`) or a timer's channel (`<-t.C`) wait for time or cancellation, not for work.
 */
function isCompletionReceive(receive: Node): boolean {
  const operand = receive.childForFieldName('operand');
  if (!operand || operand.type === 'call_expression') return false;
  return !(operand.type === 'selector_expression' && operand.childForFieldName('field')?.text === 'C');
}

/** The receive a select case waits on (`<-done` in `case v := <-done:`); undefined for a send or `default`. */
function caseReceive(selectCase: Node): Node | undefined {
  if (selectCase.type !== 'communication_case') return undefined;
  const comm = selectCase.childForFieldName('communication');
  const receive = comm?.type === 'receive_statement' ? comm.childForFieldName('right') : undefined;
  return receive?.type === 'unary_expression' ? receive : undefined;
}

/** The channel a receiving select case receives from (`done` in `case <-done:`). */
function receivedChannel(selectCase: Node): string | undefined {
  return caseReceive(selectCase)?.childForFieldName('operand')?.text;
}

/** Whether a select case waits by receiving (`case <-done:`, `case v := <-results:`), not by a timer or a send. */
function waitsOnReceive(selectCase: Node): boolean {
  const receive = caseReceive(selectCase);
  return !!receive && isCompletionReceive(receive);
}

/**
 * The loop a select case leaves by `break label`, or by `goto label` to the statement right after
 * the loop, when that is the only way to the code after it: a `for { … }` without condition whose
 * body has no other break of it and no other goto.
 */
function loopLeftOnlyBy(selectCase: Node): Node | undefined {
  const list = selectCase.namedChildren.find((c) => c.type === 'statement_list');
  const last = list?.lastNamedChild;
  const label = last?.type === 'break_statement' || last?.type === 'goto_statement' ? last.namedChildren.find((c) => c.type === 'label_name')?.text : undefined;
  if (!label) return loopEndedByFlag(selectCase, list);
  const target = (n: Node) =>
    last!.type === 'break_statement'
      ? n.parent?.type === 'labeled_statement' && n.parent.namedChild(0)?.text === label
      : labelAfter(n) === label;
  let loop: Node | null = selectCase.parent;
  while (loop && !(loop.type === 'for_statement' && target(loop))) {
    if (loop.type === 'func_literal' || loop.type === 'function_declaration' || loop.type === 'method_declaration') return undefined;
    loop = loop.parent;
  }
  const body = loop?.childForFieldName('body');
  if (!loop || !body || loop.namedChildren.some((c) => c.id !== body.id)) return undefined;
  for (const jump of body.descendantsOfType(['break_statement', 'goto_statement'])) {
    if (jump.id === last!.id) continue;
    if (jump.type === 'goto_statement') return undefined;
    const target = jump.namedChildren.find((c) => c.type === 'label_name')?.text;
    if (target === label || (!target && innermostBreakable(jump, loop) === loop)) return undefined;
  }
  return loop;
}

/**
 * `stop := false; for !stop { select { case <-done: …; stop = true } }`: the loop whose condition only
 * this case's own `stop = true` ends, with no break of it and no goto. The same with the flag the other
 * way round: `wait := true; for wait { … case err := <-errc: wait = false … }`.
 */
function loopEndedByFlag(selectCase: Node, list: Node | undefined): Node | undefined {
  const sets = (list?.namedChildren ?? []).map(boolAssigned).filter((a): a is { name: string; value: boolean } => a !== undefined);
  if (sets.length === 0) return undefined;
  let loop: Node | null = selectCase.parent;
  while (loop && loop.type !== 'for_statement') {
    if (loop.type === 'func_literal' || loop.type === 'function_declaration' || loop.type === 'method_declaration') return undefined;
    loop = loop.parent;
  }
  const body = loop?.childForFieldName('body');
  const cond = loop?.namedChildren.find((c) => c.id !== body?.id);
  if (!loop || !body || loop.namedChildCount !== 2 || !cond) return undefined;
  // `for !stop` runs while stop is false and ends on `stop = true`; `for wait`, the other way round.
  const negated = cond.type === 'unary_expression' && cond.child(0)?.type === '!';
  const flag = negated ? cond.childForFieldName('operand') : cond;
  if (flag?.type !== 'identifier' || !sets.some((a) => a.name === flag.text && a.value === negated)) return undefined;
  // It starts so the loop runs, just before the loop.
  let before = loop.previousNamedSibling;
  while (before?.type === 'comment') before = before.previousNamedSibling;
  const start = negated ? 'false' : 'true';
  const startDecl = negated ? `var\\s+${flag.text}\\s+(?:bool|=\\s*false)` : `var\\s+${flag.text}(?:\\s+bool)?\\s*=\\s*true`;
  if (!before || !new RegExp(`^(?:${flag.text}\\s*:=\\s*${start}|${startDecl})\\s*$`).test(before.text)) return undefined;
  // Nothing else in the loop sets it or leaves the loop.
  for (const write of body.descendantsOfType(['assignment_statement', 'short_var_declaration'])) {
    if (write.parent?.id === list!.id && boolAssigned(write)?.name === flag.text && boolAssigned(write)?.value === negated) continue;
    if ((write.childForFieldName('left')?.namedChildren ?? []).some((l) => l.text === flag.text)) return undefined;
  }
  for (const jump of body.descendantsOfType(['break_statement', 'goto_statement'])) {
    if (jump.type === 'goto_statement' || jump.namedChildren.some((c) => c.type === 'label_name') || innermostBreakable(jump, loop) === loop) return undefined;
  }
  return loop;
}

/** `stop` and true for the statement `stop = true`; `wait` and false for `wait = false`. */
function boolAssigned(stmt: Node): { name: string; value: boolean } | undefined {
  if (stmt.type !== 'assignment_statement' || stmt.children.find((c) => !c.isNamed)?.type !== '=') return undefined;
  const left = stmt.childForFieldName('left')?.namedChildren ?? [];
  const right = stmt.childForFieldName('right')?.namedChildren ?? [];
  const value = right.length === 1 && (right[0]!.type === 'true' || right[0]!.type === 'false') ? right[0]!.type === 'true' : undefined;
  return left.length === 1 && left[0]!.type === 'identifier' && value !== undefined ? { name: left[0]!.text, value } : undefined;
}

/** The statement after `stmt` in its block, past comments. */
export function nextStatement(stmt: Node): Node | null {
  let next = stmt.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  return next;
}

/** The label of the statement right after `stmt` in its block (`finished` for `for { … }` then `finished: …`). */
function labelAfter(stmt: Node): string | undefined {
  const next = nextStatement(stmt);
  return next?.type === 'labeled_statement' ? next.namedChild(0)?.text : undefined;
}

/** The for, switch or select an unlabeled break leaves. */
function innermostBreakable(jump: Node, stop: Node): Node | undefined {
  for (let p = jump.parent; p; p = p.parent) {
    if (p.type === 'for_statement' || p.type === 'expression_switch_statement' || p.type === 'type_switch_statement' || p.type === 'select_statement') return p;
    if (p.id === stop.id) return undefined;
  }
  return undefined;
}

// Calls that do not return to their caller besides the models' `noReturn` functions: panic, and a
// test's fatal failure or skip on whatever receiver (testing.T, B, F, a suite's embedded T).
/**
 * The parameter a function body waits on, `for !done() { … }` at its own level, with no `return`,
 * `break` or `goto` before the loop's end: the function returns only once `done()` returned true.
 */
function untilTrueParam(params: readonly string[], body: string): number[] | undefined {
  const loop = /\bfor\s+!\s*(\w+)\(\)\s*\{/.exec(body);
  const index = loop ? params.indexOf(loop[1]) : -1;
  if (!loop || index < 0) return undefined;
  // At the body's own level, not under an `if`: the body's `{` is the only one open before it.
  const before = body.slice(0, loop.index);
  if ((before.match(/\{/g) ?? []).length - (before.match(/\}/g) ?? []).length !== 1) return undefined;
  let depth = 0;
  let end = -1;
  for (let k = loop.index + loop[0].length - 1; k < body.length; k++) {
    if (body[k] === '{') depth++;
    else if (body[k] === '}' && --depth === 0) {
      end = k;
      break;
    }
  }
  return end > 0 && !/\b(?:return|break|goto)\b/.test(body.slice(0, end)) ? [index] : undefined;
}

/** The lock an argument hands over, by the name its own Lock calls use: `mu` for `&mu`. */
function handedLock(arg: Node | undefined): string | undefined {
  const target = arg?.type === 'unary_expression' && operatorOf(arg) === '&' ? arg.childForFieldName('operand') : arg;
  return target?.text;
}

/**
 * A statement endsFlow may find terminating: a call statement, an assignment of one call's results,
 * `return`, `goto`, or an `if` with an `else` or an initializer.
 */
function mayEndFlow(stmt: Node): boolean {
  if (stmt.type === 'expression_statement') return stmt.namedChild(0)?.type === 'call_expression';
  if (stmt.type === 'if_statement') return stmt.childForFieldName('alternative') !== null || stmt.childForFieldName('initializer') !== null;
  if (stmt.type === 'assignment_statement' || stmt.type === 'short_var_declaration') return onlyCallAssigned(stmt) !== undefined;
  return stmt.type === 'return_statement' || stmt.type === 'goto_statement';
}

/** The call of `err = c.Start(ctx)` or `n, err := f()`: the one value on the right, when it is a call. */
function onlyCallAssigned(stmt: Node): Node | undefined {
  const right = stmt.childForFieldName('right')?.namedChildren ?? [];
  return right.length === 1 && right[0].type === 'call_expression' ? right[0] : undefined;
}

/** testing.T's methods that end the test's goroutine (runtime.Goexit). */
const TEST_STOP_NAMES = 'Skip|Skipf|SkipNow|Fatal|Fatalf|FailNow';
const TEST_STOPS = new RegExp(`^(?:${TEST_STOP_NAMES})$`);
const NO_RETURN_CALL = new RegExp(`^(?:panic|(?:\\w+\\.)?(?:${TEST_STOP_NAMES}))$`);

/** Whether a call's function text (`os.Exit`, `Fail`) never returns; the file's models decide beyond NO_RETURN_CALL. */
type NoReturnTest = (fnText: string) => boolean;

/**
 * Whether a select case never reaches the code after the select unless it has received from
 * `channel` too: it ends in a terminating statement (return, panic, t.Fatal, continue, an if/else
 * whose branches all do), and each break out of the select sits in a nested `case <-channel:`.
 */
function leavesAfter(selectCase: Node, channel: string | undefined, noReturn: NoReturnTest): boolean {
  const body = selectCase.namedChildren.filter((c) => c.type !== 'comment' && c.startIndex !== selectCase.childForFieldName('communication')?.startIndex);
  const statements = body.length === 1 && body[0].type === 'statement_list' ? body[0].namedChildren.filter((c) => c.type !== 'comment') : body;
  const last = statements[statements.length - 1];
  const alwaysLeaves = !!last && (terminates(last, noReturn) || errCheckAfterDone(last, selectCase, noReturn));
  if (!alwaysLeaves && !statements.some((st) => openCheckOfUnclosed(st, selectCase, noReturn))) return false;
  const select = selectCase.parent;
  const label = select?.parent?.type === 'labeled_statement' ? select.parent.namedChild(0)?.text : undefined;
  for (const jump of selectCase.descendantsOfType('break_statement')) {
    const target = jump.namedChildren.find((c) => c.type === 'label_name')?.text;
    const leaves = target ? target === label : !!select && innermostBreakable(jump, select)?.id === select.id;
    if (leaves && !(channel && receivedBefore(jump, selectCase, channel))) return false;
  }
  return true;
}

/**
 * `case <-ctx.Done(): if ctx.Err() != nil { return … }`: once Done is closed Err is not nil (the
 * context contract), so the check always leaves.
 */
function errCheckAfterDone(stmt: Node, selectCase: Node, noReturn: NoReturnTest): boolean {
  const condition = exitCondition(stmt, noReturn);
  if (!condition || stmt.childForFieldName('initializer')) return false;
  const done = caseReceive(selectCase)?.childForFieldName('operand');
  const context = done?.type === 'call_expression' && done.childForFieldName('function')?.text.endsWith('.Done') && callArguments(done).length === 0 ? done.childForFieldName('function')!.text.slice(0, -'.Done'.length) : undefined;
  return context !== undefined && condition.text.replace(/\s+/g, '') === `${context}.Err()!=nil`;
}

/** The condition of an `if` with no `else` whose body always leaves (`if cond { …; return }`). */
function exitCondition(stmt: Node, noReturn: NoReturnTest): Node | undefined {
  if (stmt.type !== 'if_statement' || stmt.childForFieldName('alternative')) return undefined;
  const consequence = stmt.childForFieldName('consequence');
  return consequence && terminates(consequence, noReturn) ? (stmt.childForFieldName('condition') ?? undefined) : undefined;
}

/**
 * `case err, ok := <-errs: if ok { return … }` on a channel the function makes and never closes or
 * hands on: every receive reports ok, so the case leaves there.
 */
function openCheckOfUnclosed(stmt: Node, selectCase: Node, noReturn: NoReturnTest): boolean {
  const condition = exitCondition(stmt, noReturn);
  if (!condition || stmt.childForFieldName('initializer')) return false;
  const comm = selectCase.childForFieldName('communication');
  const names = comm?.type === 'receive_statement' ? comm.childForFieldName('left')?.namedChildren : undefined;
  const channel = caseReceive(selectCase)?.childForFieldName('operand');
  if (names?.length !== 2 || channel?.type !== 'identifier' || condition.text !== names[1].text) return false;
  let fn = functionAround(selectCase);
  for (let outer = fn && functionAround(fn); outer; outer = functionAround(outer)) fn = outer;
  const uses = fn ? channelUses(channel.text, fn) : undefined;
  return !!uses && uses.made && uses.closes === 0 && !uses.other;
}

/** Go's terminating statements, as far as a select case's tail needs them. */
function terminates(stmt: Node, noReturn: NoReturnTest): boolean {
  switch (stmt.type) {
    case 'return_statement':
    case 'continue_statement':
    case 'goto_statement':
      return true;
    case 'expression_statement': {
      const call = stmt.namedChild(0);
      const fn = call?.type === 'call_expression' ? (call.childForFieldName('function')?.text ?? '') : undefined;
      return fn !== undefined && (noReturn(fn) || NO_RETURN_CALL.test(fn));
    }
    case 'if_statement': {
      const consequence = stmt.childForFieldName('consequence');
      const alternative = stmt.childForFieldName('alternative');
      return !!consequence && !!alternative && terminates(consequence, noReturn) && terminates(alternative, noReturn);
    }
    case 'block': {
      const list = stmt.namedChildren.find((c) => c.type === 'statement_list');
      const tail = list?.namedChildren.filter((c) => c.type !== 'comment');
      return !!tail && tail.length > 0 && terminates(tail[tail.length - 1], noReturn);
    }
    case 'labeled_statement': {
      const inner = stmt.namedChildren.find((c) => c.type !== 'label_name');
      return !!inner && terminates(inner, noReturn);
    }
    default:
      return false;
  }
}

/** Whether `jump` runs only after a receive from `channel`: it sits in a `case <-channel:` inside `within`. */
function receivedBefore(jump: Node, within: Node, channel: string): boolean {
  for (let p = jump.parent; p && p.id !== within.id; p = p.parent) {
    if (p.type === 'func_literal') return false;
    if (p.type === 'communication_case' && receivedChannel(p) === channel) return true;
  }
  return false;
}

/** Nodes with no variable inside: literals, comments, names that aren't variables, and types. */
const INERT_NODES = new Set([
  'comment',
  'interpreted_string_literal',
  'raw_string_literal',
  'int_literal',
  'float_literal',
  'imaginary_literal',
  'rune_literal',
  'nil',
  'true',
  'false',
  'iota',
  'field_identifier',
  'type_identifier',
  'package_identifier',
  'label_name',
  'qualified_type',
  'pointer_type',
  'slice_type',
  'map_type',
  'array_type',
  'channel_type',
  'function_type',
  'struct_type',
  'interface_type',
  'generic_type',
  'type_arguments',
]);

/**
 * A func literal a goroutine's function hands on without calling it does not run on that goroutine:
 * one it returns (`pool.Go(func() func() { …; return func() { … } })`: conc's stream calls it back
 * serially, a `go` statement drops it), or one it stores in a composite literal or a field
 * (`r.Add(&sub{onFire: func() { … }})`, `s.onFire = func() { … }`), which whoever holds it calls. Like
 * a stored callback, its timing is unknown.
 */
function handedOnBySpawned(literal: Node, unit: FuncUnit): boolean {
  if (!unit.spawn) return false;
  const parent = literal.parent;
  if (parent?.type === 'literal_element') return true;
  if (parent?.type !== 'expression_list') return false;
  const holder = parent.parent;
  if (holder?.type === 'return_statement') return true;
  if (holder?.type !== 'assignment_statement' || holder.childForFieldName('right')?.id !== parent.id) return false;
  const index = parent.namedChildren.findIndex((c) => c.id === literal.id);
  const target = holder.childForFieldName('left')?.namedChildren[index];
  return target?.type === 'selector_expression' || target?.type === 'index_expression';
}

/** `false`, or a conjunction with a `false` operand (`false && err != nil`), parenthesized or not. */
function alwaysFalse(cond: Node | null | undefined): boolean {
  if (!cond) return false;
  if (cond.type === 'false') return true;
  if (cond.type === 'parenthesized_expression') return alwaysFalse(cond.namedChild(0));
  return cond.type === 'binary_expression' && operatorOf(cond) === '&&' && (alwaysFalse(cond.childForFieldName('left')) || alwaysFalse(cond.childForFieldName('right')));
}

/**
 * `string(buf) == "test data"` where `buf := make([]byte, 1024)` and nothing assigns buf again: a
 * conversion of 1024 bytes never equals a shorter literal (Read fills the buffer, it does not resize it).
 */
function lengthsDiffer(cond: Node | null | undefined, lookup: (name: string) => Decl | undefined): boolean {
  if (cond?.type === 'parenthesized_expression') return lengthsDiffer(cond.namedChild(0), lookup);
  if (cond?.type !== 'binary_expression' || operatorOf(cond) !== '==') return false;
  const sides = [cond.childForFieldName('left'), cond.childForFieldName('right')];
  const literal = sides.find((x) => x?.type === 'interpreted_string_literal' && !x.text.includes('\\'));
  const conversion = sides.find((x) => x?.type === 'call_expression' && x.childForFieldName('function')?.text === 'string');
  const args = conversion?.childForFieldName('arguments')?.namedChildren ?? [];
  if (!literal || args.length !== 1 || args[0].type !== 'identifier') return false;
  const decl = lookup(args[0].text);
  const made = decl?.init;
  const makeArgs = made?.type === 'call_expression' && made.childForFieldName('function')?.text === 'make' ? (made.childForFieldName('arguments')?.namedChildren ?? []) : [];
  if (!decl || makeArgs.length < 2 || makeArgs[0].text.replace(/\s/g, '') !== '[]byte' || !/^\d+$/.test(makeArgs[1].text)) return false;
  if (Number(makeArgs[1].text) === Buffer.byteLength(literal.text.slice(1, -1))) return false;
  let fn: Node | null = decl.node.parent;
  while (fn && fn.type !== 'func_literal' && fn.type !== 'function_declaration' && fn.type !== 'method_declaration') fn = fn.parent;
  const name = args[0].text;
  // Assigned again, appended to, resliced, or its address taken: its length may change.
  return !!fn && !new RegExp(`(?<![\\w.])${name}\\s*(?:[-+*/%|&^]?=(?!=)|,[^=\\n;]*=(?!=))|&${name}\\b`).test(withoutComments(fn.text, true));
}

function isLoop(node: Node): boolean {
  return isLoopType(node.type);
}

function isLoopType(type: string): boolean {
  return type === 'for_statement';
}

export function within(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

function operatorOf(node: Node): string {
  for (const child of node.children) if (!child.isNamed) return child.type;
  return '';
}

/** `X.M(...)`: the receiver text and method name, when the callee is a selector. */
export function methodCall(call: Node): { receiver: Node; method: string } | undefined {
  if (call.type !== 'call_expression') return undefined;
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'selector_expression') return undefined;
  const receiver = fn.childForFieldName('operand');
  const field = fn.childForFieldName('field');
  if (!receiver || !field) return undefined;
  return { receiver, method: field.text };
}

/** The statement (a direct child of a statement list) that contains `node`, within its function. */
export function statementOf(node: Node): Node | undefined {
  for (let cur: Node | null = node; cur; cur = cur.parent) {
    if (cur.parent?.type === 'statement_list') return cur;
    if (cur.type === 'func_literal' || cur.type === 'function_declaration' || cur.type === 'method_declaration') return undefined;
  }
  return undefined;
}

/** What an expression on the right of `=` or `:=` is assigned to: `opts` in `opts = append(…)`. */
export function assignmentTarget(expr: Node): Node | undefined {
  const list = expr.parent;
  if (list?.type !== 'expression_list') return undefined;
  const stmt = list.parent;
  if (stmt?.type !== 'assignment_statement' && stmt?.type !== 'short_var_declaration') return undefined;
  if (stmt.childForFieldName('right')?.startIndex !== list.startIndex) return undefined;
  const i = list.namedChildren.findIndex((c) => c.startIndex === expr.startIndex);
  return stmt.childForFieldName('left')?.namedChildren[i];
}

export function callArguments(call: Node): Node[] {
  return call.childForFieldName('arguments')?.namedChildren ?? [];
}

/** The statements of a block (tree-sitter-go 0.25 wraps them in a statement_list). */
export function statementsOf(block: Node | null | undefined): Node[] {
  if (!block) return [];
  const list = block.namedChildren.find((c) => c.type === 'statement_list');
  return list ? list.namedChildren : block.namedChildren.filter((c) => c.type !== 'comment');
}

function callsParallel(body: Node | null, testParam: string | undefined): boolean {
  if (!testParam) return false;
  for (const stmt of statementsOf(body)) {
    if (stmt.type !== 'expression_statement') continue;
    const call = methodCall(stmt.namedChild(0)!);
    if (call && call.method === 'Parallel' && call.receiver.text === testParam) return true;
  }
  return false;
}

function firstParamName(fn: Node): string | undefined {
  const params = fn.childForFieldName('parameters');
  const first = params?.namedChildren.find((c) => c.type === 'parameter_declaration');
  return first?.childForFieldName('name')?.text;
}

/** Whether a function's parameters are those of an http.HandlerFunc. */
function isHandlerSignature(fn: Node): boolean {
  const params = fn.childForFieldName('parameters')?.namedChildren.filter((c) => c.type === 'parameter_declaration') ?? [];
  if (params.length !== 2) return false;
  return /ResponseWriter$/.test(params[0].childForFieldName('type')?.text ?? '') &&
    /\*\s*http\.Request$/.test(params[1].childForFieldName('type')?.text ?? '');
}

const servedByPatterns = new WeakMap<FuncModel, RegExp | null>();

/**
 * What puts a converted value behind a server, from the model's `servedBy`: a qualified name as
 * written in Go (`httptest.NewServer`, `http.Server`), a bare name as a method call (`.Handle(`).
 */
function servedByPattern(model: FuncModel): RegExp | null {
  let pattern = servedByPatterns.get(model);
  if (pattern === undefined) {
    const parts = (model.servedBy ?? []).map((name) => {
      const short = name.slice(name.lastIndexOf('/') + 1);
      return short.includes('.') ? `\\b${escapeRegExp(short)}\\b` : `\\.${escapeRegExp(short)}\\(`;
    });
    servedByPatterns.set(model, (pattern = parts.length > 0 ? new RegExp(parts.join('|')) : null));
  }
  return pattern;
}

/**
 * A conversion (`http.HandlerFunc(func…)`) in a function that only runs it through the model's
 * `directCall` (`ServeHTTP`, on a recorder) and puts it behind no server (`servedBy`): each call
 * runs to completion on the caller's goroutine.
 */
function onlyCalledDirectly(conversion: Node, model: FuncModel): boolean {
  if (!model.directCall) return false;
  let fn: Node | null = conversion.parent;
  while (fn && fn.type !== 'function_declaration' && fn.type !== 'method_declaration') fn = fn.parent;
  const text = fn?.text ?? '';
  return text.includes(`.${model.directCall}(`) && !(servedByPattern(model)?.test(text) ?? false);
}

/**
 * The spawn a func literal gets from the call it is passed to, as the call's model says: concurrent
 * callbacks run on goroutines of their own (many at once for handlers; joined by the receiver's
 * `joinedBy` method for errgroup), subtests run in parallel when they call t.Parallel().
 */
function spawnOfLiteralArgument(call: Node, index: number, literal: Node, match: FuncMatch | undefined): Omit<Spawn, 'parent' | 'loop'> | undefined {
  const mode = callbackModeOf(match?.model, index);
  if (mode === 'subtest') {
    const body = literal.childForFieldName('body');
    return callsParallel(body, firstParamName(literal)) ? { kind: 'parallel-test', site: call } : undefined;
  }
  if (mode === 'awaited') {
    const callee = call.childForFieldName('function')?.text ?? '';
    // A group of its own, joined where the call returns (see the call visitor).
    return { kind: 'group', site: call, group: `${callee}@${call.startIndex}`, awaitedBy: callee };
  }
  if (mode !== 'concurrent') return undefined;
  const model = match!.model;
  if (model.many) {
    // Matched by a method name alone, a handler registration must at least take a handler.
    if (match!.byNameOnly && !isHandlerSignature(literal)) return undefined;
    // A conversion its function only calls through ServeHTTP runs on the caller's goroutine.
    if (model.conversion && onlyCalledDirectly(call, model)) return undefined;
    return { kind: 'handler', site: call, registered: model.conversion !== true };
  }
  const receiver = methodCall(call)?.receiver.text;
  if (model.joinedBy && receiver) return { kind: 'group', site: call, group: receiver, ...(model.limitedBy ? { limitedBy: model.limitedBy } : {}) };
  return { kind: 'go', site: call };
}

/** A node on the way down to another: its type and span, and the node itself where a reader needs it. */
interface Ancestor {
  type: string;
  start: number;
  end: number;
  node?: Node;
}

/**
 * Finds a node's ancestors by descending through named children (asking for `parent` walks from the root
 * on every call; tokens are leaves, so every ancestor is named), starting from the deepest level of the previous
 * descent that contains the node: queries come in source order, so a 2,000-branch else-if chain costs a
 * few levels per query instead of its full depth. Each level's children are found by binary search.
 */
class Descender {
  private last: Ancestor[] = [];
  constructor(private readonly tree: Parser.Tree) {}

  /** Ancestors of `node`, outermost first (shared: do not modify), or undefined if the descent misses it. */
  ancestors(node: Node): Ancestor[] | undefined {
    const start = node.startIndex;
    const end = node.endIndex;
    let resume = -1;
    for (let i = this.last.length - 1; i >= 0; i--) {
      const l = this.last[i];
      if (l.start <= start && start < l.end && end <= l.end) {
        resume = i;
        break;
      }
    }
    const path = resume >= 0 ? this.last.slice(0, resume) : [];
    let current: Node = resume >= 0 ? this.last[resume].node! : this.tree.rootNode;
    // The same object under tree-access; by id otherwise.
    const type = node.type;
    while (current !== node && !(current.startIndex === start && current.endIndex === end && current.type === type && current.id === node.id)) {
      path.push({ type: current.type, start: current.startIndex, end: current.endIndex, node: current });
      // A token (an anonymous leaf, such as a bare `return`) is no named child.
      const next = childContaining(current.namedChildren, start, end) ?? childContaining(current.children, start, end);
      if (!next) return undefined;
      current = next;
    }
    this.last = path;
    return path;
  }
}

/** The index of the last of `children` (in source order) that starts at or before `start`; -1 for none. */
function lastStartingBy(children: readonly Node[], start: number): number {
  let lo = 0;
  let hi = children.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (children[mid].startIndex <= start) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The child whose span holds [start, end): the last one starting at or before start, or one before it (past a zero-width sibling). */
function childContaining(children: readonly Node[], start: number, end: number): Node | undefined {
  for (let i = lastStartingBy(children, start); i >= 0; i--) {
    const child = children[i];
    if (end <= child.endIndex) return child;
    if (child.endIndex < start) return undefined;
  }
  return undefined;
}

const descenders = new WeakMap<Parser.Tree, Descender>();
function descenderFor(tree: Parser.Tree): Descender {
  let d = descenders.get(tree);
  if (!d) descenders.set(tree, (d = new Descender(tree)));
  return d;
}

/**
 * `worker := func() {…}` whose only use is one `go worker()`: the go statement that starts the
 * literal, which then runs as that goroutine. Undefined when the name is used any other way.
 */
function onlyStartedBy(name: Node, fn: Node): Node | undefined {
  const calls = callsOfName(fn, name.text, (ident) => ident.startIndex !== name.startIndex);
  const site = calls?.length === 1 && calls[0].parent?.type === 'go_statement' ? calls[0].parent : undefined;
  // Started from another goroutine (`go func() { defer func() { go release() }() }()`), it is that
  // goroutine's child, not fn's: what fn's own code does around it says nothing of its order.
  return site && startsInOwnCode(site, fn) ? site : undefined;
}

/**
 * Whether `node` runs in fn's own flow: not within a goroutine or a deferred call it starts (a local
 * func it calls directly still runs in that flow).
 */
function startsInOwnCode(node: Node, fn: Node): boolean {
  for (let p = node.parent; p && p.id !== fn.id; p = p.parent) {
    if (p.type === 'go_statement' || p.type === 'defer_statement') return false;
  }
  return true;
}

/**
 * The calls `name(…)` in `fn`, among the identifiers `counts` keeps; undefined when one of them is
 * used otherwise (passed, stored, assigned): then the func it names may run anywhere.
 */
function callsOfName(fn: Node, name: string, counts: (ident: Node) => boolean): Node[] | undefined {
  const calls: Node[] = [];
  for (const ident of fn.descendantsOfType('identifier')) {
    if (ident.text !== name || !counts(ident)) continue;
    const call = ident.parent;
    if (call?.type !== 'call_expression' || call.childForFieldName('function')?.startIndex !== ident.startIndex) return undefined;
    calls.push(call);
  }
  return calls;
}

function innermostLoopBetween(node: Node, top: Node): Node | undefined {
  const ancestors = descenderFor(node.tree).ancestors(node);
  if (!ancestors) return undefined;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const n = ancestors[i];
    if (n.start < top.startIndex || (n.start === top.startIndex && n.end === top.endIndex && n.type === top.type)) break;
    if (n.type === 'for_statement' && !(n.node && runsOnce(n.node))) return n.node;
    if (n.type === 'func_literal') break;
  }
  return undefined;
}

/**
 * `for i := 0; i < 1; i++ { … }`: a counted loop whose bounds allow one turn, its counter left alone in
 * the body; or a range over a slice literal of one element (`for _, tt := range tests` where the
 * function's only `tests := []struct{…}{{…}}` is never assigned again: a test table of one case).
 */
function runsOnce(loop: Node): boolean {
  const range = loop.namedChildren.find((c) => c.type === 'range_clause');
  if (range) return rangesOverOne(range);
  const clause = loop.namedChildren.find((c) => c.type === 'for_clause');
  const init = clause?.childForFieldName('initializer');
  const cond = clause?.childForFieldName('condition');
  const update = clause?.childForFieldName('update');
  const start = /^(\w+)\s*:?=\s*(\d+)$/.exec(init?.text ?? '');
  if (!start || !cond || !update) return false;
  const name = start[1];
  const bound = new RegExp(`^${name}\\s*(<|<=)\\s*(\\w+)$`).exec(cond.text);
  if (!bound || !new RegExp(`^${name}\\s*(\\+\\+|\\+=\\s*1)$`).test(update.text)) return false;
  // `w < workers` where the file declares `const workers = 1`, or the function `workers := 1` alone.
  const limit = /^\d+$/.test(bound[2]) ? Number(bound[2]) : (intConstants(loop).get(bound[2]) ?? fixedLocalInt(loop, bound[2]));
  if (limit === undefined) return false;
  const turns = limit - Number(start[2]) + (bound[1] === '<=' ? 1 : 0);
  const body = loop.childForFieldName('body')?.text ?? '';
  return turns === 1 && !new RegExp(`(?<![\\w.])${name}\\s*(?:[-+*/%&|^]?=(?!=)|\\+\\+|--)|&\\s*${name}\\b`).test(body);
}

const intConstantsOfTree = new WeakMap<object, Map<string, number>>();

/** The file's constants declared once with a plain integer value (`const workers = 1`, `n int = 1` in a block), by name. */
function intConstants(node: Node): Map<string, number> {
  let known = intConstantsOfTree.get(node.tree);
  if (known) return known;
  known = new Map();
  const seen = new Set<string>();
  for (const spec of node.tree.rootNode.descendantsOfType('const_spec')) {
    const names = fieldChildren(spec, 'name');
    const values = spec.childForFieldName('value')?.namedChildren ?? [];
    names.forEach((n, i) => {
      if (seen.has(n.text)) known!.delete(n.text);
      else if (values.length === names.length && values[i].type === 'int_literal' && /^\d+$/.test(values[i].text)) known!.set(n.text, Number(values[i].text));
      seen.add(n.text);
    });
  }
  intConstantsOfTree.set(node.tree, known);
  return known;
}

function rangesOverOne(range: Node): boolean {
  const right = range.childForFieldName('right');
  if (right?.type === 'composite_literal') return sliceLiteralOfOne(right);
  // `for range 1`, or over an int the file or function fixes at 1 (Go 1.22's range over an integer).
  if (right?.type === 'int_literal') return right.text === '1';
  if (right?.type === 'identifier' && (intConstants(range).get(right.text) ?? fixedLocalInt(range, right.text)) === 1) return true;
  const value = right?.type === 'identifier' ? fixedLocalValue(range, right.text) : undefined;
  return value?.type === 'composite_literal' && sliceLiteralOfOne(value);
}

/**
 * The value of a local `name := value` that the function around `at` declares once and never
 * assigns again, appends to or takes the address of.
 */
function fixedLocalValue(at: Node, name: string): Node | undefined {
  const fn = functionAround(at);
  if (!fn) return undefined;
  const escaped = escapeRegExp(name);
  const text = fn.text;
  if ((text.match(new RegExp(`(?<![\\w.])${escaped}\\s*:=`, 'g'))?.length ?? 0) !== 1) return undefined;
  if (new RegExp(`${changesOf(escaped)}|\\bvar\\s+${escaped}\\b`).test(text)) return undefined;
  const decl = fn.descendantsOfType('short_var_declaration').find((d) => {
    const left = d.childForFieldName('left')?.namedChildren ?? [];
    return left.length === 1 && left[0].text === name;
  });
  const value = decl?.childForFieldName('right')?.namedChildren ?? [];
  return value.length === 1 ? value[0] : undefined;
}

/** A pattern of what may change a variable's value in source text: an assignment (`x = …`, `x, y = …`, `x += …`), `&x`, `x++`. */
function changesOf(escapedName: string): string {
  const n = escapedName;
  return `(?<![\\w.])${n}\\s*(?:,[^=\\n]*)?(?:[-+*/%&|^]?=(?!=))|&\\s*${n}\\b|(?<![\\w.])${n}\\s*(?:\\+\\+|--)`;
}

/** A local int fixed by its one declaration (`n := 1`, never assigned again). */
function fixedLocalInt(at: Node, name: string): number | undefined {
  const value = fixedLocalValue(at, name);
  return value?.type === 'int_literal' && /^\d+$/.test(value.text) ? Number(value.text) : undefined;
}

/** `[]T{{…}}` or `[1]T{…}`: a slice or array literal with exactly one element. */
function sliceLiteralOfOne(literal: Node): boolean {
  const type = literal.childForFieldName('type')?.type;
  if (type !== 'slice_type' && type !== 'array_type' && type !== 'implicit_length_array_type') return false;
  const body = literal.childForFieldName('body');
  return (body?.namedChildren.filter((c) => c.type !== 'comment').length ?? 0) === 1;
}

/**
 * What the expressions around an identifier say about the access, handed down the walk so no one
 * has to climb back up (asking tree-sitter for a node's parent costs a walk from the root).
 */
interface AccessContext {
  /** Steps between the variable and the outermost expression: ['a', '[]'] for `x.a[i]`. */
  path: string[];
  method?: string;
  write?: boolean;
  appendSelf?: boolean;
  addressTaken?: boolean;
  atomic?: boolean;
  deleted?: boolean;
  rewrittenBy?: string;
  /** A write through a local that reaches another variable's memory (see Access.via). */
  via?: Access['via'];
  /** This expression is the function of a call. */
  callee?: boolean;
}

const NO_CONTEXT: AccessContext = { path: [] };

type Task = { node: Node; scope: Scope; unit: FuncUnit; ctx?: AccessContext } | (() => void);

class ModelBuilder {
  readonly source: string;
  readonly tree: Parser.Tree;
  readonly types = new TypeTable();
  readonly packageScope = new Scope(undefined);
  readonly packageDecls = new Map<string, Decl>();
  readonly refs = new Map<number, Decl>();
  readonly units: FuncUnit[] = [];
  readonly accesses: Access[] = [];
  readonly byDecl = new Map<Decl, Access[]>();
  readonly functions: Node[] = [];
  private readonly funcNodes = new Map<string, Node>();
  private readonly funcResults = new Map<string, TypeRef[]>();

  /** The other files of the package: their functions' result types are known here too. */
  private siblings: readonly ModelBuilder[] = [];
  packageSources: readonly string[] = [];

  /** The declared result types of a function of this package, by name. */
  private resultsOf(name: string): TypeRef[] | undefined {
    const own = this.ownResultsOf(name);
    if (own) return own;
    for (const sibling of this.siblings) {
      const found = sibling.ownResultsOf(name);
      if (found) return found;
    }
    return undefined;
  }

  private ownResultsOf(name: string): TypeRef[] | undefined {
    let results = this.funcResults.get(name);
    const fn = results === undefined ? this.funcNodes.get(name) : undefined;
    if (fn) this.funcResults.set(name, (results = resultTypes(fn.childForFieldName('result'))));
    return results;
  }

  /** Joins the files of one package, before any body is walked. */
  linkPackage(files: readonly ModelBuilder[], sources: readonly string[]): void {
    this.siblings = files.filter((f) => f !== this);
    this.packageSources = sources;
  }

  /** The name in the file's package clause ('' when it has none). */
  get packageName(): string {
    const clause = this.tree.rootNode.namedChildren.find((c) => c.type === 'package_clause');
    return clause?.namedChildren.find((c) => c.type === 'package_identifier')?.text ?? '';
  }
  /** Func literals that a go statement or a `.Go`/`t.Run`/handler call spawns, by start index. */
  private readonly pendingSpawns = new Map<number, Omit<Spawn, 'parent' | 'loop'>>();
  private readonly detachedLiterals = new Set<number>();
  /** Bodies of func literals: they share the parameters' scope. (Asking a node for its parent costs O(depth).) */
  private readonly literalBodies = new Set<number>();
  /** Method declarations by `Type.name`, and what each does with its receiver's channels. */
  private readonly methodNodes = new Map<string, Node>();
  private readonly channelOps = new Map<string, ChannelOps>();

  /** Declarations by their declaring identifier's start. */
  private readonly declaredAt = new Map<number, Decl>();

  declarationAt(ident: Node): Decl | undefined {
    return this.declaredAt.get(ident.startIndex);
  }

  readonly models: ApiModels;
  readonly imports: Map<string, string>;

  /** Bodies the parse left out (engine/skeleton.ts), by their `{`'s index. */
  readonly skipped: ReadonlySet<number>;

  /** Parses the file (with only the bodies `skeleton` keeps, if given) and collects its package-level declarations. */
  constructor(source: string, models: ApiModels = ApiModels.standard(), skeleton?: SkeletonPlan) {
    this.source = source;
    this.packageSources = [source];
    this.models = models;
    if (skeleton) {
      const parsed = parseSkeleton(source, skeleton.scanned, skeleton.keep);
      this.tree = parsed.tree;
      this.skipped = parsed.skipped;
    } else {
      this.tree = parseGo(source);
      this.skipped = new Set();
    }
    this.imports = importsOf(this.tree.rootNode);
    this.dotImports = dotImportsOf(this.tree.rootNode);
    this.collectPackageLevel(this.tree.rootNode);
  }

  /** Import paths the file imports with `.`: their names are used bare (`Fail`, for ginkgo's). */
  private readonly dotImports: string[];

  /** A call of a function the models say never returns: `os.Exit`, `log.Fatal`, a dot-imported `Fail`. */
  readonly noReturnCall: NoReturnTest = (fnText) => {
    const dot = fnText.indexOf('.');
    if (dot < 0) return this.dotImports.some((path) => this.models.packageFunc(path, '', fnText)?.noReturn === true) || this.exitsAlways(fnText);
    const alias = fnText.slice(0, dot);
    return this.models.packageFunc(this.imports.get(alias), alias, fnText.slice(dot + 1))?.noReturn === true;
  };

  private readonly exitsMemo = new Map<string, boolean>();

  private readonly receivesMemo = new Map<string, boolean>();

  /**
   * Whether the package function `name` returns a nil error only after a receive from its parameter
   * `argIndex`: `select { case <-ctx.Done(): return nil, ctx.Err(); case p := <-in: return p, nil }`.
   * Read from the body's text: a skeleton parse may have left its statements out of the tree.
   */
  receivesBeforeSuccess(name: string, argIndex: number): boolean {
    const key = `${name}/${argIndex}`;
    let known = this.receivesMemo.get(key);
    if (known === undefined) {
      const owner = [this, ...this.siblings].find((b) => b.funcNodes.has(name));
      const fn = owner?.funcNodes.get(name);
      const body = fn?.childForFieldName('body');
      const param = fn ? parameterNames(fn.childForFieldName('parameters'))[argIndex] : undefined;
      const results = fn?.childForFieldName('result')?.text ?? '';
      known = !!body && receiveOrFail(param, results, withoutComments(owner!.source.slice(body.startIndex + 1, body.endIndex - 1)));
      this.receivesMemo.set(key, known);
    }
    return known;
  }

  /**
   * A function of the package that never returns: no `return` in its body, which ends in a call that
   * never returns (`func fail(code int, err error) { log.Print(err); os.Exit(code) }`).
   */
  private exitsAlways(name: string): boolean {
    const owner = [this, ...this.siblings].find((b) => b.funcNodes.has(name));
    if (!owner) return false;
    const known = owner.exitsMemo.get(name);
    if (known !== undefined) return known;
    owner.exitsMemo.set(name, false);
    const fn = owner.funcNodes.get(name)!;
    const body = fn.childForFieldName('body');
    const statements = body ? bodyStatements(fn).filter((st) => st.type !== 'comment') : [];
    const last = statements[statements.length - 1];
    const call = last?.type === 'expression_statement' ? last.namedChild(0) : undefined;
    const callee = call?.type === 'call_expression' ? call.childForFieldName('function')?.text : undefined;
    const returns = body?.descendantsOfType('return_statement').some((r) => functionAround(r)?.id === fn.id) ?? true;
    const exits = !returns && callee !== undefined && EXIT_CALLEE.test(callee) && (NO_RETURN_CALL.test(callee) || owner.noReturnCall(callee));
    owner.exitsMemo.set(name, exits);
    return exits;
  }

  /** `pkg` in `pkg.Name`, when it names an imported package rather than a variable. */
  private packageAlias(operand: Node | null, scope: Scope | undefined): string | undefined {
    if (operand?.type !== 'identifier' || this.declOf(operand, scope)) return undefined;
    return operand.text;
  }

  /** The model of `pkg.F` when `pkg` names an imported package (a map lookup: cheap enough for every call). */
  private packageFuncModel(fn: Node, scope: Scope | undefined) {
    const operand = fn.childForFieldName('operand');
    const alias = this.packageAlias(operand, scope);
    return alias === undefined ? undefined : this.models.packageFunc(this.imports.get(alias), alias, fn.childForFieldName('field')?.text ?? '');
  }

  /** How a spawn is ordered with its siblings: a group capped at one, or a semaphore of one slot. */
  private seriality(pending: Omit<Spawn, 'parent' | 'loop'>, unit: FuncUnit, literal: Node, scope: Scope): Pick<Spawn, 'serial' | 'slot'> {
    if (cappedAtOne(pending, unit, this.source)) return { serial: true };
    const slot = slotOfOne(pending, literal, scope, (call) => this.calleeModel(call, scope)?.model, (value) => this.fixedAtOne(value, scope));
    return slot ? { serial: true, slot } : {};
  }

  /** Whether the file calls a function by the name of a models `separatePasses` one; read once. */
  get mayCallSeparatePasses(): boolean {
    if (this.separatePassesNamed === undefined) {
      const names = this.models.entries.flatMap((e) => ('func' in e && e.separatePasses ? [e.func.slice(e.func.lastIndexOf('.') + 1)] : []));
      this.separatePassesNamed = names.some((n) => new RegExp(`\\b${n}\\s*\\(`).test(this.source));
    }
    return this.separatePassesNamed;
  }

  private separatePassesNamed: boolean | undefined;

  /** Whether a call is of a models `separatePasses` function, also dot-imported (`Convey(…)` for goconvey's). */
  separatePassesCall(call: Node): boolean {
    const fn = call.childForFieldName('function');
    if (fn?.type === 'identifier') {
      if (this.funcNodes.has(fn.text) || this.siblings.some((b) => b.funcNodes.has(fn.text))) return false;
      return this.dotImports.some((path) => this.models.packageFunc(path, '', fn.text)?.separatePasses === true);
    }
    return this.calleeModel(call)?.model.separatePasses === true;
  }

  /** The model of the function or method a call calls: by import path and receiver type where known. */
  calleeModel(call: Node, scope?: Scope): FuncMatch | undefined {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'selector_expression') return undefined;
    const operand = fn.childForFieldName('operand');
    const name = fn.childForFieldName('field')?.text ?? '';
    const alias = this.packageAlias(operand, scope);
    if (alias !== undefined) {
      const model = this.models.packageFunc(this.imports.get(alias), alias, name);
      return model ? { model, byNameOnly: false } : undefined;
    }
    let type = this.types.underlying(this.typeOfExpr(operand, scope));
    if (type.kind === 'pointer') type = type.elem;
    const typeName = type.kind === 'named' ? type.name : undefined;
    const typePath = typeName?.includes('.') ? this.imports.get(typeName.slice(0, typeName.indexOf('.'))) : undefined;
    const match = this.models.method(typePath, typeName, name);
    // `pool.Go(f)` on a type of the package whose own Go calls f in place: the name alone says nothing.
    if (match?.byNameOnly && typeName && !typeName.includes('.') && this.callsCallbackInPlace(`${typeName}.${name}`)) return undefined;
    return match;
  }

  /**
   * Whether the package's method `Type.Method` runs its func parameters only by calling them, on the
   * caller's goroutine: no `go` statement, and each parameter used only as `f(…)`, not handed on.
   */
  private callsCallbackInPlace(key: string): boolean {
    const method = [this, ...this.siblings].map((b) => b.methodNodes.get(key)).find((n) => n);
    const body = method?.childForFieldName('body');
    if (!method || !body) return false;
    const funcParams = (method.childForFieldName('parameters')?.namedChildren ?? [])
      .filter((p) => p.type === 'parameter_declaration' && p.childForFieldName('type')?.type === 'function_type')
      .flatMap((p) => p.namedChildren.filter((c) => c.type === 'identifier').map((c) => c.text));
    const text = withoutComments(body.text, true);
    if (funcParams.length === 0 || /(?:^|[^\w.])go\s/.test(text)) return false;
    return funcParams.every((f) => {
      const uses = [...text.matchAll(new RegExp(`(?<![\\w.])${escapeRegExp(f)}(?!\\w)\\s*(.)`, 'g'))];
      return uses.length > 0 && uses.every((m) => m[1] === '(');
    });
  }

  /**
   * The channels a goroutine's body has a library close: `fw.ForwardPorts()` on a value built by a
   * constructor the models say hands a channel argument to that method to close (`closedBy`), made in
   * the body (`fw, err = portforward.New(d, ports, stop, ready, …)`) or by a package function or method
   * that hands its parameter there (`fw, err = f.forwarder(pod, ready)`).
   */
  channelsClosedByLibrary(unit: FuncUnit): string[] {
    const body = unit.body;
    if (!body || this.models.closingMethods.size === 0 || ![...this.models.closingMethods].some((m) => body.text.includes(`.${m}(`))) return [];
    const channels: string[] = [];
    const assignments = [...body.descendantsOfType('assignment_statement'), ...body.descendantsOfType('short_var_declaration')];
    for (const call of body.descendantsOfType('call_expression')) {
      const mc = methodCall(call);
      if (!mc || !this.models.closingMethods.has(mc.method) || mc.receiver.type !== 'identifier') continue;
      for (const st of assignments) {
        const made = onlyCallAssigned(st);
        if (!made || st.startIndex > call.startIndex || st.childForFieldName('left')?.namedChild(0)?.text !== mc.receiver.text) continue;
        const channel = this.closedArgument(made, mc.method);
        if (channel) channels.push(channel);
      }
    }
    return channels;
  }

  /** The argument of the call `made` that `method` of what it builds closes: a modelled constructor's, or one a package function hands its parameter to. */
  private closedArgument(made: Node, method: string): string | undefined {
    const args = callArguments(made);
    const modelled = this.calleeModel(made)?.model.closedBy;
    if (modelled) return modelled.method === method ? args[modelled.arg]?.text : undefined;
    const fn = made.childForFieldName('function');
    const helper =
      fn?.type === 'identifier' ? (this.funcNodes.get(fn.text) ?? this.siblings.map((b) => b.funcNodes.get(fn.text)).find((n) => n))
      : fn?.type === 'selector_expression' ? this.onlyMethodNamed(fn.childForFieldName('field')?.text ?? '')
      : undefined;
    const owner = helper && [this, ...this.siblings].find((b) => b.tree === helper.tree);
    if (!helper || !owner) return undefined;
    const params = paramPositions(helper);
    for (const inner of owner.wholeDeclaration(helper).descendantsOfType('call_expression')) {
      const closedBy = owner.calleeModel(inner)?.model.closedBy;
      const handed = closedBy?.method === method ? callArguments(inner)[closedBy.arg] : undefined;
      const index = handed?.type === 'identifier' ? params.get(handed.text)?.index : undefined;
      if (index !== undefined) return args[index]?.text;
    }
    return undefined;
  }

  /** A modelled constructor's result types (`bytes.NewBuffer` gives *bytes.Buffer). */
  private constructorResults(call: Node, scope: Scope | undefined): TypeRef[] | undefined {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'selector_expression') return undefined;
    const alias = this.packageAlias(fn.childForFieldName('operand'), scope);
    if (alias === undefined) return undefined;
    const model = this.models.packageFunc(this.imports.get(alias), alias, fn.childForFieldName('field')?.text ?? '');
    // Results are spelled with the package's usual name; the file may call it something else.
    const usual = model ? packageNameOf(splitQualified(model.func).path) : alias;
    return model?.results?.map((r) => typeFromSpelling(alias === usual ? r : r.replace(new RegExp(`^(\\*?)${usual}\\.`), `$1${alias}.`)));
  }

  typeModel(type: TypeRef): TypeModel | undefined {
    let t = this.types.underlying(type);
    if (t.kind === 'pointer') t = this.types.underlying(t.elem);
    if (t.kind !== 'named' || !t.name.includes('.')) return undefined;
    return this.models.type(this.imports.get(t.name.slice(0, t.name.indexOf('.'))), t.name);
  }

  /** Test code: a `_test.go` file, or a test app or harness under test/, tests/, e2e/ (see Spawn.sequential). */
  private testCode: 'test-file' | 'test-app' | undefined;

  /** Whether the file is test code (known once build() has run). */
  inTestCode(): boolean {
    return this.testCode !== undefined;
  }

  private selection?: { alsoWalk: WalkChoice['alsoWalk']; lockedMethods: LockedMethods; lockingBodies: LockedMethods; walks: { fn: Node; body: Node; handler: boolean }[] };

  /** The functions build walks. (A skeleton parse keeps their bodies: walkCandidates is a superset of this.) */
  private selectWalks(choice: WalkChoice): { fn: Node; body: Node; handler: boolean }[] {
    const { alsoWalk, lockedMethods = 'all', lockingBodies = 'all' } = choice;
    const s = this.selection;
    if (s && s.alsoWalk === alsoWalk && s.lockedMethods === lockedMethods && s.lockingBodies === lockingBodies) return s.walks;
    const mentionsHandlers = this.source.includes('ResponseWriter');
    const mentionsSync = this.source.includes('sync.');
    const walks: { fn: Node; body: Node; handler: boolean }[] = [];
    for (const fn of this.functions) {
      const body = fn.childForFieldName('body');
      // Methods by the models (ServeHTTP, RoundTrip, …); plain functions by the http.HandlerFunc signature.
      const handler = this.implementsConcurrentMethod(fn) || (mentionsHandlers && isHandlerSignature(fn));
      if (!body) continue;
      const text = this.source.slice(body.startIndex, body.endIndex);
      // Cheapest questions first: a regex on the text before asking the tree about receivers.
      const interesting =
        handler ||
        SPAWNING_BODY.test(text) ||
        (lockingBodies !== 'none' && LOCKING_BODY.test(text) && (lockingBodies === 'all' || lockingBodies(this.functionText(fn, body)))) ||
        this.models.spawningCalls?.test(text) === true ||
        (mentionsSync && lockedMethods !== 'none' && this.isMethodOfLockedStruct(fn) && (lockedMethods === 'all' || lockedMethods(this.functionText(fn, body)))) ||
        alsoWalk?.(this.source.slice(fn.startIndex, fn.endIndex)) === true;
      if (interesting) walks.push({ fn, body, handler });
    }
    this.selection = { alsoWalk, lockedMethods, lockingBodies, walks };
    return walks;
  }

  /** A function's text as the body tests see it before the parse (engine/skeleton.ts). */
  private functionText(fn: Node, body: Node): FunctionText {
    const receiver = fn.childForFieldName('receiver');
    return new FunctionText(this.source, {
      start: fn.startIndex,
      bodyStart: body.startIndex,
      bodyEnd: body.endIndex,
      name: fn.childForFieldName('name')?.text ?? '',
      receiver: receiver ? this.source.slice(receiver.startIndex, receiver.endIndex) : undefined,
    });
  }

  /** Whether build would walk a function whose body the skeleton parse left out. */
  walkNeedsLeftOutBody(choice: WalkChoice): boolean {
    return this.skipped.size > 0 && this.selectWalks(choice).some((w) => this.skipped.has(w.body.startIndex));
  }

  build(choice: WalkChoice & { path?: string }): void {
    const path = choice.path ?? '';
    this.testCode = path.endsWith('_test.go') ? 'test-file' : TEST_APP_DIR.test(path) || TEST_HARNESS_FILE.test(path) ? 'test-app' : undefined;
    for (const { fn, handler } of this.selectWalks(choice)) this.walkFunction(fn, handler);
    this.markDeferredJoins();
    this.chainGroupJoins();
  }

  /**
   * Joins inside a deferred closure of their thread happen at its exit, like `defer wg.Wait()`. A
   * `defer wg.Wait()` of a func literal called on the spot happens when that call returns.
   */
  private markDeferredJoins(): void {
    for (const u of this.units) {
      if (u.thread === u) {
        for (const j of u.joins) if (j.deferred) j.exitAt = this.inPlaceCallEnd(j.pos);
        continue;
      }
      if (u.node.type !== 'func_literal' || u.node.parent?.parent?.type !== 'defer_statement') continue;
      for (const j of u.thread.joins) if (!j.deferred && !j.deferredIn && j.pos >= u.node.startIndex && j.pos < u.node.endIndex) j.deferredIn = u.node;
    }
  }

  /**
   * Where the call returns of the func literal whose body's own `defer` statement is at `pos`, when
   * the literal is called on the spot (`err := func() error {…}()`).
   */
  private inPlaceCallEnd(pos: number): number | undefined {
    let stmt: Node | null = this.tree.rootNode.descendantForIndex(pos);
    while (stmt && stmt.type !== 'defer_statement') stmt = stmt.parent;
    const literal = stmt?.parent?.type === 'statement_list' ? stmt.parent.parent?.parent : undefined;
    const call = literal?.type === 'func_literal' ? literal.parent : undefined;
    if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== literal!.id) return undefined;
    return call.parent?.type === 'go_statement' || call.parent?.type === 'defer_statement' ? undefined : call.endIndex;
  }

  /**
   * A goroutine that waits for a group (`stream.Wait()` inside `outer.Go(func…)`) ends after that
   * group's goroutines started before it: the join that waits for it waits for them too.
   */
  private chainGroupJoins(): void {
    for (const u of this.units) {
      const t = u.spawn;
      const site = t?.site;
      const parent = t?.parent?.thread;
      if (!t || !site || !parent || u.thread !== u || (t.kind !== 'go' && t.kind !== 'group')) continue;
      const waited = new Set(u.joins.filter((j) => j.group && j.scopeEnd === undefined && !j.orders).map((j) => j.group!));
      if (waited.size === 0) continue;
      for (const j of [...parent.joins]) {
        if (j.pos < site.endIndex || j.scopeEnd !== undefined || (t.kind === 'group' && j.group !== t.group) || (j.orders && !j.orders(t))) continue;
        for (const group of waited) {
          if (group === j.group) continue;
          const orders = (s: Spawn) => s.kind === 'group' && s.group === group && !!s.site && s.site.startIndex < site.startIndex;
          parent.joins.push({ ...j, waitsFor: group, orders });
        }
      }
    }
  }

  /**
   * A method the models say a library calls concurrently, many calls at once, on values it is
   * handed (an http.RoundTripper's RoundTrip, a prometheus.Collector's Collect).
   */
  private implementsConcurrentMethod(fn: Node): boolean {
    if (fn.type !== 'method_declaration') return false;
    const name = fn.childForFieldName('name')?.text ?? '';
    return !!this.models.implementation(name, () => {
      const types: string[] = [];
      for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
        if (p.type !== 'parameter_declaration' && p.type !== 'variadic_parameter_declaration') continue;
        // Qualify each package name with its import path: `*http.Request` -> `*net/http.Request`.
        const text = (p.childForFieldName('type')?.text ?? '').replace(/\b([A-Za-z_]\w*)\.([A-Z]\w*)/g, (_m, alias: string, n: string) => `${this.imports.get(alias) ?? alias}.${n}`);
        const spelled = p.type === 'variadic_parameter_declaration' ? `...${text}` : text;
        for (let i = 0; i < Math.max(1, fieldChildren(p, 'name').length); i++) types.push(spelled);
      }
      return types;
    });
  }

  /** Methods of a struct that holds a mutex: lock-guard inference needs every one of them. */
  private isMethodOfLockedStruct(fn: Node): boolean {
    if (fn.type !== 'method_declaration') return false;
    const receiver = fn.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
    const type = typeFromNode(receiver?.childForFieldName('type'));
    return mutexFieldsOf(this.types, type).length > 0;
  }

  private declare(scope: Scope, ident: Node, kind: DeclKind, type: TypeRef, extra: Partial<Decl> = {}): Decl | undefined {
    if (ident.text === '_' || ident.text === '') return undefined;
    const decl: Decl = { name: ident.text, node: ident, kind, packageLevel: scope === this.packageScope, type, ...extra };
    scope.names.set(decl.name, decl);
    this.declaredAt.set(ident.startIndex, decl);
    return decl;
  }

  private collectPackageLevel(root: Node): void {
    for (const node of root.namedChildren) {
      switch (node.type) {
        case 'function_declaration': {
          this.functions.push(node);
          // Result types are read when a call needs them; the function itself is no variable, so
          // it is not declared (a name that resolves to nothing records no access either).
          const name = node.childForFieldName('name');
          if (name) this.funcNodes.set(name.text, node);
          break;
        }
        case 'method_declaration':
          this.functions.push(node);
          this.collectMethod(node);
          break;
        case 'type_declaration':
          this.collectTypes(node);
          break;
        case 'var_declaration':
          for (const spec of this.specsOf(node)) this.declareSpec(spec, this.packageScope, false);
          break;
        // Package-level constants are left undeclared: a name that resolves to nothing is not a
        // variable either, and generated files hold thousands of them (opcode and error tables).
      }
    }
    for (const d of this.packageScope.names.values()) this.packageDecls.set(d.name, d);
  }

  /** A method's receiver type, for the method sets of the file's types. */
  private collectMethod(node: Node): void {
    const name = node.childForFieldName('name')?.text;
    // Method sets say which types are locks (a pointer with Lock and Unlock) and which methods copy their receiver.
    const receiver = node.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
    let type = typeFromNode(receiver?.childForFieldName('type'));
    const pointerReceiver = type.kind === 'pointer';
    if (type.kind === 'pointer') type = type.elem;
    if (!name || type.kind !== 'named') return;
    this.methodNodes.set(`${type.name}.${name}`, node);
    const params = node.childForFieldName('parameters')?.namedChildren.filter((c) => c.type !== 'comment').length ?? 0;
    this.types.declareMethod(type.name, name, { pointerReceiver, params });
  }

  private collectTypes(node: Node): void {
    for (const spec of node.namedChildren) {
      if (spec.type !== 'type_spec' && spec.type !== 'type_alias') continue;
      const name = spec.childForFieldName('name');
      if (name) this.types.declare(name.text, () => typeFromNode(spec.childForFieldName('type')));
    }
  }

  private specsOf(decl: Node): Node[] {
    const specs: Node[] = [];
    for (const child of decl.namedChildren) {
      if (child.type === 'var_spec' || child.type === 'const_spec') specs.push(child);
      else if (child.type === 'var_spec_list' || child.type === 'const_spec_list') {
        for (const s of child.namedChildren) if (s.type === 'var_spec' || s.type === 'const_spec') specs.push(s);
      }
    }
    return specs;
  }

  private declareSpec(spec: Node, scope: Scope, isConst: boolean): void {
    const names = fieldChildren(spec, 'name');
    const declared = typeFromNode(spec.childForFieldName('type'));
    const values = spec.childForFieldName('value')?.namedChildren ?? [];
    names.forEach((ident, i) => {
      const init = values.length === names.length ? values[i] : undefined;
      let type = declared;
      if (type.kind === 'unknown') type = values.length === names.length ? this.typeOfExpr(init, scope) : this.resultTypeAt(values[0], i, scope);
      this.declare(scope, ident, isConst ? 'const' : 'var', type, init ? { init } : {});
    });
  }

  private resultTypeAt(expr: Node | undefined, index: number, scope: Scope): TypeRef {
    // `v, ok := m[k]`, `v, ok := x.(T)`: the first name takes the value.
    if (expr && expr.type !== 'call_expression') return index === 0 ? this.typeOfExpr(expr, scope) : UNKNOWN;
    if (!expr) return UNKNOWN;
    const callee = expr.childForFieldName('function')?.text ?? '';
    const known = this.constructorResults(expr, scope) ?? this.resultsOf(callee);
    if (known) return known[index] ?? UNKNOWN;
    void scope;
    return UNKNOWN;
  }

  /**
   * The declaration an identifier names: during the walk, by its scope; afterwards by what the walk
   * resolved, its own declaration for a declaring identifier, or else the package scope (package
   * variables' initializers are not walked).
   */
  private declOf(ident: Node, scope: Scope | undefined): Decl | undefined {
    const d = this.refs.get(ident.startIndex);
    if (d) return d;
    if (scope) return scope.lookup(ident.text);
    return this.declaredAt.get(ident.startIndex) ?? this.packageScope.lookup(ident.text);
  }

  /** The element type of a slice or array, or of an array through a pointer (`p[i]`, `range p`), or a map's value. */
  private elemType(container: TypeRef): TypeRef {
    let t = this.types.underlying(container);
    if (t.kind === 'map') return t.value ?? UNKNOWN;
    if (t.kind === 'pointer') {
      t = this.types.underlying(t.elem);
      if (t.kind !== 'array') return UNKNOWN;
    }
    return t.kind === 'slice' || t.kind === 'array' ? t.elem : UNKNOWN;
  }

  typeOfExpr(expr: Node | null | undefined, scope?: Scope): TypeRef {
    if (!expr) return UNKNOWN;
    switch (expr.type) {
      case 'composite_literal':
        return typeFromNode(expr.childForFieldName('type'));
      case 'parenthesized_expression':
        return this.typeOfExpr(expr.namedChild(0), scope);
      case 'unary_expression': {
        const operand = expr.childForFieldName('operand');
        const op = operatorOf(expr);
        if (op === '&') return { kind: 'pointer', elem: this.typeOfExpr(operand, scope) };
        if (op === '*') {
          const t = this.types.underlying(this.typeOfExpr(operand, scope));
          return t.kind === 'pointer' ? t.elem : UNKNOWN;
        }
        return UNKNOWN;
      }
      case 'identifier':
        return this.declOf(expr, scope)?.type ?? UNKNOWN;
      case 'selector_expression': {
        const operand = expr.childForFieldName('operand');
        const field = expr.childForFieldName('field')?.text ?? '';
        if (operand?.type === 'identifier' && !this.declOf(operand, scope)) {
          return named(expr.text); // a package-qualified name
        }
        return this.types.fieldType(this.typeOfExpr(operand, scope), field);
      }
      case 'index_expression':
        return this.elemType(this.typeOfExpr(expr.childForFieldName('operand'), scope));
      case 'type_assertion_expression':
        return typeFromNode(expr.childForFieldName('type'));
      case 'call_expression': {
        const fn = expr.childForFieldName('function');
        const callee = fn?.text ?? '';
        const args = callArguments(expr);
        if (callee === 'new' && args[0]) return { kind: 'pointer', elem: typeFromNode(args[0]) };
        if (callee === 'make' && args[0]) return typeFromNode(args[0]);
        return this.resultTypeAt(expr, 0, scope ?? this.packageScope);
      }
      case 'func_literal':
        return { kind: 'func', results: resultTypes(expr.childForFieldName('result')) };
      default:
        return UNKNOWN;
    }
  }

  private declareParams(list: Node | null, scope: Scope, kind: DeclKind): void {
    for (const param of list?.namedChildren ?? []) {
      if (param.type !== 'parameter_declaration' && param.type !== 'variadic_parameter_declaration') continue;
      let type = typeFromNode(param.childForFieldName('type'));
      if (param.type === 'variadic_parameter_declaration') type = { kind: 'slice', elem: type };
      for (const name of fieldChildren(param, 'name')) this.declare(scope, name, kind, type);
    }
  }

  private newUnit(node: Node, parent: FuncUnit | undefined, spawn: Spawn | undefined, detached = false): FuncUnit {
    const unit = { node, body: node.childForFieldName('body'), parent, spawn, joins: [], detached } as unknown as FuncUnit;
    unit.thread = spawn || detached || !parent ? unit : parent.thread;
    this.units.push(unit);
    return unit;
  }

  private walkFunction(fn: Node, handler: boolean): void {
    const scope = new Scope(this.packageScope);
    // A named handler in a test file answers that file's tests; in a test app, a driver elsewhere.
    const sequential = this.testCode === 'test-app' || (this.testCode === 'test-file' && !this.testsStartGoroutines());
    const unit = this.newUnit(fn, undefined, handler ? { kind: 'handler', ...(sequential ? { sequential } : {}) } : undefined);
    if (fn.type === 'method_declaration') this.declareParams(fn.childForFieldName('receiver'), scope, 'receiver');
    this.declareParams(fn.childForFieldName('parameters'), scope, 'param');
    this.declareParams(fn.childForFieldName('result'), scope, 'result');
    const body = fn.childForFieldName('body');
    if (body) this.run([{ node: body, scope, unit }], true);
  }

  /** The iterative walk: deep nesting must not overflow the JS stack. */
  private run(initial: Task[], bodyShareScope: boolean): void {
    const stack: Task[] = [...initial].reverse();
    let first = bodyShareScope;
    // The current task's scope and unit: defaults for the helpers below, which are made once.
    let curScope!: Scope;
    let curUnit!: FuncUnit;
    const push = (tasks: Task[]) => {
      for (let i = tasks.length - 1; i >= 0; i--) stack.push(tasks[i]);
    };
    const visit = (n: Node | null | undefined, s: Scope = curScope, u: FuncUnit = curUnit): Task[] => (n ? [{ node: n, scope: s, unit: u }] : []);
    // Literals, comments and types hold no variable: don't queue them.
    const visitAll = (ns: Node[], s: Scope = curScope, u: FuncUnit = curUnit): Task[] => {
      const tasks: Task[] = [];
      for (const n of ns) if (!INERT_NODES.has(n.type)) tasks.push({ node: n, scope: s, unit: u });
      return tasks;
    };
    const within = (n: Node | null | undefined, ctx: AccessContext): Task[] => (n ? [{ node: n, scope: curScope, unit: curUnit, ctx }] : []);
    /**
     * A list's statements from `from` on. What follows `t.SkipNow()`, `panic(…)` or `os.Exit(1)` never
     * runs, unless a label after it is jumped to: each call statement is read once the ones before it
     * have declared their names, and the rest is queued only if it lets the list go on.
     */
    const visitStatements = (statements: Node[], from: number, lastLabel: number, s: Scope, u: FuncUnit): Task[] => {
      const tasks: Task[] = [];
      for (let k = from; k < statements.length; k++) {
        const st = statements[k];
        if (INERT_NODES.has(st.type)) continue;
        tasks.push({ node: st, scope: s, unit: u });
        if (k + 1 < statements.length && mayEndFlow(st)) {
          tasks.push(() => {
            if (!this.endsFlow(st, s) || lastLabel > k) push(visitStatements(statements, k + 1, lastLabel, s, u));
          });
          break;
        }
      }
      return tasks;
    };
    while (stack.length > 0) {
      const task = stack.pop()!;
      if (typeof task === 'function') {
        task();
        continue;
      }
      const { node, scope, unit, ctx } = task;
      curScope = scope;
      curUnit = unit;
      const isBody = first;
      first = false;

      switch (node.type) {
        case 'identifier':
          this.reference(node, scope, unit, ctx ?? NO_CONTEXT);
          break;
        case 'field_identifier':
        case 'type_identifier':
        case 'package_identifier':
        case 'label_name':
        case 'comment':
        case 'interpreted_string_literal':
        case 'raw_string_literal':
        case 'int_literal':
        case 'float_literal':
        case 'rune_literal':
          break;
        case 'block': {
          // A function's own body shares the parameters' scope.
          const inner = isBody || this.literalBodies.has(node.startIndex) ? scope : new Scope(scope);
          push(visitAll(node.namedChildren, inner));
          break;
        }
        case 'func_literal': {
          const pending = this.pendingSpawns.get(node.startIndex);
          // A literal a factory returns is started where the factory is called, in a unit around the factory.
          let starter = unit;
          while (pending?.site && starter.parent && (pending.site.startIndex < starter.node.startIndex || pending.site.endIndex > starter.node.endIndex)) starter = starter.parent;
          const spawn: Spawn | undefined = pending
            ? { ...pending, parent: starter, loop: pending.site ? repeatingLoopBetween(pending.site, starter.node, (ident) => scope.lookup(ident.text), (collection, labels) => this.distinctValues(collection, labels, scope)) : undefined, ...this.seriality(pending, starter, node, scope) }
            : undefined;
          const child = this.newUnit(node, unit, spawn, !spawn && (this.detachedLiterals.has(node.startIndex) || handedOnBySpawned(node, unit)));
          const s = new Scope(scope);
          this.declareParams(node.childForFieldName('parameters'), s, 'param');
          this.declareParams(node.childForFieldName('result'), s, 'result');
          const body = node.childForFieldName('body');
          if (body) this.literalBodies.add(body.startIndex);
          push(visit(body, s, child));
          break;
        }
        case 'return_statement': {
          // `return v, nil` sets the function's named results (a write of each, after its values are
          // read); a bare `return` hands them to the caller as they are (a read).
          const named = parameterNames(unit.node.childForFieldName('result'));
          const keyword = node.child(0);
          const write = node.namedChildCount > 0;
          // `return a, b, eg.Wait()` with results named a and b hands them on unchanged: the caller
          // reads them, once the values (the Wait included) are done, as after a bare return.
          const values = node.namedChild(0)?.type === 'expression_list' ? node.namedChild(0)!.namedChildren : node.namedChildren;
          const unchanged = new Set(values.length === named.length ? named.filter((n, i) => values[i].type === 'identifier' && values[i].text === n) : []);
          let end: Node = node;
          while (end.lastChild) end = end.lastChild;
          push([
            ...visitAll(values.filter((v) => !(v.type === 'identifier' && unchanged.has(v.text)))),
            () => {
              for (const name of named) {
                const decl = scope.lookup(name);
                if (decl?.kind === 'result' && keyword) this.recordAccess(end, decl, unit, { path: [], write: write && !unchanged.has(name) });
              }
            },
          ]);
          break;
        }
        case 'go_statement': {
          const call = node.namedChild(0);
          const fn = call?.childForFieldName('function');
          // `go func(i int) func() { return func() {…} }(i)()`: the factory runs here, what it returns in the goroutine.
          const literal = fn?.type === 'func_literal' ? fn : returnedLiteral(fn);
          if (call && literal) this.pendingSpawns.set(literal.startIndex, { kind: 'go', site: node });
          push(visitAll(node.namedChildren));
          break;
        }
        case 'call_expression': {
          // Every call passes here: ask tree-sitter for each part once (each question is a native call).
          const fn = node.childForFieldName('function');
          const args = callArguments(node);
          const fnText = fn?.text ?? '';
          const selected = fn?.type === 'selector_expression' ? fn.childForFieldName('field')?.text : undefined;
          const atomicCall = fnText.startsWith('atomic.');
          if (selected !== undefined && args.length === 0 && (selected === 'Wait' || this.models.joinMethods.has(selected))) this.noteJoin(node, unit);
          else if (fn?.type === 'identifier') {
            this.noteLocalFuncJoins(node, fn, scope, unit);
            if (args.length > 0) {
              const callee = this.packageFunc(fn, scope);
              this.noteArgumentJoin(node, callee, args, unit);
              const owner = callee && [this, ...this.siblings].find((b) => b.funcNodes.get(fn.text) === callee);
              if (owner) this.notePipeRead(node, fn, undefined, args, scope, unit, owner.streamParamsRead(callee!));
            }
          } else if (selected && this.mayWait(selected)) {
            this.noteMethodJoin(node, fn!, selected, scope, unit);
            if (args.length > 0) this.noteArgumentJoin(node, this.onlyMethodNamed(selected) ?? this.methodsWaitingAlike(selected), args, unit);
          }
          if (selected && args.length === 0 && this.models.waitingMethods.has(selected)) this.noteModelledWait(node, fn!, selected, scope, unit);
          if (args.some((a) => a.type === 'unary_expression')) this.noteGroupHelperJoin(node, args, scope, unit);
          // A server's run (by name), or a call the models say runs until its context is done (`mgr.Start(ctx)`).
          const untilDone = selected && this.models.untilDoneFuncs.has(selected) ? this.calleeModel(node, scope)?.model.runsUntilDone : undefined;
          if (untilDone !== undefined) this.noteServeJoin(node, fn!, args.slice(untilDone, untilDone + 1), scope, unit);
          else if (selected && SERVE_METHOD.test(selected)) this.noteServeJoin(node, fn!, args, scope, unit);
          if (selected) this.notePipeRead(node, fn!, selected, args, scope, unit);
          if (selected && this.models.drainingFuncs.has(selected)) this.noteModelledDrain(node, args, scope, unit);
          if (selected && this.models.receivingFuncs.has(selected)) this.noteModelledReceive(node, fn!, args, scope, unit);
          else if (selected && args.length > 0) this.noteForeignHandOff(node, fn!, args, scope, unit);
          let match: FuncMatch | undefined;
          let matched = false;
          for (const given of args) {
            // `g.Go(func(i int) func() error { return func() error {…} }(i))`: the factory runs here, the literal it returns is the callback.
            const arg = given.type === 'func_literal' ? given : returnedLiteral(given);
            if (!arg) continue;
            if (!matched) [match, matched] = [this.calleeModel(node, scope), true];
            const index = args.indexOf(given);
            if (['async', 'cleanup'].includes(callbackModeOf(match?.model, index))) this.detachedLiterals.add(arg.startIndex);
            const spawn = spawnOfLiteralArgument(node, index, arg, match);
            if (spawn?.kind === 'handler' && this.testCode && !this.startsGoroutines(unit)) spawn.sequential = true;
            if (spawn?.kind === 'handler' && doneOnceFor(arg, rootOf(unit).node)) spawn.once = true;
            if (spawn && spawn.kind !== 'handler' && this.signalsResultOf(fn, index)) spawn.signalsResult = true;
            if (spawn) this.pendingSpawns.set(arg.startIndex, spawn);
            // The call returns only after the callback's last run: the caller's thread joins it there.
            if (spawn?.awaitedBy) unit.thread.joins.push({ pos: node.endIndex, end: node.endIndex, group: spawn.group, deferred: false });
          }
          // A package function the models say writes a slice argument (sort.Slice, slices.Sort)
          // writes its elements.
          const writes = selected && args.length > 0 ? this.packageFuncModel(fn!, scope)?.writes : undefined;
          const writesElements = (arg: Node, i: number) =>
            namesArg(writes, i) && (arg.type === 'identifier' || arg.type === 'selector_expression') && this.types.underlying(this.typeOfExpr(arg, scope)).kind === 'slice';
          push([
            ...within(fn, { path: [], callee: true }),
            ...args.flatMap((arg, i) =>
              fnText === 'delete' && i === 0
                ? within(arg, { path: [], deleted: true })
                : atomicCall
                  ? within(arg, { path: [], atomic: true })
                  : writes && writesElements(arg, i)
                    ? within(arg, { path: ['[]'], write: true, rewrittenBy: fnText })
                    : this.fieldsReadThrough(fn, arg, i, scope)?.flatMap((field) => within(arg.childForFieldName('operand'), { path: [field] })) ?? visit(arg),
            ),
          ]);
          break;
        }
        case 'unary_expression': {
          const op = operatorOf(node);
          if (op === '<-' && isCompletionReceive(node)) this.addReceiveJoin(unit, node, scope);
          else if (op === '<-') {
            this.noteCancelJoin(node, scope, unit);
            this.noteReturnedChannelJoin(node, scope, unit);
            this.noteLocalFuncChannelJoin(node, scope, unit);
            this.noteGroupChannelJoin(node, scope, unit);
          }
          const operand = node.childForFieldName('operand');
          push(op === '&' ? within(operand, { ...(ctx ?? NO_CONTEXT), callee: false, addressTaken: true }) : visit(operand));
          break;
        }
        case 'defer_statement':
          push(visitAll(node.namedChildren));
          break;
        case 'send_statement':
          this.noteUnbufferedSend(node, scope, unit);
          push(visitAll(node.namedChildren));
          break;
        case 'short_var_declaration': {
          const left = node.childForFieldName('left')?.namedChildren ?? [];
          const right = node.childForFieldName('right')?.namedChildren ?? [];
          if (left.length === right.length) {
            right.forEach((value, i) => {
              const site = value.type === 'func_literal' && left[i].type === 'identifier' ? onlyStartedBy(left[i], unit.node) : undefined;
              if (site) this.pendingSpawns.set(value.startIndex, { kind: 'go', site });
            });
          }
          push([
            ...visitAll(right),
            () => {
              left.forEach((ident, i) => {
                if (ident.type !== 'identifier') return;
                if (scope.names.has(ident.text)) {
                  this.reference(ident, scope, unit, { path: [], write: true });
                  return;
                }
                const init = right.length === left.length ? right[i] : undefined;
                const type = init ? this.typeOfExpr(init, scope) : this.resultTypeAt(right[0], i, scope);
                this.declare(scope, ident, 'var', type, init ? { init } : right.length === 1 ? { results: right[0] } : {});
              });
            },
          ]);
          break;
        }
        case 'var_declaration':
        case 'const_declaration': {
          const specs = this.specsOf(node);
          const isConst = node.type === 'const_declaration';
          for (let i = specs.length - 1; i >= 0; i--) {
            const spec = specs[i];
            stack.push(() => this.declareSpec(spec, scope, isConst));
            const values = spec.childForFieldName('value')?.namedChildren ?? [];
            for (let j = values.length - 1; j >= 0; j--) stack.push({ node: values[j], scope, unit });
          }
          break;
        }
        case 'type_declaration':
          this.collectTypes(node);
          break;
        case 'assignment_statement': {
          const left = node.childForFieldName('left')?.namedChildren ?? [];
          const right = node.childForFieldName('right')?.namedChildren ?? [];
          // `err = informers.Start(context.Background())` never gets to assign.
          if (right.length === 1 && this.runsForever(right[0], scope)) {
            push(visit(right[0]));
            break;
          }
          const targets = left.flatMap((l, i) => {
            const r = right[i];
            const appendSelf =
              l.type === 'identifier' &&
              r?.type === 'call_expression' &&
              r.childForFieldName('function')?.text === 'append' &&
              callArguments(r)[0]?.text === l.text;
            return within(l, { path: [], write: true, appendSelf });
          });
          push([...visitAll(right), ...targets]);
          break;
        }
        case 'inc_statement':
        case 'dec_statement':
          push(node.namedChildren.flatMap((c) => within(c, { path: [], write: true })));
          break;
        case 'for_statement': {
          const s = new Scope(scope);
          const range = node.namedChildren.find((c) => c.type === 'range_clause');
          const clause = node.namedChildren.find((c) => c.type === 'for_clause');
          const body = node.childForFieldName('body');
          if (range) {
            const left = range.childForFieldName('left')?.namedChildren ?? [];
            const right = range.childForFieldName('right');
            const defines = range.children.some((c) => c.type === ':=');
            push([
              ...visit(right),
              () => {
                if (this.isChannel(right, scope)) {
                  this.addJoin(unit, range, undefined);
                  if (right?.type === 'identifier') this.addClosedRangeJoin(unit, range, [right.text]);
                } else this.noteStageRange(unit, range, right, scope);
                const elem = this.rangeElemType(right, scope);
                left.forEach((ident, i) => {
                  if (defines && ident.type === 'identifier') {
                    this.declare(s, ident, 'range', i === 1 ? elem : UNKNOWN, { loop: node });
                  }
                });
                if (!defines) for (const l of left) stack.push({ node: l, scope, unit, ctx: { path: [], write: true } });
              },
              ...visit(body, s),
            ]);
            // The visits of non-defining left sides are pushed by the callback, after the body task,
            // so they run before it: order within a for header does not matter for the model.
          } else if (clause) {
            const init = clause.childForFieldName('initializer');
            push([
              ...visit(init, s),
              () => {
                for (const d of s.names.values()) d.loop = node;
              },
              ...visit(clause.childForFieldName('condition'), s),
              ...visit(clause.childForFieldName('update'), s),
              ...visit(body, s),
            ]);
          } else {
            this.noteFlagLoop(node, unit, scope);
            this.noteClosedLoop(node, unit);
            push(visitAll(node.namedChildren, s));
          }
          break;
        }
        case 'if_statement': {
          // `if false { … }` (or `if false && …`) is code switched off: what it would start or touch never runs.
          const condition = node.childForFieldName('condition');
          const off = alwaysFalse(condition) || this.notOkFromOpenChannel(node, condition, scope) || lengthsDiffer(condition, (name) => scope.lookup(name)) ? node.childForFieldName('consequence') : null;
          // `if err = informers.Start(context.Background()); err != nil { … }`: only the initializer runs.
          const init = node.childForFieldName('initializer');
          if (init && this.endsFlow(init, scope)) push(visit(init, new Scope(scope)));
          else push(visitAll(off ? node.namedChildren.filter((c) => c.id !== off.id) : node.namedChildren, new Scope(scope)));
          break;
        }
        case 'expression_switch_statement':
        case 'select_statement':
          push(visitAll(node.namedChildren, new Scope(scope)));
          break;
        case 'expression_case':
        case 'default_case':
        case 'type_case':
          push(visitAll(node.namedChildren, new Scope(scope)));
          break;
        case 'type_switch_statement': {
          const s = new Scope(scope);
          const alias = node.childForFieldName('alias')?.namedChildren ?? [];
          const tasks: Task[] = [];
          for (const child of node.namedChildren) {
            if (child.type === 'expression_list' && alias.length > 0 && child.startIndex === alias[0].parent?.startIndex) continue;
            if (child.type === 'type_case' || child.type === 'default_case') {
              const caseScope = new Scope(s);
              for (const a of alias) this.declare(caseScope, a, 'var', UNKNOWN);
              tasks.push(...visitAll(child.namedChildren, caseScope));
            } else {
              tasks.push(...visit(child, s));
            }
          }
          push(tasks);
          break;
        }
        case 'communication_case': {
          // `case <-ctx.Done():` where every caller passes context.Background(): it never runs.
          if (this.neverFires(node, scope, unit)) break;
          const s = new Scope(scope);
          const comm = node.childForFieldName('communication');
          const rest = node.namedChildren.filter((c) => c.startIndex !== comm?.startIndex);
          if (comm?.type === 'receive_statement' && comm.children.some((c) => c.type === ':=')) {
            const left = comm.childForFieldName('left')?.namedChildren ?? [];
            push([
              ...visit(comm.childForFieldName('right')),
              () => {
                for (const l of left) if (l.type === 'identifier') this.declare(s, l, 'var', UNKNOWN);
              },
              ...visitAll(rest, s),
            ]);
          } else if (comm?.type === 'receive_statement') {
            // `case err = <-errc:` assigns what it receives.
            const left = comm.childForFieldName('left')?.namedChildren ?? [];
            push([...visit(comm.childForFieldName('right')), ...left.flatMap((l) => within(l, { path: [], write: true })), ...visitAll(rest, s)]);
          } else {
            push([...visit(comm), ...visitAll(rest, s)]);
          }
          break;
        }
        case 'keyed_element': {
          // A struct literal's keys are field names, not variables.
          const [k, v] = node.namedChildren;
          const keyIsName = k?.type === 'literal_element' && k.namedChild(0)?.type === 'identifier';
          push([...(keyIsName ? [] : visit(k)), ...visit(v)]);
          break;
        }
        case 'selector_expression': {
          const field = node.childForFieldName('field')?.text ?? '';
          const operand = node.childForFieldName('operand');
          // `x.a.M()`: M is the method called on x.a; otherwise the field is one more step of the path.
          const inner: AccessContext = ctx?.callee ? { path: [], method: field } : { ...(ctx ?? NO_CONTEXT), path: [field, ...(ctx?.path ?? [])] };
          push(within(operand, inner));
          break;
        }
        case 'index_expression': {
          const inner: AccessContext = { ...(ctx ?? NO_CONTEXT), callee: false, path: ['[]', ...(ctx?.path ?? [])] };
          push([...within(node.childForFieldName('operand'), inner), ...visit(node.childForFieldName('index'))]);
          break;
        }
        case 'parenthesized_expression':
          push(node.namedChildren.flatMap((c) => within(c, ctx ?? NO_CONTEXT)));
          break;
        case 'labeled_statement':
          push(visitAll(node.namedChildren.filter((c) => c.type !== 'label_name')));
          break;
        case 'statement_list': {
          const statements = node.namedChildren;
          let lastLabel = -1;
          statements.forEach((st, k) => {
            if (st.type === 'labeled_statement') lastLabel = k;
          });
          push(visitStatements(statements, 0, lastLabel, scope, unit));
          break;
        }
        default:
          push(visitAll(node.namedChildren));
      }
    }
  }

  /**
   * A statement that never lets its list go on (the spec's terminating statements, with the calls that
   * do not return): `return`, `goto`, `panic(…)`, a call the models say never returns, a call that runs
   * until a context that is never done (runsForever; also as an assignment's value or an `if`'s
   * initializer), a test's `t.Skip`, `t.Fatal` or `t.FailNow`, a block ending in one, or an `if` whose
   * branches all end so.
   */
  private endsFlow(stmt: Node, scope: Scope): boolean {
    switch (stmt.type) {
      case 'return_statement':
      case 'goto_statement':
        return true;
      case 'block': {
        const last = stmt.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren.filter((c) => c.type !== 'comment').pop();
        return !!last && this.endsFlow(last, scope);
      }
      case 'if_statement': {
        const init = stmt.childForFieldName('initializer');
        if (init && this.endsFlow(init, scope)) return true;
        const consequence = stmt.childForFieldName('consequence');
        const alternative = stmt.childForFieldName('alternative');
        return !!consequence && !!alternative && this.endsFlow(consequence, scope) && this.endsFlow(alternative, scope);
      }
    }
    if (stmt.type === 'assignment_statement' || stmt.type === 'short_var_declaration') return this.runsForever(onlyCallAssigned(stmt), scope);
    const call = stmt.type === 'expression_statement' ? stmt.namedChild(0) : undefined;
    if (this.runsForever(call, scope)) return true;
    const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
    if (fn?.type === 'identifier') return !this.declOf(fn, scope) && (fn.text === 'panic' || this.noReturnCall(fn.text));
    const receiver = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
    if (receiver?.type !== 'identifier') return false;
    // `log.Fatal(…)` on the package, not on a variable that happens to be named log.
    if (this.packageAlias(receiver, scope)) return this.noReturnCall(fn!.text);
    return TEST_STOPS.test(fn!.childForFieldName('field')?.text ?? '') && /^\*?testing\.(?:T|B|F|TB)$/.test(typeName(this.typeOfExpr(receiver, scope)));
  }

  /**
   * A call the models say blocks until its context is done (`runsUntilDone`), handed a context that
   * never is: `informers.Start(context.Background())` does not return, and what follows it in its
   * goroutine never runs. (Such calls return early only with an error from a misuse, a second Start.)
   */
  private runsForever(call: Node | null | undefined, scope: Scope): boolean {
    if (call?.type !== 'call_expression') return false;
    const fn = call.childForFieldName('function');
    const selected = fn?.type === 'selector_expression' ? fn.childForFieldName('field')?.text : undefined;
    if (!selected || !this.models.untilDoneFuncs.has(selected)) return false;
    const index = this.calleeModel(call, scope)?.model.runsUntilDone;
    const ctx = index === undefined ? undefined : callArguments(call)[index];
    return !!ctx && this.neverDone(ctx, scope);
  }

  /** `context.Background()`, `context.TODO()`, or a local set to one of them and never assigned again. */
  private neverDone(ctx: Node, scope: Scope): boolean {
    if (ctx.type === 'identifier') {
      const decl = scope.lookup(ctx.text);
      if (decl?.kind !== 'var' || decl.packageLevel || decl.init?.type !== 'call_expression' || !this.neverDone(decl.init, scope)) return false;
      const fn = functionAround(decl.node);
      return !!fn && !fn.descendantsOfType('assignment_statement').some((st) => st.childForFieldName('left')?.namedChildren.some((l) => l.type === 'identifier' && l.text === ctx.text));
    }
    const fn = ctx.type === 'call_expression' ? ctx.childForFieldName('function') : undefined;
    const operand = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
    const alias = operand ? this.packageAlias(operand, scope) : undefined;
    return alias !== undefined && this.imports.get(alias) === 'context' && /^(?:Background|TODO)$/.test(fn!.childForFieldName('field')?.text ?? '') && callArguments(ctx).length === 0;
  }

  private isChannel(expr: Node | null, scope: Scope): boolean {
    return !!expr && this.types.underlying(this.typeOfExpr(expr, scope)).kind === 'chan';
  }

  private rangeElemType(expr: Node | null, scope: Scope): TypeRef {
    return this.elemType(this.typeOfExpr(expr, scope));
  }

  /**
   * `for !a0Ready || !a1Ready { select { case a0Ready = <-a0ReadyCh: … } }`: the loop ends only once each
   * flag was set by a receive from its channel, so its end joins the goroutines that send on them.
   */
  private noteFlagLoop(loop: Node, unit: FuncUnit, scope: Scope): void {
    // In a literal run on the spot (a subtest's), when the channels are its own; not in a deferred or stored one.
    if (unit !== unit.thread && (unit.detached || unit.spawn || underDeferStatement(unit.node))) return;
    const body = loop.childForFieldName('body');
    const condition = loop.namedChildren.find((c) => c.id !== body?.id && c.type !== 'comment');
    const flags = condition ? negatedFlags(condition) : undefined;
    // A break or goto may leave the loop with a flag unset.
    if (!body || !flags?.length || /\b(?:break|goto)\b/.test(body.text)) return;
    const channels = new Map<string, string>();
    let sets = 0;
    for (const c of body.descendantsOfType('communication_case')) {
      const comm = c.childForFieldName('communication');
      const operand = comm?.type === 'receive_statement' ? comm.childForFieldName('right')?.childForFieldName('operand') : undefined;
      if (operand?.type !== 'identifier') continue;
      const left = comm!.childForFieldName('left')?.namedChildren ?? [];
      const caseBody = c.namedChildren.find((n) => n.type === 'statement_list')?.namedChildren ?? [];
      // `case flag = <-ch:` (the goroutine sends true) or `case <-ch: flag = true`.
      const set = left.length === 1 ? left[0].text : /^(\w+)\s*=\s*true$/.exec(caseBody[0]?.text ?? '')?.[1];
      if (set && flags.includes(set) && !channels.has(set)) {
        channels.set(set, operand.text);
        sets++;
      }
    }
    if (!flags.every((f) => channels.has(f))) return;
    if (unit !== unit.thread && [...channels.values()].some((ch) => {
      const made = scope.lookup(ch);
      return !made || !within(made.node, unit.node);
    })) return;
    // No other assignment of a flag in the loop.
    const assigned = flags.reduce((n, f) => n + (body.text.match(new RegExp(`(?<![\\w.])${f}\\s*(?:,[^=\\n]*)?=(?!=)`, 'g'))?.length ?? 0), 0);
    if (assigned !== sets) return;
    const names = [...new Set(channels.values())];
    unit.thread.joins.push({ pos: loop.endIndex, end: loop.endIndex, group: undefined, deferred: false, orders: (sp) => names.some((n) => signalsItself(sp, n)) });
  }

  /**
   * `for { ended := false; select { case v, ok := <-lines: if !ok { ended = true; break }; …; case
   * <-ticker.C: … }; if ended { break } }`, or `break loop` in that `if !ok`: every way out of the
   * loop follows a receive that found `lines` closed, so the loop's end joins the goroutine that
   * closes it. A `return` leaves the function instead; a `goto` is not followed.
   */
  private noteClosedLoop(loop: Node, unit: FuncUnit): void {
    const body = loop.childForFieldName('body');
    if (!body || loop.namedChildren.some((c) => c.id !== body.id && c.type !== 'comment') || !/<-/.test(body.text) || !/\bbreak\b/.test(body.text)) return;
    if (body.descendantsOfType('goto_statement').length > 0) return;
    const label = loop.parent?.type === 'labeled_statement' ? loop.parent.namedChild(0)?.text : undefined;
    const leaving = body.descendantsOfType('break_statement').filter((b) => {
      if (functionAround(b)?.id !== functionAround(loop)?.id) return false;
      const target = b.namedChildren.find((c) => c.type === 'label_name')?.text;
      return target ? target === label : innermostBreakable(b, loop.parent ?? loop)?.id === loop.id;
    });
    if (leaving.length === 0) return;
    const channels = new Set<string>();
    const list = body.namedChildren.find((c) => c.type === 'statement_list');
    for (const jump of leaving) {
      const closed = closedReceiveAround(jump, body);
      if (closed) {
        channels.add(closed);
        continue;
      }
      // `if ended { break }` at the body's level, `ended := false` first in each turn and set true only where a receive found the channel closed.
      const check = jump.parent?.parent?.parent;
      const flag = check?.type === 'if_statement' && check.parent?.id === list?.id && !check.childForFieldName('alternative') && !check.childForFieldName('initializer') ? check.childForFieldName('condition') : undefined;
      if (flag?.type !== 'identifier' || statementsOf(check!.childForFieldName('consequence')).length !== 1) return;
      const declared = list?.namedChildren.find((st) => st.type === 'short_var_declaration' && st.text.replace(/\s+/g, '') === `${flag.text}:=false`);
      if (!declared || declared.startIndex > check!.startIndex) return;
      const sets = body.descendantsOfType('assignment_statement').filter((a) => a.childForFieldName('left')?.namedChildren.some((l) => l.text === flag.text));
      for (const set of sets) {
        const ch = set.text.replace(/\s+/g, '') === `${flag.text}=true` ? closedReceiveAround(set, body) : undefined;
        if (!ch) return;
        channels.add(ch);
      }
      if (sets.length === 0) return;
    }
    if (channels.size !== 1) return;
    const [channel] = channels;
    unit.thread.joins.push({ pos: loop.endIndex, end: loop.endIndex, group: undefined, deferred: false, orders: (sp) => closesFinally(sp, channel) });
  }

  private addJoin(unit: FuncUnit, node: Node, group: string | undefined, groupIdent?: Node): void {
    const deferred = node.parent?.type === 'defer_statement';
    // A goroutine that counts down another variable of the same name (`wg := sync.WaitGroup{}` in an
    // inner block, `defer wg.Done()`) is not waited for by this `wg.Wait()`.
    const ident = groupIdent?.type === 'identifier' && declaredTwice(rootOf(unit).node.text, groupIdent.text) ? groupIdent : undefined;
    unit.thread.joins.push({ pos: node.startIndex, end: node.endIndex, group, deferred, ...(ident ? { orders: (s: Spawn) => s.kind !== 'go' || !this.countsDownAnother(s, ident) } : {}) });
    // `wg.Wait()` also waits for another group's closure that counts itself done on wg
    // (`g.Go(func() error { defer wg.Done(); … })`), as it does for a go statement's goroutine.
    if (group === undefined) return;
    const done = new RegExp(`(?:^|[^\\w.])${escapeRegExp(group)}\\.Done\\(\\s*\\)`);
    const orders = (s: Spawn) => s.kind === 'group' && s.group !== group && !!s.site && done.test(s.site.text);
    unit.thread.joins.push({ pos: node.startIndex, end: node.endIndex, group: undefined, deferred, orders, ordersClosures: true });
  }

  private readonly uncancelledParams = new Map<string, boolean>();

  /**
   * `case <-ctx.Done():` where ctx is a parameter of the function around it and every caller in the
   * package passes `context.Background()` there (see context-callers.ts).
   */
  private neverFires(selectCase: Node, scope: Scope, unit: FuncUnit): boolean {
    const operand = caseReceive(selectCase)?.childForFieldName('operand');
    const mc = operand?.type === 'call_expression' ? methodCall(operand) : undefined;
    if (mc?.method !== 'Done' || mc.receiver.type !== 'identifier' || callArguments(operand!).length > 0) return false;
    const local = scope.lookup(mc.receiver.text);
    if (local && local.kind !== 'param' && cancelledOnlyAtExit(local.node, unit.node)) return true;
    const fn = rootOf(unit).node;
    const name = fn.childForFieldName('name')?.text;
    if (!name || (fn.type !== 'function_declaration' && fn.type !== 'method_declaration')) return false;
    if (/^[A-Z]/.test(name) && this.packageName !== 'main') return false;
    const decl = scope.lookup(mc.receiver.text);
    const params = fn.childForFieldName('parameters');
    if (decl?.kind !== 'param' || !params || !within(decl.node, params)) return false;
    const key = `${fn.id}:${mc.receiver.text}`;
    let known = this.uncancelledParams.get(key);
    if (known === undefined) {
      const index = paramPositions(fn).get(mc.receiver.text)?.index;
      const sources = this.packageSources.length > 0 ? this.packageSources : [this.source];
      known = index !== undefined && onlyUncancelledContext(name, fn.type === 'method_declaration', index, sources);
      this.uncancelledParams.set(key, known);
    }
    return known;
  }

  /**
   * `1`, or a name that is 1 wherever it is read: a local fixed at 1 (`n := 1`), or a package-level
   * `var n = 1` or `const n = 1` that no file of the package assigns again (`syncConcurrency = 1`
   * beside `make(chan bool, syncConcurrency)`).
   */
  private fixedAtOne(value: Node, scope: Scope): boolean {
    if (value.text === '1') return true;
    if (value.type !== 'identifier') return false;
    // A package-level name another file of the package declares is in no scope of this file.
    const decl = scope.lookup(value.text) ?? this.siblings.map((b) => b.packageDecls.get(value.text)).find((d) => d);
    if (!decl) return false;
    if (!decl.packageLevel) return fixedLocalInt(value, value.text) === 1;
    if (decl.init?.text !== '1' || (decl.kind !== 'var' && decl.kind !== 'const')) return false;
    const assigned = new RegExp(changesOf(escapeRegExp(value.text)), 'g');
    const sources = this.packageSources.length > 0 ? this.packageSources : [this.source];
    const count = sources.reduce((n, text) => n + (text.match(assigned)?.length ?? 0), 0);
    // The declaration itself reads as one (`var n = 1`, or `n = 1` in a `var (…)` block).
    const spec = decl.node.parent;
    const declared = spec ? (spec.text.match(assigned)?.length ?? 0) : 0;
    return count === declared;
  }

  /**
   * The check after a select that leaves on every case but `selectCase` and those that leave
   * themselves: each such case ends by setting one variable to a value that is never nil
   * (`err = fmt.Errorf("timeout")`), and the statement after the select is `if err != nil { …; return }`.
   * A goroutine's race on that variable is its own finding; what follows the check is ordered by this case.
   */
  private failedCasesCheck(selectCase: Node, others: Node[], channel: string | undefined): Node | undefined {
    let name: string | undefined;
    for (const c of others) {
      if (waitsOnReceive(c) || leavesAfter(c, channel, this.noReturnCall)) continue;
      if (c.descendantsOfType(['break_statement', 'continue_statement', 'goto_statement']).length > 0) return undefined;
      const list = c.namedChildren.find((n) => n.type === 'statement_list');
      const last = list?.namedChildren.filter((n) => n.type !== 'comment').pop();
      const left = last?.type === 'assignment_statement' ? last.childForFieldName('left')?.namedChildren : undefined;
      const right = left ? last!.childForFieldName('right')?.namedChildren : undefined;
      if (left?.length !== 1 || right?.length !== 1 || left[0].type !== 'identifier' || (name !== undefined && name !== left[0].text)) return undefined;
      if (last!.children.find((ch) => !ch.isNamed)?.type !== '=') return undefined;
      if (!neverNilValue(right[0], (call) => this.calleeModel(call)?.model.nonNilResult === true)) return undefined;
      name = left[0].text;
    }
    const select = selectCase.parent;
    if (!name || select?.type !== 'select_statement') return undefined;
    const next = nextStatement(select);
    const condition = next ? exitCondition(next, this.noReturnCall) : undefined;
    if (!condition || next!.childForFieldName('initializer') || condition.text.replace(/\s+/g, '') !== `${name}!=nil`) return undefined;
    return next!;
  }

  /** The other cases of a select `selectCase` belongs to, but those that can never fire. */
  private otherCases(selectCase: Node, scope: Scope, unit: FuncUnit): Node[] {
    return selectCase.parent?.namedChildren.filter((c) => (c.type === 'communication_case' || c.type === 'default_case') && c.startIndex !== selectCase.startIndex && !this.neverFires(c, scope, unit)) ?? [];
  }

  /**
   * A receive that waits: `err = <-errc` assigns after it has received, so the join is at the statement's
   * start; in a select that can also leave by another case, it orders only its own case.
   */
  private addReceiveJoin(unit: FuncUnit, receive: Node, scope: Scope): void {
    const parent = receive.parent;
    let stmt: Node | null | undefined;
    if (parent?.type === 'receive_statement') stmt = parent;
    else if (parent?.type === 'expression_list' && (parent.parent?.type === 'assignment_statement' || parent.parent?.type === 'short_var_declaration')) stmt = parent.parent;
    const selectCase = stmt?.type === 'receive_statement' && stmt.parent?.type === 'communication_case' ? stmt.parent : undefined;
    if (selectCase) {
      const channel = receive.childForFieldName('operand')?.text;
      const others = this.otherCases(selectCase, scope, unit);
      if (others.some((c) => !waitsOnReceive(c) && !leavesAfter(c, channel, this.noReturnCall))) {
        unit.thread.joins.push({ pos: selectCase.startIndex, end: selectCase.endIndex, group: undefined, deferred: false, scopeEnd: selectCase.endIndex });
        // `case <-time.After(d): err = errTimeout` and then `if err != nil { return … }`: past that check, only this case ran.
        const check = this.failedCasesCheck(selectCase, others, channel);
        if (check) unit.thread.joins.push({ pos: check.endIndex, end: check.endIndex, group: undefined, deferred: false });
        // `for { select { …; case <-done: break loop } }`: the code after the loop runs only once done.
        const loop = loopLeftOnlyBy(selectCase);
        if (loop) unit.thread.joins.push({ pos: loop.endIndex, end: loop.endIndex, group: undefined, deferred: false });
        return;
      }
      // Other cases that receive from other channels (`case <-fetched[i]:`) wait for this goroutine
      // only if it sends on or closes those too; for any other goroutine the join holds in its case.
      const alternatives = others.filter((c) => !leavesAfter(c, channel, this.noReturnCall)).map(receivedChannel);
      if (alternatives.length > 0) {
        unit.thread.joins.push({ pos: selectCase.startIndex, end: selectCase.endIndex, group: undefined, deferred: false, scopeEnd: selectCase.endIndex });
        const orders = (s: Spawn) => [channel, ...alternatives].every((ch) => ch !== undefined && signalsItself(s, ch));
        unit.thread.joins.push({ pos: selectCase.startIndex, end: selectCase.endIndex, group: undefined, deferred: false, orders });
        // Whatever the other cases receive, the code after a loop only this case leaves runs once it has.
        const loop = loopLeftOnlyBy(selectCase);
        if (loop) unit.thread.joins.push({ pos: loop.endIndex, end: loop.endIndex, group: undefined, deferred: false });
        return;
      }
    }
    const at = stmt ?? receive;
    unit.thread.joins.push({ pos: at.startIndex, end: at.endIndex, group: undefined, deferred: false });
    // That joins a go statement's goroutine, whatever channel it uses; a `.Go` closure only when it
    // sends on or closes this channel itself (`wg.Go(func() { ok = probe(); done <- true })`, `<-done`).
    const channel = receive.childForFieldName('operand')?.text;
    if (channel === undefined) return;
    const orders = (s: Spawn) => s.kind === 'group' && signalsItself(s, channel);
    unit.thread.joins.push({ pos: at.startIndex, end: at.endIndex, group: undefined, deferred: false, orders, ordersClosures: true });
  }

  /**
   * A range over what a call returned when it was handed a channel (`results := r.RemoveAll(ctx, keys)`
   * and `for res := range results`): a pipeline stage, whose output of unknown type most likely closes
   * once its input is closed and drained. It orders a goroutine that closes that input.
   */
  private noteStageRange(unit: FuncUnit, range: Node, right: Node | null, scope: Scope): void {
    if (!right) return;
    const decl = right.type === 'identifier' ? scope.lookup(right.text) : undefined;
    const call = right.type === 'call_expression' ? right : (decl?.init ?? decl?.results);
    if (call?.type !== 'call_expression') return;
    const handed = callArguments(call).filter((a) => a.type === 'identifier' && this.isChannel(a, scope)).map((a) => a.text);
    if (handed.length > 0) this.addClosedRangeJoin(unit, range, handed);
  }

  /**
   * The end of a range loop, for a goroutine or `.Go` closure that closes one of `channels` (the one
   * ranged over, or a stage's input): the loop ends only once it is closed. The loop's body runs while
   * the channel is still open, so only the code after the loop is ordered.
   */
  private addClosedRangeJoin(unit: FuncUnit, range: Node, channels: string[]): void {
    const closes = channels.map((ch) => new RegExp(`\\bclose\\(\\s*${escapeRegExp(ch)}\\s*\\)`));
    const loopEnd = range.parent?.endIndex ?? range.endIndex;
    const orders = (s: Spawn) => !!s.site && closes.some((c) => c.test(s.site!.text));
    unit.thread.joins.push({ pos: loopEnd, end: loopEnd, group: undefined, deferred: false, orders, ordersClosures: true });
  }

  private noteJoin(call: Node, unit: FuncUnit): void {
    const mc = methodCall(call);
    if (!mc || callArguments(call).length > 0) return;
    if (mc.method === 'Wait') this.addJoin(unit, call, mc.receiver.text, mc.receiver);
    else {
      // A method the models name as a group's join (go4.org/syncutil's `Err`) joins that group's
      // callbacks only: `ctx.Err()` waits for no goroutine.
      const group = mc.receiver.text;
      unit.thread.joins.push({ pos: call.startIndex, end: call.endIndex, group, deferred: call.parent?.type === 'defer_statement', orders: (s) => s.kind === 'group' && s.group === group });
    }
  }

  /**
   * `shutdown()` where `shutdown := func() { …; <-done }` is a local func literal: the call waits
   * where the literal's body waits (a receive, a Wait, also inside a once.Do it runs in place).
   */
  private noteLocalFuncJoins(call: Node, fn: Node, scope: Scope, unit: FuncUnit): void {
    const decl = scope.lookup(fn.text);
    const literal = decl?.kind === 'var' && !decl.packageLevel ? decl.init : undefined;
    if (literal?.type !== 'func_literal' || literal.endIndex > call.startIndex) return;
    const inside = unit.thread.joins.filter((j) => !j.deferred && j.pos >= literal.startIndex && j.end <= literal.endIndex);
    for (const group of new Set(inside.map((j) => j.group))) this.addJoin(unit, call, group);
  }

  private testsStartGoroutinesMemo?: boolean;
  private testFunctionsMemo?: Node[];
  /** Per helper: whether the tests calling it start goroutines; null when no test of the file calls it. */
  private readonly helperCallersStartMemo = new Map<string, boolean | null>();

  /**
   * Whether a test of the file (Test…, Benchmark…, Fuzz…) starts goroutines that may send requests at
   * once; with `helper`, only the tests that call it count, when some do.
   */
  private testsStartGoroutines(helper?: string): boolean {
    const tests = (this.testFunctionsMemo ??= this.functions.filter((fn) => fn.type === 'function_declaration' && /^(?:Test|Benchmark|Fuzz)/.test(fn.childForFieldName('name')?.text ?? '')));
    const starts = (fn: Node) => this.requestingGoroutines(fn, this.source.slice(fn.startIndex, fn.endIndex)) > 0;
    if (helper) {
      let known = this.helperCallersStartMemo.get(helper);
      if (known === undefined) {
        // A call, or the helper handed to a runner (`synctestTest(t, testServe)`, `t.Run(name, testServe)`).
        const call = new RegExp(`(?:^|[^\\w.])${escapeRegExp(helper)}(?:\\(|\\s*[,)])`);
        const callers = tests.filter((fn) => call.test(this.source.slice(fn.startIndex, fn.endIndex)));
        // Each call builds its own server: what may send it requests at once is the function around
        // the call (a parallel subtest's `t.Run(name, func(t) { t.Parallel(); srv := helper(t) … })`),
        // not the subtests beside it. Handed to a runner by name, the whole test counts.
        const around = (fn: Node): Node[] => {
          const sites = fn.descendantsOfType('call_expression').filter((c) => c.childForFieldName('function')?.text === helper);
          return sites.length === 0 ? [fn] : sites.map((c) => enclosingFunction(c, fn));
        };
        this.helperCallersStartMemo.set(helper, (known = callers.length > 0 ? callers.some((fn) => around(fn).some(starts)) : null));
      }
      if (known !== null) return known;
    }
    this.testsStartGoroutinesMemo ??= tests.some(starts);
    return this.testsStartGoroutinesMemo;
  }

  /** How many goroutines `fn` starts that may send a request: not one that only runs a server or feeds a pipe. */
  private requestingGoroutines(fn: Node, text: string): number {
    if (!STARTS_GOROUTINES.test(text)) return 0;
    const reports = (call: Node) => this.reportsOnly(call, fn);
    return ownGoroutineStarts(fn, text) - serverGoroutines(fn, reports) - pipeFeeders(fn, text, this.models.pipeMakers, reports) - callFreeGoroutines(fn, reports, this.imports);
  }

  /**
   * `require.NoError(t, err)`, `t.Error(err)`: a call the models say only reports a test's outcome,
   * of a package (`package` entries) or on a parameter of `fn` whose type's methods do (`*testing.T`).
   */
  private reportsOnly(call: Node, fn: Node): boolean {
    const callee = call.childForFieldName('function');
    const operand = callee?.type === 'selector_expression' ? callee.childForFieldName('operand') : undefined;
    if (operand?.type !== 'identifier') return false;
    const param = (fn.childForFieldName('parameters')?.namedChildren ?? []).find((p) => p.type === 'parameter_declaration' && fieldChildren(p, 'name').some((n) => n.text === operand.text));
    if (param) {
      const spelled = (param.childForFieldName('type')?.text ?? '').replace(/^\*/, '');
      const alias = spelled.slice(0, spelled.indexOf('.'));
      return this.models.type(this.imports.get(alias), spelled)?.reports === true;
    }
    const path = this.imports.get(operand.text);
    return path !== undefined && this.models.reportingPackage(path);
  }

  /**
   * Whether the code that sends a test handler its requests may start goroutines (see
   * Spawn.sequential): the function registering it, and when that is a helper, the file's tests.
   */
  private startsGoroutines(unit: FuncUnit): boolean {
    let root = unit;
    while (root.parent) root = root.parent;
    const text = this.source.slice(root.node.startIndex, root.node.endIndex);
    // A goroutine that only runs the server (`go func() { srv.Serve(l) }()`) sends it no request.
    if (this.requestingGoroutines(root.node, text) > 0) return true;
    const name = root.node.type === 'function_declaration' ? root.node.childForFieldName('name')?.text ?? '' : '';
    return this.testCode === 'test-file' && !/^(?:Test|Benchmark|Fuzz)/.test(name) && this.testsStartGoroutines(name || undefined);
  }

  /**
   * `<-ctx.Done()` waits for cancellation, not for work; but when ctx came with its cancel func
   * (`ctx, cancel := context.WithCancel(…)`), a goroutine that calls `cancel()` after its writes is done
   * with them by then.
   */
  private noteCancelJoin(receive: Node, scope: Scope, unit: FuncUnit): void {
    // A receive that is a statement of its own, or a select's case: there it orders its own case, and
    // what follows the select only when every other case leaves (`case err := <-errc: return err`).
    const stmt = receive.parent;
    const selectCase = stmt?.type === 'receive_statement' && stmt.parent?.type === 'communication_case' ? stmt.parent : undefined;
    if (stmt?.type !== 'expression_statement' && !selectCase) return;
    const call = receive.childForFieldName('operand');
    const mc = call?.type === 'call_expression' ? methodCall(call) : undefined;
    if (mc?.method !== 'Done' || mc.receiver.type !== 'identifier' || callArguments(call!).length > 0) return;
    const cancel = this.cancelOf(mc.receiver, scope);
    if (!cancel) return;
    // A case beside others is taken as soon as ctx is done: only a ctx no deadline ends waits for the cancel.
    if (selectCase && !onlyCancelledContext(mc.receiver)) return;
    const others = (selectCase ? this.otherCases(selectCase, scope, unit) : []);
    const scopeEnd = others.some((c) => !leavesAfter(c, undefined, this.noReturnCall)) ? { scopeEnd: selectCase!.endIndex } : {};
    const calls = new RegExp(`(?:^|[^\\w.])${cancel}\\(\\s*\\)`);
    unit.thread.joins.push({ pos: stmt!.startIndex, end: stmt!.endIndex, group: undefined, deferred: false, ...scopeEnd, orders: (s) => calls.test(s.site?.text ?? '') });
  }

  /** The cancel func declared with context `ctx` (`ctx, cancel := context.WithCancel(…)`, or in a `var`), by name. */
  private cancelOf(ctx: Node, scope: Scope): string | undefined {
    if (ctx.type !== 'identifier') return undefined;
    const decl = scope.lookup(ctx.text);
    const parent = decl?.node.parent;
    let names: Node[] = [];
    if (parent?.type === 'expression_list' && parent.parent?.type === 'short_var_declaration') names = parent.namedChildren;
    else if (parent?.type === 'var_spec') names = fieldChildren(parent, 'name');
    if (names.length !== 2) return decl ? cancelAssignedWith(ctx.text, decl.node) : undefined;
    const cancel = names.find((c) => c.id !== decl!.node.id);
    return cancel?.type === 'identifier' && cancel.text !== '_' ? cancel.text : undefined;
  }

  /**
   * `app.Listen(addr)` (Serve, ListenAndServe, Run…): it returns once the server is stopped, so it
   * joins a goroutine whose last statement stops that server (`app.Shutdown()`, Stop, Close).
   */
  private noteServeJoin(call: Node, fn: Node, args: Node[], scope: Scope, unit: FuncUnit): void {
    if (unit !== unit.thread || call.parent?.type === 'go_statement') return;
    const server = fn.childForFieldName('operand')?.text;
    if (!server) return;
    // `w.Run(ctx)` also returns once ctx is cancelled: a goroutine whose last call is that cancel is done by then.
    const cancels = args.map((a) => this.cancelOf(a, scope)).filter((c): c is string => c !== undefined);
    unit.thread.joins.push({ pos: call.endIndex, end: call.endIndex, group: undefined, deferred: false, orders: (s) => stopsLast(s, server) || cancels.some((c) => cancelsLast(s, c)) });
  }

  /**
   * `io.ReadAll(client)` or `client.Read(buf)` where `server, client := net.Pipe()`: a read from one end
   * of an in-memory pipe (the models' `pipe` and `reads`) returns once the other end was written to or
   * closed, so it joins a goroutine that writes to or closes that end.
   */
  private notePipeRead(call: Node, fn: Node, selected: string | undefined, args: Node[], scope: Scope, unit: FuncUnit, reads?: readonly number[]): void {
    if (unit !== unit.thread || call.parent?.type === 'go_statement') return;
    const receiver = fn.childForFieldName('operand');
    const ends: { end: Node; method?: string }[] = [];
    // A method of an end (`client.Read(buf)`), or a call the models say (or the package's own function
    // shows) reads an argument (`io.ReadAll(client)`, `consumeUntilEOF(r)`).
    // `sc.Scan()` on `sc := bufio.NewScanner(pr)`: a read of the pipe's end the reader wraps.
    const wrapped = selected && receiver?.type === 'identifier' ? this.wrappedReadSource(receiver, selected, scope) : undefined;
    if (wrapped) ends.push({ end: wrapped });
    else if (selected && receiver?.type === 'identifier' && scope.lookup(receiver.text)?.results) ends.push({ end: receiver, method: selected });
    else
      for (const i of reads ?? this.packageFuncModel(fn, scope)?.reads ?? this.methodReads(call, selected, scope) ?? []) {
        const end = args[i] && this.readSource(args[i], scope);
        if (end) ends.push({ end });
      }
    if (this.joinPipeRead(call, ends, scope, unit)) return;
    // Handed over: a value some call made (a pipe's end, perhaps) as an argument or a field of one.
    if (!selected || !args.some((a) => handedValues(a).some(({ end }) => scope.lookup(end.text)?.results))) return;
    // A call whose body is out of sight, handed a reading end as an argument or a field of one
    // (`uploader.UploadObject(ctx, &Input{Body: pr})`, `client.WriteTx(ctx, pr)`): the end is handed
    // over to be read, and such calls read a body to its end before they return.
    if (this.unseenCall(call, fn, selected, scope)) {
      this.joinPipeRead(call, args.flatMap(handedValues), scope, unit);
      return;
    }
    // `s.store.Upload(ctx, key, pr)` where every method of the package so named reads that parameter
    // to its end (the implementations of an interface the package declares).
    const typeName = this.receiverType(fn, scope);
    const methods = this.methodsNamed(selected).filter(({ key }) => typeName === undefined || key === `${typeName}.${selected}`);
    if (methods.length === 0) return;
    const read = methods.map(({ node, owner }) => owner.streamParamsRead(node)).reduce((a, b) => a.filter((i) => b.includes(i)));
    this.joinPipeRead(call, read.flatMap((i) => (args[i] ? handedValues(args[i]) : [])), scope, unit);
  }

  /** The arguments a method the models describe reads to their end (`buf.ReadFrom(r)` on a `bytes.Buffer`), by the receiver's type. */
  private methodReads(call: Node, selected: string | undefined, scope: Scope): readonly number[] | undefined {
    if (!selected || !this.models.streamReadingCalls?.test(`${selected}(`)) return undefined;
    const match = this.calleeModel(call, scope);
    return match && !match.byNameOnly ? match.model.reads : undefined;
  }

  /** The named type of a method call's operand, when racecheck knows it. */
  private receiverType(fn: Node, scope: Scope): string | undefined {
    let type = this.typeOfExpr(fn.childForFieldName('operand'), scope);
    if (type.kind === 'pointer') type = type.elem;
    return type.kind === 'named' && this.types.underlying(type).kind !== 'interface' ? type.name : undefined;
  }

  /** Every method of the package with this name (`Type.Name`), with the builder of the file that declares it. */
  private methodsNamed(name: string): { key: string; node: Node; owner: ModelBuilder }[] {
    if (!this.packageMethods) {
      const methods = new Map<string, { key: string; node: Node; owner: ModelBuilder }[]>();
      for (const b of [this, ...this.siblings]) {
        for (const [key, node] of b.methodNodes) {
          const method = key.slice(key.indexOf('.') + 1);
          let list = methods.get(method);
          if (!list) methods.set(method, (list = []));
          list.push({ key, node, owner: b });
        }
      }
      // The package's files share one index (each one's siblings are the rest of the package).
      for (const b of [this, ...this.siblings]) b.packageMethods = methods;
    }
    return this.packageMethods!.get(name) ?? [];
  }

  private packageMethods?: Map<string, { key: string; node: Node; owner: ModelBuilder }[]>;
  /** By method name, shared by the package's files like packageMethods. */
  private lockHelpers = new Map<string, LockHelper | null>();

  /**
   * Whether a range's collection never holds a value twice, each one of `labels`: a slice literal;
   * a local made from one and never assigned again; or a struct field the package sets only from such
   * literals (`families: []family{v4, v6}`) and never assigns, appends to or takes the address of.
   */
  distinctValues(collection: Node, labels: readonly string[], scope: Scope): boolean {
    const literalOf = (n: Node | null | undefined): string | undefined => {
      const kind = n?.type === 'composite_literal' ? n.childForFieldName('type')?.type : undefined;
      const body = kind === 'slice_type' || kind === 'array_type' ? n!.childForFieldName('body') : undefined;
      return body && !body.namedChildren.some((c) => c.type === 'keyed_element' || c.type === 'comment') ? body.text.slice(1, -1) : undefined;
    };
    const direct = literalOf(collection);
    if (direct !== undefined) return distinctLiteral(direct, labels);
    if (collection.type === 'identifier') {
      const decl = scope.lookup(collection.text);
      const made = decl?.kind === 'var' && decl.node.parent?.parent?.type === 'short_var_declaration' ? literalOf(decl.init) : undefined;
      const fn = decl && functionAround(decl.node);
      if (made === undefined || !fn) return false;
      const name = escapeRegExp(collection.text);
      const changed = new RegExp(`(?<![\\w.])${name}\\s*(?:\\[[^\\]]*\\]\\s*)?(?:,[^=\\n]*)?[-+]?=(?!=)|,\\s*${name}\\s*(?:,[^=\\n]*)?=(?!=)|&\\s*${name}\\b`);
      return !changed.test(withoutComments(fn.text, true)) && distinctLiteral(made, labels);
    }
    const field = collection.type === 'selector_expression' ? collection.childForFieldName('field')?.text : undefined;
    if (!field) return false;
    const f = escapeRegExp(field);
    const set = new RegExp(`(?<![\\w.])${f}\\s*:(?!=)\\s*(?:\\[\\]\\w+\\{([^{}]*)\\})?`, 'g');
    const changed = new RegExp(`\\.${f}\\s*(?:\\[[^\\]]*\\]\\s*)?(?:,[^=\\n]*)?[-+]?=(?!=)|,\\s*\\w+\\.${f}\\s*(?:,[^=\\n]*)?=(?!=)|&\\s*[\\w.]+\\.${f}\\b`);
    let any = false;
    for (const source of this.packageSources.length > 0 ? this.packageSources : [this.source]) {
      const text = withoutComments(source, true);
      if (changed.test(text)) return false;
      for (const m of text.matchAll(set)) {
        if (m[1] === undefined || !distinctLiteral(m[1], labels)) return false;
        any = true;
      }
    }
    return any;
  }

  /**
   * The package's methods by this name, when every one takes (or releases) a lock for its caller
   * alike; only the receiver's type's, when the call's receiver has a known type of the package.
   */
  lockHelper(method: string, receiver?: Node): LockHelper | undefined {
    let type = receiver ? this.typeOfExpr(receiver) : UNKNOWN;
    if (type.kind === 'pointer') type = type.elem;
    const own = type.kind === 'named' ? this.methodsNamed(method).filter((m) => m.key === `${type.name}.${method}`) : [];
    const key = own.length > 0 ? own[0].key : method;
    let helper = this.lockHelpers.get(key);
    if (helper === undefined) {
      helper = null;
      // Without the receiver's type, every implementation of the name counts, except a test double's.
      const candidates = own.length > 0 ? own : this.methodsNamed(method).filter(({ key, owner }) => !owner.standIn(key.slice(0, key.indexOf('.'))));
      for (const { node, owner } of candidates) {
        const receiver = node.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration')?.childForFieldName('name')?.text;
        const body = node.childForFieldName('body');
        let found = receiver && body ? lockHelperOf(receiver, owner.source.slice(body.startIndex, body.endIndex)) : undefined;
        // A channel is a lock only with one slot, and only if the package also gives the slot back.
        if (found?.slot && !(this.oneSlotField(found.path!) && this.slotGivenBack(found.path!))) found = undefined;
        if (!found || (helper && (helper.locks !== found.locks || helper.path !== found.path || helper.tried !== found.tried))) {
          helper = null;
          break;
        }
        helper = found;
      }
      this.lockHelpers.set(key, helper);
      for (const b of this.siblings) b.lockHelpers = this.lockHelpers;
    }
    return helper ?? undefined;
  }

  /** Whether the package's type of this name embeds a test double (the models' `standIn`: testify's mock.Mock). */
  private standIn(typeName: string): boolean {
    const struct = this.types.structOf({ kind: 'named', name: typeName });
    return struct?.embedded.some((e) => this.typeModel(e)?.standIn === true) ?? false;
  }

  /**
   * Whether every make of the field `name` in the package gives it one slot, and there is one
   * (`sem: make(chan struct{}, 1)`, `l.sem = make(chan bool, 1)`).
   */
  private oneSlotField(name: string): boolean {
    const made = new RegExp(`(?:[{,\\s]${escapeRegExp(name)}\\s*:|\\.${escapeRegExp(name)}\\s*=)\\s*make\\(\\s*chan\\b((?:[^()]|\\([^()]*\\))*)\\)`, 'g');
    let any = false;
    for (const source of this.packageSources.length > 0 ? this.packageSources : [this.source]) {
      for (const m of source.matchAll(made)) {
        if (!/,\s*1\s*$/.test(m[1])) return false;
        any = true;
      }
    }
    return any;
  }

  /** Whether a method of the package gives back the slot of its receiver's channel field `name`: its whole body is `<-r.name`. */
  private slotGivenBack(name: string): boolean {
    const release = new RegExp(`\\bfunc\\s*\\(\\s*(\\w+)\\s+\\*?[\\w.]+(?:\\[[^\\]]*\\])?\\s*\\)\\s*\\w+\\(\\)\\s*\\{\\s*<-\\s*\\1\\.${escapeRegExp(name)}\\s*\\}`);
    return (this.packageSources.length > 0 ? this.packageSources : [this.source]).some((source) => release.test(source));
  }

  private packageLockHelpers = new Map<string, PackageLockHelper | null>();

  /** The package function of this name, when it takes or releases a package-level lock for its caller (lock-helpers.ts). */
  packageLockHelper(name: string): PackageLockHelper | undefined {
    let helper = this.packageLockHelpers.get(name);
    if (helper === undefined) {
      const owner = [this, ...this.siblings].find((b) => b.funcNodes.has(name));
      const fn = owner?.funcNodes.get(name);
      const body = fn?.childForFieldName('body');
      const results = fn?.childForFieldName('result')?.text ?? '';
      helper = (body && packageLockHelperOf(parameterNames(fn!.childForFieldName('parameters')), results, owner!.source.slice(body.startIndex, body.endIndex))) || null;
      this.packageLockHelpers.set(name, helper);
      for (const b of this.siblings) b.packageLockHelpers = this.packageLockHelpers;
    }
    return helper ?? undefined;
  }

  /**
   * The lock an `if` finds held in its branch for `err == nil` (`true`) or past it for `err != nil`
   * (`false`): the statement before it, or its initializer, is `err := acquire()` where the package's
   * `acquire` takes a package-level lock only when it succeeds.
   */
  successLockAt(ifStmt: Node, whenNil: boolean): string | undefined {
    const fn = errorCheckedCall(ifStmt, whenNil ? '==' : '!=')?.childForFieldName('function');
    if (fn?.type !== 'identifier') return undefined;
    const helper = this.packageLockHelper(fn.text);
    return helper?.onSuccess ? helper.lock : undefined;
  }

  /** Records a join at `call` for the first of `ends` that is a pipe's reading end (read with `method`, when given). */
  private joinPipeRead(call: Node, ends: readonly { end: Node; method?: string }[], scope: Scope, unit: FuncUnit): boolean {
    for (const { end, method } of ends) {
      const decl = scope.lookup(end.text);
      const made = decl?.results;
      const pipe = made?.type === 'call_expression' ? this.calleeModel(made, scope)?.model.pipe : undefined;
      if (!pipe || (method !== undefined && !pipe.read.includes(method))) continue;
      const names = decl!.node.parent?.type === 'expression_list' ? decl!.node.parent.namedChildren.map((n) => n.text) : [end.text];
      if (!pipe.readers.includes(names.indexOf(end.text))) continue;
      const peers = names.filter((n) => n !== end.text && n !== '_');
      if (peers.length === 0) continue;
      const aliases = storedEnds(unit.node, peers, call.startIndex);
      unit.thread.joins.push({
        pos: call.startIndex,
        end: call.endIndex,
        group: undefined,
        deferred: false,
        orders: (s) => peers.some((p) => writesToEnd(s, p, pipe.write)) || heldAt(aliases, s.site?.startIndex ?? 0).some((target) => writesToEnd(s, target, pipe.write)),
      });
      return true;
    }
    return false;
  }

  /**
   * A method or function whose body the package does not hold and no model describes: a function of
   * another module (the standard library's are modelled, not guessed), or a method no type of the
   * package declares (an interface's, another package's type's).
   */
  private unseenCall(call: Node, fn: Node, selected: string, scope: Scope | undefined): boolean {
    const alias = this.packageAlias(fn.childForFieldName('operand'), scope);
    const path = alias === undefined ? undefined : this.imports.get(alias);
    if (path !== undefined) return outsideStandardLibrary(path) && !this.packageFuncModel(fn, scope);
    if (this.calleeModel(call, scope)) return false;
    const operand = fn.childForFieldName('operand');
    let type = this.typeOfExpr(operand, scope);
    if (type.kind === 'pointer') type = type.elem;
    if (type.kind === 'named' && type.name.includes('.')) {
      const path = this.imports.get(type.name.slice(0, type.name.indexOf('.')));
      return path !== undefined && outsideStandardLibrary(path);
    }
    // An interface of the package, or a value of unknown type: out of sight when no type of the
    // package has a method so named (else methodsNamed answers for them).
    if (type.kind === 'named' && this.types.underlying(type).kind !== 'interface') return false;
    this.onlyMethodNamed(selected);
    return !this.methodsByName!.has(selected);
  }

  private readonly paramsRead = new Map<Node, number[]>();

  /**
   * The parameters a package function reads as a stream until its end: it calls their `Read` in a loop
   * (`for { n, err := r.Read(buf); if err == io.EOF { return nil } … }`) or hands them to a call the
   * models say reads its argument (`io.ReadAll(r)`, `io.Copy(dst, r)`). Given one end of a pipe, the
   * function returns only after the other end was written to or closed. Asked of the builder of the
   * file that declares `fn`: the imports that resolve its calls are that file's.
   */
  private streamParamsRead(fn: Node): number[] {
    let read = this.paramsRead.get(fn);
    if (read) return read;
    read = [];
    const body = fn.childForFieldName('body');
    const positions = body ? paramPositions(fn) : new Map<string, { index: number }>();
    for (const call of positions.size > 0 ? body!.descendantsOfType('call_expression') : []) {
      const callee = call.childForFieldName('function');
      if (callee?.type !== 'selector_expression' || insideLiteralOrGo(call, fn)) continue;
      const operand = callee.childForFieldName('operand');
      const named: Node[] = [];
      const field = callee.childForFieldName('field')?.text ?? '';
      if (field === 'Read' && operand?.type === 'identifier' && insideLoopOf(call, fn)) named.push(operand);
      else {
        const args = callArguments(call);
        const reads = this.packageFuncModel(callee, undefined)?.reads;
        if (reads) {
          for (const i of reads) if (args[i]?.type === 'identifier') named.push(args[i]);
        } else if (this.unseenCall(call, callee, field, undefined)) {
          // Handed to a call out of sight (`uploader.UploadObject(ctx, &Input{Body: r})`): read there.
          named.push(...args.flatMap(handedValues).map((h) => h.end));
        }
      }
      for (const n of named) {
        const index = positions.get(n.text)?.index;
        if (index !== undefined && !read.includes(index)) read.push(index);
      }
    }
    this.paramsRead.set(fn, read);
    return read;
  }

  /**
   * `testutil.RequireReceive(t, done, timeout)`: a call the models say receives from a channel argument
   * is a receive from it, at the call, like `<-done`.
   */
  private noteModelledReceive(call: Node, fn: Node, args: Node[], scope: Scope, unit: FuncUnit): void {
    if (call.parent?.type === 'go_statement') return;
    const received = (this.packageFuncModel(fn, scope)?.receives ?? []).map((i) => args[i]);
    if (!received.some((ch) => ch?.type === 'identifier' || ch?.type === 'selector_expression')) return;
    unit.thread.joins.push({ pos: call.startIndex, end: call.endIndex, group: undefined, deferred: call.parent?.type === 'defer_statement' });
  }

  /**
   * `reporter.Report(results)`: a call the models say receives from a channel argument until it is
   * closed waits, as a range over it would, for the goroutines that close that channel.
   */
  private noteModelledDrain(call: Node, args: Node[], scope: Scope, unit: FuncUnit): void {
    if (call.parent?.type === 'go_statement') return;
    const match = this.calleeModel(call, scope);
    if (!match || match.byNameOnly) return;
    for (const i of match.model.drains ?? []) {
      const channel = args[i]?.type === 'identifier' ? args[i].text : undefined;
      if (!channel) continue;
      const deferred = call.parent?.type === 'defer_statement';
      unit.thread.joins.push({ pos: call.startIndex, end: call.endIndex, group: undefined, deferred, orders: (s) => signalsItself(s, channel, true), ordersClosures: true });
    }
  }

  /**
   * `chantest.ReceivesWithin(done, d)`: a function of another module, with no model, handed a channel a
   * goroutine sends on or closes. Its body is out of sight, and a channel the goroutine signals on is
   * given to it to be received from: a receive at the call, for the goroutines that signal that channel.
   * The standard library's functions are known (a model says what they do), so theirs are not guessed.
   */
  private noteForeignHandOff(call: Node, fn: Node, args: Node[], scope: Scope, unit: FuncUnit): void {
    if (call.parent?.type === 'go_statement') return;
    const alias = this.packageAlias(fn.childForFieldName('operand'), scope);
    if (alias === undefined || !this.imports.has(alias) || !this.unseenCall(call, fn, '', scope)) return;
    for (const arg of args) {
      if (arg.type !== 'identifier' || !this.signalledNames().has(arg.text) || !this.declOf(arg, scope)) continue;
      const channel = arg.text;
      const deferred = call.parent?.type === 'defer_statement';
      unit.thread.joins.push({ pos: call.startIndex, end: call.endIndex, group: undefined, deferred, orders: (s) => signalsItself(s, channel) });
    }
  }

  private signalled: Set<string> | undefined;

  /** The names the file sends on or closes somewhere (`ch <- v`, `close(ch)`): the only channels a hand-off can signal. */
  private signalledNames(): Set<string> {
    if (!this.signalled) {
      this.signalled = new Set<string>();
      for (const m of this.source.matchAll(/(?<![\w.])([A-Za-z_]\w*)\s*<-|\bclose\(\s*([A-Za-z_]\w*)\s*\)/g)) this.signalled.add(m[1] ?? m[2]!);
    }
    return this.signalled;
  }

  /**
   * The variable whose stream a reader reads, through constructors the models say read their argument
   * to its end (`zr, _ := gzip.NewReader(pr)`; `tee := io.TeeReader(zr, h)`: `pr`; also
   * `bufio.NewReader(pr)` in place).
   */
  private readSource(reader: Node, scope: Scope | undefined): Node | undefined {
    let cur = reader;
    for (let steps = 0; steps < 8; steps++) {
      const decl = cur.type === 'identifier' ? this.declOf(cur, scope) : undefined;
      const made = cur.type === 'call_expression' ? cur : (decl?.init ?? decl?.results);
      const index = made?.type === 'call_expression' ? this.calleeModel(made, scope)?.model.readerOf : undefined;
      const source = index === undefined ? undefined : callArguments(made!)[index];
      if (!source) break;
      cur = source;
    }
    return cur.type === 'identifier' ? cur : undefined;
  }

  /** The stream a reading method of a reader reads (`sc.Scan()` on `sc := bufio.NewScanner(pr)`: `pr`), as the models' `readMethods` say. */
  private wrappedReadSource(reader: Node, method: string, scope: Scope | undefined): Node | undefined {
    if (!this.models.readerMethods.has(method)) return undefined;
    const decl = this.declOf(reader, scope);
    const made = decl?.init ?? decl?.results;
    const model = made?.type === 'call_expression' ? this.calleeModel(made, scope)?.model : undefined;
    if (model?.readerOf === undefined || !model.readMethods?.includes(method)) return undefined;
    const source = this.readSource(reader, scope);
    return source && source.text !== reader.text ? source : undefined;
  }

  /**
   * After the walk: the ends of the in-memory pipe (the models' `pipe`) whose reading end `call` reads:
   * `pr.Read(b)`, `io.ReadAll(pr)`, `sc.Scan()` on `sc := bufio.NewScanner(pr)`. Such a read returns once
   * one of them was written to or closed.
   */
  pipeEndsRead(call: Node): Decl[] | undefined {
    const fn = call.childForFieldName('function');
    const receiver = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
    const method = fn?.type === 'selector_expression' ? fn.childForFieldName('field')?.text : undefined;
    const ends: { end: Node; method?: string }[] = [];
    if (receiver?.type === 'identifier' && method) {
      const wrapped = this.wrappedReadSource(receiver, method, undefined);
      ends.push(wrapped ? { end: wrapped } : { end: receiver, method });
    }
    const args = callArguments(call);
    for (const i of this.calleeModel(call)?.model.reads ?? []) {
      const end = args[i] && this.readSource(args[i], undefined);
      if (end) ends.push({ end });
    }
    for (const { end, method: read } of ends) {
      const decl = this.declOf(end, undefined);
      const made = decl?.results;
      const pipe = made?.type === 'call_expression' ? this.calleeModel(made)?.model.pipe : undefined;
      if (!pipe || (read !== undefined && !pipe.read.includes(read))) continue;
      const names = decl!.node.parent?.type === 'expression_list' ? decl!.node.parent.namedChildren : [];
      if (!pipe.readers.includes(names.findIndex((n) => n.startIndex === decl!.node.startIndex))) continue;
      return names.map((n) => this.declaredAt.get(n.startIndex)).filter((d): d is Decl => d !== undefined && d.name !== '_');
    }
    return undefined;
  }

  /** `quit <- v` on a local channel made without a buffer (see Join.handedTo). */
  private noteUnbufferedSend(send: Node, scope: Scope, unit: FuncUnit): void {
    // In a nested literal (a deferred one, a callback) the send runs at another time than it stands,
    // unless the literal makes the channel itself: then the goroutines it reaches start in that same
    // run, before the send. In a returned stop func (`return func() { done <- struct{}{}; report(n) }`)
    // it still orders what follows it in that func, whenever the caller runs it.
    const channel = send.childForFieldName('channel');
    const decl = channel?.type === 'identifier' ? scope.lookup(channel.text) : undefined;
    const returned = unit !== unit.thread && unit.node.type === 'func_literal' && unit.node.parent?.type === 'expression_list' && unit.node.parent.parent?.type === 'return_statement';
    const madeHere = decl !== undefined && within(decl.node, unit.node);
    if (unit !== unit.thread && !returned && !madeHere) return;
    const init = decl?.init;
    if (!decl || decl.packageLevel || init?.type !== 'call_expression' || init.childForFieldName('function')?.text !== 'make') return;
    const args = callArguments(init);
    if (args.length > 2 || (args.length === 2 && args[1].text !== '0')) return;
    const handedTo = channel!.text;
    const scopeEnd = returned ? unit.node.endIndex : undefined;
    unit.thread.joins.push({ pos: send.endIndex, end: send.endIndex, group: undefined, deferred: false, orders: (s) => receiveEndsWork(s, handedTo), ...(scopeEnd ? { scopeEnd } : {}) });
  }

  /**
   * `drain(errc)` where the package's drain receives from that parameter, or `c.await(req, future)`
   * where the package's only `await` receives from `future.Done`: a receive at the call. One for each
   * channel it waits on: `watch(in, done)` looping over a select of both receives, until done.
   */
  private noteArgumentJoin(call: Node, callee: Node | undefined, args: Node[], unit: FuncUnit): void {
    if (!callee || call.parent?.type === 'go_statement') return;
    for (const w of this.channelParamsWaitedOn(callee)) {
      const arg = args[w.index];
      const operand = arg?.type === 'unary_expression' && arg.child(0)?.type === '&' ? arg.childForFieldName('operand') : arg;
      if (!operand || !(operand.type === 'identifier' || (w.field !== undefined && operand.type === 'selector_expression' && /^[\w.]+$/.test(operand.text)))) continue;
      const name = w.field === undefined ? operand.text : `${operand.text}.${w.field}`;
      const deferred = call.parent?.type === 'defer_statement';
      // A group's closure too, when it (or the call that started it) signals that channel.
      unit.thread.joins.push({ pos: call.startIndex, end: call.endIndex, group: undefined, deferred, orders: (s) => signalsItself(s, name) || this.signalsThroughCall(s, name) || this.closesRelayed(s, name, unit.thread), ordersClosures: true, channel: name });
    }
  }

  /**
   * A pipeline's close relayed: `go func() { wg.Wait(); close(out) }()` closes `out` once every
   * goroutine counted by `wg` is done, and each of those counts itself done only after ranging over
   * `in` to its end (`defer wg.Done(); for j := range in { … }`, no way out of the range), so `out`
   * closes after `in` does. Whether goroutine `s` closes `in` as its last act (closesFinally).
   */
  private closesRelayed(s: Spawn, out: string, thread: FuncUnit): boolean {
    if (s.kind !== 'go' || !s.site || !/\bclose\(/.test(s.site.text)) return false;
    const fn = functionAround(s.site);
    // The function's own go statements, where the thread that waits on `out` started them all.
    const starts = fn && thread.node.id === fn.id ? this.ownGoStatements(fn).filter((g) => g.id !== s.site!.id) : [];
    for (const closer of starts) {
      const group = relayGroup(closer, out);
      if (!group) continue;
      const counted = starts.filter((g) => g.id !== closer.id && new RegExp(`(?<![\\w.])${escapeRegExp(group)}\\b`).test(g.text));
      const inputs = counted.map((g) => this.rangedToEnd(g, group));
      const input = inputs[0];
      if (!input || inputs.some((i) => i !== input)) continue;
      // Nothing but those goroutines counts the group down.
      const done = new RegExp(`(?<![\\w.])${escapeRegExp(group)}\\.Done\\(\\)|&\\s*${escapeRegExp(group)}\\b`, 'g');
      const outside = [...fn!.text.matchAll(done)].some((m) => !counted.some((g) => spans(g, fn!.startIndex + m.index!)));
      if (!outside && closesFinally(s, input)) return true;
    }
    return false;
  }

  private readonly goStatementsOf = new Map<number, Node[]>();

  /** The go statements a function makes itself (not those of its func literals' bodies), once per function. */
  private ownGoStatements(fn: Node): Node[] {
    let found = this.goStatementsOf.get(fn.id);
    if (!found) this.goStatementsOf.set(fn.id, (found = fn.descendantsOfType('go_statement').filter((g) => functionAround(g)?.id === fn.id)));
    return found;
  }

  /**
   * The channel a counted goroutine ranges over to the end before it counts itself done: its literal's
   * body, or the package function or method it runs (`go f.work(&wg, jobs, out)`), is `defer wg.Done()`
   * and then one `for … := range in { … }` with no return, break or goto.
   */
  private rangedToEnd(site: Node, group: string): string | undefined {
    const literal = goStatementLiteral(site);
    if (literal) return drainsThenDone(bodyStatements(literal), group);
    const call = site.namedChild(0);
    const callee = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
    const fn = callee?.type === 'identifier' ? (this.funcNodes.get(callee.text) ?? this.siblings.map((b) => b.funcNodes.get(callee.text)).find((n) => n)) : callee?.type === 'selector_expression' ? this.methodOfOwnPackage(callee.childForFieldName('field')?.text ?? '') : undefined;
    if (!fn || !call) return undefined;
    const params = parameterNames(fn.childForFieldName('parameters'));
    const args = callArguments(call).map((a) => a.text.replace(/\s+/g, ''));
    const wgParam = params[args.indexOf(`&${group}`)];
    const body = fn.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren ?? [];
    const ranged = wgParam ? drainsThenDone(body, wgParam) : undefined;
    const index = ranged ? params.indexOf(ranged) : -1;
    return index >= 0 && /^\w+$/.test(args[index] ?? '') ? args[index] : undefined;
  }

  /**
   * The lock a function of the package holds while it calls its callback parameter: taken by its first
   * statement and released by a deferred call (`mu.Lock(); defer mu.Unlock(); return fn()`), named as the
   * call site sees it: `r.m` for `r.Inc(cb)` when Inc locks its receiver's `m`, `c.lock` for
   * `runSynced(&c.lock, cb)` when runSynced locks the lock it is given, `mu` for a package lock.
   */
  callbackLock(call: Node, argIndex: number): string | undefined {
    const callee = call.childForFieldName('function');
    let fn: Node | undefined;
    let receiverText: string | undefined;
    // `foo.WithLock(…)` in package foo_test: foo's function, its package lock named `foo.mu` here.
    let testedAlias: string | undefined;
    if (callee?.type === 'identifier') fn = this.funcNodes.get(callee.text) ?? this.siblings.map((s) => s.funcNodes.get(callee.text)).find((n) => n);
    else if (callee?.type === 'selector_expression' && callee.childForFieldName('operand')?.type === 'identifier') {
      const operand = callee.childForFieldName('operand')!.text;
      const field = callee.childForFieldName('field')?.text ?? '';
      if (this.imports.has(operand)) {
        fn = this.testedFunc(operand, field);
        if (!fn) return this.lockByName(call, argIndex);
        testedAlias = operand;
      } else {
        receiverText = operand;
        fn = this.methodOfOwnPackage(field);
      }
    }
    if (!fn) return this.lockByName(call, argIndex);
    if ((fn.type === 'method_declaration') !== (receiverText !== undefined)) return undefined;
    const params = parameterNames(fn.childForFieldName('parameters'));
    const name = receiverText !== undefined ? this.lockAroundCallback(fn, argIndex, 1) : lockAroundCallback(fn, argIndex);
    if (!name) return undefined;
    // The lock as the call site names it: through the receiver, through a parameter, or a package lock as is.
    const root = /^\w+/.exec(name)?.[0] ?? '';
    const rest = name.slice(root.length);
    const receiver = parameterNames(fn.childForFieldName('receiver'))[0];
    if (receiverText !== undefined && root === receiver) return `${receiverText}${rest}`;
    const asParam = params.indexOf(root);
    if (asParam >= 0) {
      const arg = callArguments(call)[asParam]?.text.replace(/^&/, '');
      return arg && /^[\w.]+$/.test(arg) ? `${arg}${rest}` : undefined;
    }
    const declaredInside = new RegExp(`(?:\\bvar\\s+${escapeRegExp(root)}\\b|\\b${escapeRegExp(root)}\\s*(?:,[^=]*)?:=)`).test(fn.childForFieldName('body')?.text ?? '');
    if (receiverText !== undefined || rest !== '' || declaredInside || root === receiver) return undefined;
    return testedAlias === undefined ? root : `${testedAlias}.${root}`;
  }

  /**
   * A callback handed last to a call named for running it under a lock, whose body is out of sight
   * (`s.mu.WithLock(func() {…})` on a type of another package, `xsync.WithRLock(&mu, func() T {…})`):
   * the receiver, or a package function's first argument, is the lock.
   */
  private lockByName(call: Node, argIndex: number): string | undefined {
    const callee = call.childForFieldName('function');
    if (callee?.type !== 'selector_expression' || !LOCKED_CALLBACK.test(callee.childForFieldName('field')?.text ?? '')) return undefined;
    const args = callArguments(call);
    if (argIndex !== args.length - 1) return undefined;
    const operand = callee.childForFieldName('operand')!;
    const packageFunc = operand.type === 'identifier' && this.imports.has(operand.text);
    if (packageFunc && args.length !== 2) return undefined;
    const lock = packageFunc ? args[0].text.replace(/^&/, '') : operand.text;
    return /^[\w.]+$/.test(lock) ? lock : undefined;
  }

  /**
   * lockAroundCallback for a method, which may also hand the callback to another method of its
   * receiver that runs it under the lock (`return l.initSlow(init)`): the lock in the method's terms.
   */
  private lockAroundCallback(method: Node, argIndex: number, hops: number): string | undefined {
    const direct = lockAroundCallback(method, argIndex);
    if (direct || hops === 0) return direct;
    const param = parameterNames(method.childForFieldName('parameters'))[argIndex];
    const receiver = parameterNames(method.childForFieldName('receiver'))[0];
    const body = method.childForFieldName('body');
    if (!param || !receiver || !body) return undefined;
    // Every use of the callback is one argument of one call of a receiver's method.
    const uses = body.descendantsOfType('identifier').filter((n) => n.text === param);
    const args = uses[0]?.parent;
    const call = args?.type === 'argument_list' ? args.parent : undefined;
    const mc = call?.type === 'call_expression' ? methodCall(call) : undefined;
    if (uses.length !== 1 || mc?.receiver.text !== receiver || insideLiteralOrGo(call!, method)) return undefined;
    const callee = this.methodOfOwnPackage(mc.method);
    const index = callArguments(call!).findIndex((a) => a.id === uses[0].id);
    const inner = callee && index >= 0 ? this.lockAroundCallback(callee, index, hops - 1) : undefined;
    const calleeReceiver = callee && parameterNames(callee.childForFieldName('receiver'))[0];
    const root = inner && /^\w+/.exec(inner)?.[0];
    return root && root === calleeReceiver ? receiver + inner!.slice(root.length) : undefined;
  }

  /** The package's only method of that name: its own files', or, from an external test package, the tested package's. */
  private methodOfOwnPackage(name: string): Node | undefined {
    const own = this.onlyMethodNamed(name);
    return own || this.methodsByName!.has(name) ? own : this.tested?.files[0]?.onlyMethodNamed(name);
  }

  /** The package an external test package (`foo_test`) tests, from the same directory: its files, for the functions it imports. */
  private tested?: { name: string; files: readonly ModelBuilder[] };

  linkTested(name: string, files: readonly ModelBuilder[]): void {
    this.tested = { name, files };
  }

  /** The tested package's function `name`, when `alias` imports that package. */
  private testedFunc(alias: string, name: string): Node | undefined {
    const path = this.imports.get(alias);
    if (!this.tested || path === undefined || (alias !== this.tested.name && packageNameOf(path) !== this.tested.name)) return undefined;
    return this.tested.files.map((f) => f.funcNodes.get(name)).find((n) => n);
  }

  /** The package's function of that name, unless a local variable hides it. */
  private packageFunc(fn: Node, scope: Scope): Node | undefined {
    if (scope.lookup(fn.text)) return undefined;
    return this.funcNodes.get(fn.text) ?? this.siblings.map((s) => s.funcNodes.get(fn.text)).find((n) => n);
  }

  private readonly fieldReads = new Map<string, string[] | null>();

  /**
   * `printStats(&stats, …)` where the package's printStats only reads fields of that parameter
   * (`p.Index`): the fields it reads of `stats`, read at the call. Undefined for any other use of the
   * parameter (a method call, a write, its address, handing it on, a goroutine or func literal that
   * names it), and for an argument that is not `&name`.
   */
  private fieldsReadThrough(fn: Node | null, arg: Node, index: number, scope: Scope): string[] | undefined {
    if (fn?.type !== 'identifier' || arg.type !== 'unary_expression' || operatorOf(arg) !== '&' || arg.childForFieldName('operand')?.type !== 'identifier') return undefined;
    const callee = this.packageFunc(fn, scope);
    const owner = callee && [this, ...this.siblings].find((b) => b.tree === callee.tree);
    if (callee?.type !== 'function_declaration' || !owner) return undefined;
    // By name: the package has one function of each name, wherever it stands.
    const key = `${fn.text}/${index}`;
    let fields = this.fieldReads.get(key);
    if (fields === undefined) this.fieldReads.set(key, (fields = paramFieldReads(owner.wholeDeclaration(callee), index) ?? null));
    return fields ?? undefined;
  }

  /**
   * A top-level function or method of this file with its body: the skeleton parse leaves out a body
   * neither the walk nor a rule reads, and then the declaration's text is parsed on its own.
   */
  wholeDeclaration(decl: Node): Node {
    const body = decl.childForFieldName('body');
    if (!body || !this.skipped.has(body.startIndex)) return decl;
    return parseGo(`package p\n${decl.text}`).rootNode.namedChildren.find((n) => n.type === decl.type) ?? decl;
  }

  private methodsByName?: Map<string, Node | null>;

  /**
   * One of the package's methods of this name when there are several (an interface's implementations,
   * `(s *scalarExecutor) WrapResults(ctx, out)` and `(v *vectorExecutor) WrapResults(ctx, out)`) and
   * every one waits on the same channel parameters: whichever runs, the call waits as each does.
   */
  private methodsWaitingAlike(method: string): Node | undefined {
    const methods = this.methodsNamed(method);
    if (methods.length < 2) return undefined;
    const key = (fn: Node) => JSON.stringify(this.channelParamsWaitedOn(fn).map((w) => [w.index, w.field ?? '']).sort());
    const first = key(methods[0].node);
    return first !== '[]' && methods.every((m) => key(m.node) === first) ? methods[0].node : undefined;
  }

  /** The package's only method of that name (receivers of calls are often of a type racecheck does not know). */
  private onlyMethodNamed(method: string): Node | undefined {
    if (!this.methodsByName) {
      // null: two or more methods have the name.
      this.methodsByName = new Map();
      for (const b of [this, ...this.siblings]) {
        for (const [key, node] of b.methodNodes) {
          const name = key.slice(key.indexOf('.') + 1);
          this.methodsByName.set(name, this.methodsByName.has(name) ? null : node);
        }
      }
    }
    return this.methodsByName.get(method) ?? undefined;
  }

  private readonly paramsWaitedOn = new Map<Node, WaitedParam[]>();
  private readonly paramsSignaled = new Map<Node, number[]>();

  /**
   * Whether a goroutine hands `channel` to a package function that sends on or closes it, as a
   * statement of its own (`signal(done)`): a result assigned from such a call is written after the signal.
   */
  private signalsThroughCall(s: Spawn, channel: string): boolean {
    const literal = goLiteral(s);
    if (!literal || !new RegExp(`[(,]\\s*${escapeRegExp(channel)}\\s*[,)]`).test(literal.text)) return false;
    for (const call of literal.descendantsOfType('call_expression')) {
      const callee = call.childForFieldName('function');
      if (callee?.type !== 'identifier' || call.parent?.type !== 'expression_statement') continue;
      const fn = this.funcNodes.get(callee.text) ?? this.siblings.map((b) => b.funcNodes.get(callee.text)).find((n) => n);
      if (!fn) continue;
      let signaled = this.paramsSignaled.get(fn);
      if (!signaled) this.paramsSignaled.set(fn, (signaled = channelParamsSignaled(fn)));
      const args = callArguments(call);
      if (signaled.some((i) => args[i]?.text === channel)) return true;
    }
    return false;
  }

  private channelParamsWaitedOn(fn: Node): WaitedParam[] {
    let waited = this.paramsWaitedOn.get(fn);
    if (!waited) this.paramsWaitedOn.set(fn, (waited = channelParamsWaitedOn(fn)));
    return waited;
  }

  /**
   * Whether the package's function or method a call names runs its callback argument `index` on a
   * goroutine that, after the callback, sends on or closes a channel the function made and returns:
   * `func (u *util) Go(f func() error) chan error { ch := make(chan error); go func() { defer close(ch); ch <- f() }(); return ch }`.
   */
  private signalsResultOf(fn: Node | null, index: number): boolean {
    const callee = fn?.type === 'identifier' ? this.funcNodes.get(fn.text) ?? this.siblings.map((b) => b.funcNodes.get(fn.text)).find((n) => n) : fn?.type === 'selector_expression' ? this.onlyMethodNamed(fn.childForFieldName('field')?.text ?? '') : undefined;
    const body = callee?.childForFieldName('body');
    const param = callee ? parameterNames(callee.childForFieldName('parameters'))[index] : undefined;
    if (!callee || !body || !param) return false;
    const text = body.text;
    const returned = /\breturn\s+(\w+)\s*\}\s*$/.exec(text)?.[1];
    if (!returned || !new RegExp(`\\b${returned}\\s*:?=\\s*make\\(\\s*chan\\b`).test(text)) return false;
    return body.descendantsOfType('go_statement').some((g) => {
      const literal = g.namedChild(0)?.childForFieldName('function');
      if (literal?.type !== 'func_literal') return false;
      const inner = literal.text;
      const calls = inner.search(new RegExp(`(?<![\\w.])${param}\\(`));
      if (calls < 0) return false;
      // A signal after the call, deferred, or a send of the call's result (`ch <- f()`).
      return [...inner.matchAll(new RegExp(`(?<![\\w.])${returned}\\s*<-[^\\n]*|\\bclose\\(\\s*${returned}\\s*\\)`, 'g'))].some((m) => {
        const line = inner.slice(inner.lastIndexOf('\n', m.index!) + 1);
        return m.index! > calls || /^\s*defer\s/.test(line) || new RegExp(`<-.*(?<![\\w.])${param}\\(`).test(m[0]);
      });
    });
  }

  /** `gate.Enter()` where the package's Enter receives from the gate (see channel-methods.ts). */
  private noteMethodJoin(call: Node, fn: Node, method: string, scope: Scope, unit: FuncUnit): void {
    const object = fn.childForFieldName('operand');
    if (object?.type !== 'identifier') return;
    let type = this.typeOfExpr(object, scope);
    if (type.kind === 'pointer') type = type.elem;
    if (type.kind !== 'named') return;
    const { receives, waits } = this.channelOpsOf(type.name, method);
    if (receives.size === 0 && waits.size === 0) return;
    const deferred = call.parent?.type === 'defer_statement';
    const opsOf = (t: string, m: string) => this.channelOpsOf(t, m);
    const via = { object: object.text, type: type.name, channels: receives, groups: waits };
    unit.thread.joins.push({ pos: call.startIndex, end: call.endIndex, group: undefined, deferred, orders: (s) => signalsVia(s, via, opsOf) });
  }

  /**
   * `!ok` after `_, ok := <-time.NewTimer(d).C`: a receive from a channel the models say is never closed
   * (`openChannel`) always reports ok, so the branch never runs.
   */
  private notOkFromOpenChannel(ifStatement: Node, condition: Node | null, scope: Scope): boolean {
    if (condition?.type !== 'unary_expression' || condition.child(0)?.type !== '!') return false;
    const ok = condition.childForFieldName('operand');
    if (ok?.type !== 'identifier') return false;
    // Declared by the if's own initializer (`if _, ok := <-ch; !ok`), or before it.
    const init = ifStatement.childForFieldName('initializer');
    const own = init?.type === 'short_var_declaration' ? init.childForFieldName('left')?.namedChildren.find((n) => n.text === ok.text) : undefined;
    const declared = own ?? scope.lookup(ok.text)?.node;
    const names = declared?.parent;
    const declaration = names?.parent;
    if (!declared || names?.type !== 'expression_list' || declaration?.type !== 'short_var_declaration' || names.namedChildren.length !== 2 || names.namedChild(1)?.id !== declared.id) return false;
    const right = declaration.childForFieldName('right')?.namedChildren ?? [];
    const receive = right.length === 1 ? right[0]! : undefined;
    if (receive?.type !== 'unary_expression' || receive.child(0)?.type !== '<-') return false;
    const channel = receive.childForFieldName('operand');
    if (channel?.type === 'call_expression') return this.calleeModel(channel, scope)?.model.openChannel === true;
    if (channel?.type !== 'selector_expression') return false;
    let made = channel.childForFieldName('operand');
    // `t := time.NewTimer(d)` … `<-t.C`
    if (made?.type === 'identifier') made = scope.lookup(made.text)?.init ?? null;
    const field = channel.childForFieldName('field')?.text;
    return made?.type === 'call_expression' && field !== undefined && this.calleeModel(made, scope)?.model.openChannel === field;
  }

  /**
   * `runner.Run()` where the models say the receiver's type returns from Run only after a call of
   * Done on the value (`waitsFor`): it joins a goroutine that ends by calling `runner.Done()` (deferred,
   * or its last statement).
   */
  private noteModelledWait(call: Node, fn: Node, method: string, scope: Scope, unit: FuncUnit): void {
    const object = fn.childForFieldName('operand');
    if (object?.type !== 'identifier') return;
    const signal = this.typeModel(this.typeOfExpr(object, scope))?.waitsFor?.[method];
    if (!signal) return;
    const signalCall = new RegExp(`^(?:defer\\s+)?${object.text}\\.${signal}\\(\\s*\\)$`);
    const endsBySignal = (s: Spawn) => {
      const literal = goLiteral(s);
      if (!literal) return false;
      const statements = bodyStatements(literal);
      return statements.some((st, i) => signalCall.test(st.text) && (st.type === 'defer_statement' || i === statements.length - 1));
    };
    unit.thread.joins.push({ pos: call.startIndex, end: call.endIndex, group: undefined, deferred: call.parent?.type === 'defer_statement', orders: endsBySignal });
  }

  /**
   * `<-c.Wait()` where the package's Wait returns a channel field of its receiver (`return c.quit`): a
   * receive from that field, so it joins a goroutine that signals it through a method (`c.Close()`
   * closing `c.quit`), as noteMethodJoin does for a method that receives itself.
   */
  private noteReturnedChannelJoin(receive: Node, scope: Scope, unit: FuncUnit): void {
    const call = receive.childForFieldName('operand');
    const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
    const object = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
    const method = fn?.childForFieldName('field')?.text;
    if (object?.type !== 'identifier' || !method || !this.returnsChannelField(method)) return;
    let type = this.typeOfExpr(object, scope);
    if (type.kind === 'pointer') type = type.elem;
    if (type.kind !== 'named') return;
    const { returns } = this.channelOpsOf(type.name, method);
    if (returns.size === 0) return;
    const opsOf = (t: string, m: string) => this.channelOpsOf(t, m);
    const via = { object: object.text, type: type.name, channels: returns, groups: new Set<string>() };
    // In a select, it orders its own case only.
    let selectCase: Node | null = receive.parent;
    while (selectCase && selectCase.type !== 'communication_case' && selectCase.type !== 'statement_list') selectCase = selectCase.parent;
    const scopeEnd = selectCase?.type === 'communication_case' ? { scopeEnd: selectCase.endIndex } : {};
    unit.thread.joins.push({ pos: receive.startIndex, end: receive.endIndex, group: undefined, deferred: false, ...scopeEnd, orders: (s) => signalsVia(s, via, opsOf) });
  }

  /**
   * `<-accept()` where accept is a local func literal that makes a channel, starts a goroutine that
   * sends on or closes it, and returns it (`errc := make(chan error, 1); go func() { defer close(errc); … }();
   * return errc`): a receive from that goroutine's own channel, as `<-errc` would be. It orders only
   * the goroutines that literal starts; in a select, only its own case.
   */
  private noteLocalFuncChannelJoin(receive: Node, scope: Scope, unit: FuncUnit): void {
    const call = receive.childForFieldName('operand');
    const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
    const literal = fn?.type === 'identifier' ? scope.lookup(fn.text)?.init : undefined;
    if (literal?.type !== 'func_literal') return;
    const statements = bodyStatements(literal);
    const last = statements[statements.length - 1];
    const results = last?.type === 'return_statement' ? last.namedChild(0)?.namedChildren : undefined;
    const returned = results?.length === 1 && results[0].type === 'identifier' ? results[0].text : undefined;
    if (!returned) return;
    const name = escapeRegExp(returned);
    if (!statements.some((st) => new RegExp(`^${name}\\s*:=\\s*make\\(\\s*(?:<-)?chan\\b`).test(st.text))) return;
    const signal = new RegExp(`(?:^|[^\\w.])${name}\\s*<-|\\bclose\\(\\s*${name}\\s*\\)`);
    const starts = new Set(literal.descendantsOfType('go_statement').filter((g) => signal.test(g.text)).map((g) => g.startIndex));
    if (starts.size === 0) return;
    const orders = (s: Spawn) => s.site !== undefined && starts.has(s.site.startIndex);
    let selectCase: Node | null = receive.parent;
    while (selectCase && selectCase.type !== 'communication_case' && selectCase.type !== 'statement_list') selectCase = selectCase.parent;
    const scopeEnd = selectCase?.type === 'communication_case' ? { scopeEnd: selectCase.endIndex } : {};
    const stmt = receive.parent?.type === 'expression_list' ? receive.parent.parent : receive.parent;
    const at = !scopeEnd.scopeEnd && stmt && ['receive_statement', 'assignment_statement', 'short_var_declaration'].includes(stmt.type) ? stmt : receive;
    unit.thread.joins.push({ pos: at.startIndex, end: at.endIndex, group: undefined, deferred: false, ...scopeEnd, orders });
  }

  /**
   * `<-gsync.WaitGroupToChan(&wg)`: a receive from the channel a call makes of a WaitGroup it is
   * handed, a wait turned into a channel so that a select can time it out. It joins wg as
   * `wg.Wait()` would (in a select, for its own case only).
   */
  private noteGroupChannelJoin(receive: Node, scope: Scope, unit: FuncUnit): void {
    const call = receive.childForFieldName('operand');
    if (call?.type !== 'call_expression' || !call.text.includes('&')) return;
    const groups = this.groupsHanded(callArguments(call), scope);
    if (groups.length !== 1 || !this.mayWaitOnGroup(call)) return;
    // In a select, it joins for its own case; also after the select when every other case leaves (`return` on a timeout).
    const stmt = receive.parent?.type === 'receive_statement' ? receive.parent : undefined;
    const selectCase = stmt?.parent?.type === 'communication_case' ? stmt.parent : undefined;
    const others = (selectCase ? this.otherCases(selectCase, scope, unit) : []);
    const scopeEnd = others.some((c) => !waitsOnReceive(c) && !leavesAfter(c, undefined, this.noReturnCall)) ? { scopeEnd: selectCase!.endIndex } : {};
    const at = stmt ?? receive;
    unit.thread.joins.push({ pos: at.startIndex, end: at.endIndex, group: groups[0], deferred: false, ...scopeEnd });
  }

  /** The WaitGroups among a call's arguments, handed by address (`&wg`). */
  private groupsHanded(args: readonly Node[], scope: Scope): string[] {
    return args.flatMap((arg) => {
      const target = arg.type === 'unary_expression' && operatorOf(arg) === '&' ? arg.childForFieldName('operand') : undefined;
      return target?.type === 'identifier' && typeName(this.typeOfExpr(target, scope)) === 'sync.WaitGroup' ? [target.text] : [];
    });
  }

  /**
   * `waitTimeout(t, &wg, d)`, `testutil.WaitWithTimeout(t, &wg, d)`: a helper handed a WaitGroup that
   * waits on it, with a timeout that fails the test or returns early. It joins wg as `wg.Wait()` does (a
   * read after a timeout the caller lets pass is a test that already failed, or hung).
   */
  private noteGroupHelperJoin(call: Node, args: Node[], scope: Scope, unit: FuncUnit): void {
    // A statement of its own, or an `if` testing what it returns (`if waitTimeout(&wg, d) { t.Fatal(…) }`):
    // not a channel it hands back (`<-waitChan(&wg)`), which waits only where it is received from.
    const tested = call.parent?.type === 'unary_expression' && operatorOf(call.parent) === '!' ? call.parent : call;
    if (call.parent?.type !== 'expression_statement' && !(tested.parent?.type === 'if_statement' && tested.parent.childForFieldName('condition')?.id === tested.id)) return;
    const groups = this.groupsHanded(args, scope);
    if (groups.length !== 1) return;
    const index = args.findIndex((a) => a.type === 'unary_expression' && a.childForFieldName('operand')?.text === groups[0]);
    const fn = call.childForFieldName('function');
    if (fn?.type === 'identifier') {
      // The package's own helper: its body waits on the parameter it gets the group as.
      const owner = [this, ...this.siblings].find((b) => b.funcNodes.has(fn.text));
      const decl = owner?.funcNodes.get(fn.text);
      const body = decl?.childForFieldName('body');
      const param = decl ? parameterNames(decl.childForFieldName('parameters'))[index] : undefined;
      if (!body || !param || !new RegExp(`(?<![\\w.])${escapeRegExp(param)}\\.Wait\\(\\s*\\)`).test(owner!.source.slice(body.startIndex, body.endIndex))) return;
    } else if (fn?.type !== 'selector_expression' || !/wait/i.test(fn.childForFieldName('field')?.text ?? '')) {
      // Another package's function must say it waits: `Done(&wg)` may count the group down instead.
      return;
    }
    this.addJoin(unit, call, groups[0], args[index]?.childForFieldName('operand') ?? undefined);
  }

  /**
   * Whether a goroutine's `X.Done()` calls, X named as `group` is, all count down other variables than
   * the one `group` refers to (read after the walk); false when it makes none.
   */
  private countsDownAnother(s: Spawn, group: Node): boolean {
    const joined = this.refs.get(group.startIndex);
    if (!joined || !s.site || !s.site.text.includes(`${group.text}.Done`)) return false;
    const counted = s.site.descendantsOfType('call_expression').flatMap((call) => {
      const mc = methodCall(call);
      return mc?.method === 'Done' && mc.receiver.type === 'identifier' && mc.receiver.text === group.text ? [this.refs.get(mc.receiver.startIndex)] : [];
    });
    return counted.length > 0 && counted.every((d) => d !== undefined && d !== joined);
  }

  /**
   * Whether the call handed `&wg` may wait on it: a function of the package whose body calls `Wait()`,
   * or one of another package whose name says it waits (`gsync.WaitGroupToChan`, `waitDone`).
   */
  private mayWaitOnGroup(call: Node): boolean {
    const fn = call.childForFieldName('function');
    const name = fn?.type === 'identifier' ? fn.text : fn?.type === 'selector_expression' ? fn.childForFieldName('field')?.text : undefined;
    if (!name) return false;
    const local = fn!.type === 'identifier' ? [this, ...this.siblings].find((b) => b.funcNodes.has(name)) : undefined;
    const body = local?.funcNodes.get(name)?.childForFieldName('body');
    if (body) return /\.Wait\(\s*\)/.test(local!.source.slice(body.startIndex, body.endIndex));
    return /wait|done/i.test(name);
  }

  /**
   * A package function that returns only once a func parameter returned true: its body's own
   * `for !done() { … }`, with no `return`, `break` or `goto` before or inside it (a helper that polls
   * a test clock until a goroutine's flag is set). The parameter's position, as the models'
   * `waitsUntilTrue` gives it.
   */
  localWaitsUntilTrue(call: Node): number[] | undefined {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'identifier') return undefined;
    const owner = [this, ...this.siblings].find((b) => b.funcNodes.has(fn.text));
    const decl = owner?.funcNodes.get(fn.text);
    const body = decl?.childForFieldName('body');
    // Read from the text: a skeleton parse may have left the body out of the tree.
    return body ? untilTrueParam(parameterNames(decl!.childForFieldName('parameters')), withoutComments(owner!.source.slice(body.startIndex, body.endIndex))) : undefined;
  }

  private returningNames?: Set<string>;

  /** Cheap filter before resolving a call: some method of the package by this name returns a channel. */
  private returnsChannelField(method: string): boolean {
    return (this.returningNames ??= this.methodNamesWhere('returnsChannel', (node) => returnsChannel(node))).has(method);
  }

  private waitingNames?: Set<string>;

  /** Cheap filter before resolving a call: some method of the package by this name mentions `<-`, or ranges and names a channel type. */
  private mayWait(method: string): boolean {
    return (this.waitingNames ??= this.methodNamesWhere('mayWait', (node, owner) => {
      const text = owner.source.slice(node.startIndex, node.endIndex);
      return text.includes('<-') || FIELD_WAIT.test(text) || (/\brange\b/.test(text) && text.includes('chan'));
    })).has(method);
  }

  /** The names of the package's methods that pass `test` (one test per `kind`), given each one's node and the file that holds it. */
  private methodNamesWhere(kind: string, test: (node: Node, owner: ModelBuilder) => boolean): Set<string> {
    const names = new Set<string>();
    for (const b of [this, ...this.siblings]) for (const name of b.ownMethodNamesWhere(kind, test)) names.add(name);
    return names;
  }

  // Each file's share, asked for by every file of the package: kept, so a package costs files, not files².
  private readonly ownMethodNames = new Map<string, Set<string>>();
  private ownMethodNamesWhere(kind: string, test: (node: Node, owner: ModelBuilder) => boolean): Set<string> {
    let names = this.ownMethodNames.get(kind);
    if (names) return names;
    names = new Set<string>();
    for (const [key, node] of this.methodNodes) if (test(node, this)) names.add(key.slice(key.indexOf('.') + 1));
    this.ownMethodNames.set(kind, names);
    return names;
  }

  private channelOpsOf(type: string, method: string): ChannelOps {
    const key = `${type}.${method}`;
    let ops = this.channelOps.get(key);
    if (!ops) {
      const node = this.methodNodes.get(key) ?? this.siblings.map((s) => s.methodNodes.get(key)).find((n) => n);
      ops = node ? channelOpsOf(node) : NO_CHANNEL_OPS;
      this.channelOps.set(key, ops);
    }
    return ops;
  }

  /** `obj.Chan()` where the package's method returns one channel field of obj's type (`return r.jobs`). */
  returnedField(call: Node): { type: string; field: string } | undefined {
    const mc = methodCall(call);
    if (!mc || !this.returnsChannelField(mc.method)) return undefined;
    let type = this.typeOfExpr(mc.receiver);
    if (type.kind === 'pointer') type = type.elem;
    if (type.kind !== 'named') return undefined;
    const { returns } = this.channelOpsOf(type.name, mc.method);
    return returns.size === 1 ? { type: type.name, field: [...returns][0] } : undefined;
  }

  private readonly signallers = new Map<string, ReadonlySet<string> | undefined>();

  /**
   * The methods of `type` that may feed its channel field `field`: those that name it other than to
   * return it, hand their receiver on, or call such a method on it. Read from the source text (a
   * skeleton parse leaves bodies out). Undefined when code outside the type's methods names `.field`.
   */
  fieldSignallers(type: string, field: string): ReadonlySet<string> | undefined {
    const key = `${type}.${field}`;
    if (this.signallers.has(key)) return this.signallers.get(key);
    let result: Set<string> | undefined = new Set<string>();
    const calls = new Map<string, string[]>();
    const mention = new RegExp(`\\.\\s*${escapeRegExp(field)}\\b`, 'g');
    for (const b of [this, ...this.siblings]) {
      const own: Node[] = [];
      for (const [k, node] of b.methodNodes) {
        if (!k.startsWith(`${type}.`)) continue;
        own.push(node);
        const method = k.slice(type.length + 1);
        const recv = node.childForFieldName('receiver')?.descendantsOfType('identifier')[0]?.text;
        const body = node.childForFieldName('body');
        const text = body ? b.source.slice(body.startIndex, body.endIndex) : '';
        if (!recv || recv === '_') continue;
        const r = escapeRegExp(recv);
        const names = new RegExp(`\\b${r}\\s*\\.\\s*${escapeRegExp(field)}\\b`);
        const accessor = new RegExp(`\\breturn\\s+${r}\\s*\\.\\s*${escapeRegExp(field)}\\s*(?:$|[;}]|//)`, 'gm');
        const handsOn = new RegExp(`\\b${r}\\b(?!\\s*\\.)`);
        if (names.test(text.replace(accessor, '')) || handsOn.test(text)) result.add(method);
        else calls.set(method, [...text.matchAll(new RegExp(`\\b${r}\\s*\\.\\s*(\\w+)`, 'g'))].map((m) => m[1]));
      }
      // Another function naming `.field` may feed it from anywhere.
      for (const m of b.source.matchAll(mention)) {
        if (!own.some((n) => m.index! >= n.startIndex && m.index! < n.endIndex)) result = undefined;
        if (!result) break;
      }
      if (!result) break;
    }
    for (let grew = true; result && grew; ) {
      grew = false;
      for (const [method, called] of calls) {
        if (!result.has(method) && called.some((c) => result!.has(c))) {
          result.add(method);
          grew = true;
        }
      }
    }
    this.signallers.set(key, result);
    return result;
  }

  /** Whether `call` runs a package function (a constructor) that starts no goroutine and calls none of `methods`. */
  quietConstructor(call: Node, methods: ReadonlySet<string>): boolean {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'identifier') return false;
    const owner = [this, ...this.siblings].find((b) => b.funcNodes.has(fn.text));
    const node = owner?.funcNodes.get(fn.text);
    if (!owner || !node) return false;
    const text = owner.source.slice(node.startIndex, node.endIndex);
    if (/\bgo\s+[\w.(]/.test(text)) return false;
    return ![...methods].some((m) => new RegExp(`\\.\\s*${escapeRegExp(m)}\\s*\\(`).test(text));
  }

  private reference(ident: Node, scope: Scope, unit: FuncUnit, ctx: AccessContext): void {
    const decl = scope.lookup(ident.text);
    if (!decl || decl.node.startIndex === ident.startIndex) return;
    this.refs.set(ident.startIndex, decl);
    if (decl.kind === 'func' || decl.kind === 'type' || decl.kind === 'const') return;
    this.recordAccess(ident, decl, unit, ctx);
    if (ctx.write === true && !ctx.method && ctx.path.length > 0 && !decl.packageLevel) {
      const through = this.sharedTargetOf(decl, ctx.path, unit.thread);
      if (through) this.recordAccess(ident, through.root, unit, { ...ctx, path: [...through.prefix, ...ctx.path], via: { kind: through.kind, local: decl, from: through.from, path: ctx.path } });
    }
  }

  /** The other variable whose memory a write through the local `decl` at `path` reaches (see Access.via). */
  private sharedTargetOf(decl: Decl, path: readonly string[], thread: FuncUnit): { kind: 'element' | 'copy' | 'pointer'; root: Decl; prefix: string[]; from: Node } | undefined {
    // A handler's write through a pointer it took from package-level state writes that state: every
    // request that takes the same element writes it at once (RacerD: the local owns nothing).
    if (thread.spawn?.kind === 'handler') {
      const into = this.packageElementOf(decl);
      return into && { kind: 'element', root: into.root, prefix: into.path, from: into.from };
    }
    if (!thread.spawn?.loop) return undefined;
    // A copy of an outer struct made for one turn of a loop shares its pointer fields: `s := spec`, then
    // `s.Linux.Path = …` in the goroutine that turn starts writes the one `*spec.Linux` every turn's copy holds.
    const source = path.length > 1 ? this.copiedStructOf(decl, path, thread) : undefined;
    if (source) return { kind: 'copy', root: source, prefix: [], from: decl.init! };
    // `fc := l.chain` in a goroutine a loop starts, then `fc.Hosts = …`: every turn's goroutine writes the
    // one object the captured `l` points at.
    const held = this.capturedPointerOf(decl, thread);
    return held && { kind: 'pointer', root: held.root, prefix: held.path, from: decl.init! };
  }

  /**
   * The variable a goroutine's local pointer was read from, through fields only (`fc := l.chain`):
   * declared before the loop that starts the goroutine, so every turn's goroutine reads the same one.
   */
  private capturedPointerOf(decl: Decl, thread: FuncUnit): { root: Decl; path: string[] } | undefined {
    const loop = thread.spawn?.loop;
    if (!loop || decl.kind !== 'var' || decl.init?.type !== 'selector_expression' || !within(decl.node, thread.node)) return undefined;
    if (!this.types.isPointer(decl.type) || this.reassigned(decl)) return undefined;
    const path: string[] = [];
    let expr: Node | null = decl.init;
    while (expr?.type === 'selector_expression') {
      path.unshift(expr.childForFieldName('field')?.text ?? '');
      expr = expr.childForFieldName('operand');
    }
    const root = expr?.type === 'identifier' ? this.refs.get(expr.startIndex) : undefined;
    if (!root || root.packageLevel || root.kind === 'func' || within(root.node, loop)) return undefined;
    return { root, path };
  }

  /**
   * The outer variable a loop turn's struct copy was made from (`s := spec` in the loop that starts
   * `thread`, `spec` declared before it), when `path` written through the copy crosses a pointer field
   * of it: the memory past that pointer is the source's own.
   */
  private copiedStructOf(decl: Decl, path: readonly string[], thread: FuncUnit): Decl | undefined {
    const loop = thread.spawn?.loop;
    if (!loop || decl.kind !== 'var' || decl.init?.type !== 'identifier') return undefined;
    if (!within(decl.node, loop) || within(decl.node, thread.node) || this.types.underlying(decl.type).kind !== 'struct') return undefined;
    const source = this.refs.get(decl.init.startIndex);
    if (!source || source.packageLevel || source.kind === 'func' || within(source.node, loop) || this.reassigned(decl)) return undefined;
    let type = decl.type;
    for (let depth = 0; depth < path.length - 1; depth++) {
      if (path[depth] === '[]') return undefined;
      type = this.types.fieldType(type, path[depth]);
      if (!this.types.isPointer(type)) continue;
      // `s.Linux = &own` gives this turn's copy a pointer of its own.
      const field = [decl.name, ...path.slice(0, depth + 1)].map(escapeRegExp).join('\\s*\\.\\s*');
      const text = this.source.slice(loop.startIndex, loop.endIndex);
      return new RegExp(`(?<![\\w.])${field}\\s*=(?!=)`).test(text) ? undefined : source;
    }
    return undefined;
  }

  /**
   * The package-level variable a local refers into, and the path to the element: `u := cache[k]`
   * gives `cache` and ['[]']; `for _, u := range cache[k]` gives ['[]', '[]'], also through a local
   * slice between (`ups := cache[k]`). Each local on the way must share what it was taken from (a
   * pointer, a slice or a map, not a copied struct), and be assigned only where it is declared.
   */
  private packageElementOf(decl: Decl, depth = 0): { root: Decl; path: string[]; from: Node } | undefined {
    const kind = this.types.underlying(decl.type).kind;
    if (depth > 3 || (kind !== 'pointer' && kind !== 'slice' && kind !== 'map')) return undefined;
    let expr: Node | null | undefined;
    const path: string[] = [];
    if (decl.kind === 'range') {
      const range = decl.loop?.namedChildren.find((c) => c.type === 'range_clause');
      const left = range?.childForFieldName('left');
      if (left?.namedChildCount !== 2 || left.namedChild(1)?.startIndex !== decl.node.startIndex) return undefined;
      expr = range!.childForFieldName('right');
      path.push('[]');
    } else if (decl.kind === 'var' && decl.init) expr = decl.init;
    const from = expr;
    while (expr?.type === 'index_expression' || expr?.type === 'parenthesized_expression' || expr?.type === 'selector_expression') {
      if (expr.type === 'index_expression') path.unshift('[]');
      else if (expr.type === 'selector_expression') path.unshift(expr.childForFieldName('field')?.text ?? '');
      expr = expr.type === 'parenthesized_expression' ? expr.namedChild(0) : expr.childForFieldName('operand');
    }
    const root = expr?.type === 'identifier' ? this.refs.get(expr.startIndex) : undefined;
    if (!root || !from || path.length === 0 || this.reassigned(decl)) return undefined;
    if (root.packageLevel) return root.kind === 'var' ? { root, path, from } : undefined;
    const outer = this.packageElementOf(root, depth + 1);
    return outer ? { root: outer.root, path: [...outer.path, ...path], from: outer.from } : undefined;
  }

  /**
   * Whether a local is assigned again after its declaration (`u = other`, `u, err = load()`,
   * `err, u = …`): then it may point anywhere.
   */
  private reassigned(decl: Decl): boolean {
    let fn: Node | null = decl.node;
    while (fn && fn.type !== 'function_declaration' && fn.type !== 'method_declaration') fn = fn.parent;
    const text = fn ? this.source.slice(fn.startIndex, fn.endIndex) : '';
    const name = escapeRegExp(decl.name);
    const operand = '[\\w.]+\\s*';
    return new RegExp(`(?<![\\w.])(?:${operand},\\s*)*${name}\\s*(?:,\\s*${operand})*=(?!=)`).test(text);
  }

  private recordAccess(ident: Node, decl: Decl, unit: FuncUnit, ctx: AccessContext): void {
    const method = ctx.method;
    const written = !method && ctx.write === true;
    const deleted = ctx.deleted === true;
    const access: Access = {
      decl,
      node: ident,
      kind: written || deleted ? 'write' : 'read',
      path: ctx.path,
      method,
      appendSelf: written && ctx.appendSelf === true,
      deleted,
      addressTaken: ctx.addressTaken === true,
      atomic: ctx.atomic === true && ctx.addressTaken === true,
      ...(ctx.rewrittenBy ? { rewrittenBy: ctx.rewrittenBy } : {}),
      ...(ctx.via ? { via: ctx.via } : {}),
      unit,
      thread: unit.thread,
    };
    this.accesses.push(access);
    let list = this.byDecl.get(decl);
    if (!list) this.byDecl.set(decl, (list = []));
    list.push(access);
  }
}

/** The first join after `pos` (and before `end`, when given) in a thread that waits for spawn `s`. */
function joinAfter(s: Spawn, pos: number, end = Number.MAX_SAFE_INTEGER): Join | undefined {
  const parent = s.parent?.thread;
  if (!parent) return undefined;
  let best: Join | undefined;
  for (const j of parent.joins) {
    // `defer wg.Wait()` ahead of the spawn in a literal called on the spot waits when that call returns.
    const deferredAhead = j.exitAt !== undefined && j.pos < pos && s.site!.endIndex <= j.exitAt;
    if ((j.pos < pos && !deferredAhead) || j.pos >= end || j.scopeEnd !== undefined) continue;
    // A go statement may be joined by any Wait or receive; a `.Go` closure only by its group's Wait.
    if (s.kind === 'group' && (j.waitsFor ?? j.group) !== s.group && !j.ordersClosures) continue;
    if (j.orders && !j.orders(s)) continue;
    if (!best || joinPosFor(j, s) < joinPosFor(best, s)) best = j;
  }
  return best;
}

/** Where a join waits for s: its position, or the function's exit when deferred (unless s starts inside that same deferred closure). */
function joinPosFor(j: Join, s: Spawn): number {
  if (j.deferred) return j.exitAt ?? Number.MAX_SAFE_INTEGER;
  if (j.deferredIn && !(s.site && within(s.site, j.deferredIn))) return Number.MAX_SAFE_INTEGER;
  return j.pos;
}

/**
 * Whether the goroutine, on the same value, calls a method that signals a channel the join's method
 * waits on, or marks done a WaitGroup it waits on (by a method, or `s.wg.Done()` itself).
 */
function signalsVia(s: Spawn, via: { object: string; type: string; channels: Set<string>; groups: Set<string> }, opsOf: (type: string, method: string) => ChannelOps): boolean {
  if (!s.site) return false;
  const { object, type, channels, groups } = via;
  for (const m of s.site.text.matchAll(new RegExp(`\\b${object}\\.(\\w+)(\\.Done)?\\(`, 'g'))) {
    if (m[2]) {
      if (groups.has(m[1])) return true;
      continue;
    }
    const { signals, done } = opsOf(type, m[1]);
    for (const c of channels) if (signals.has(c)) return true;
    for (const g of groups) if (done.has(g)) return true;
  }
  return false;
}

/** The func literal a `go func() { … }()` statement runs. */
function goLiteral(s: Spawn): Node | undefined {
  return s.site ? goStatementLiteral(s.site) : undefined;
}

/**
 * Whether goroutine `s` closes `channel` (by that name or the parameter it is handed as) and does
 * nothing after: a top-level `defer close(ch)`, or a `close(ch)` followed only by a `return`, or by a
 * `break` out of a loop that is itself followed by nothing, up to the end of its body.
 */
function closesFinally(s: Spawn, channel: string): boolean {
  const literal = goLiteral(s);
  const body = literal?.childForFieldName('body');
  if (!literal || !body) return false;
  const names = new Set([channel, ...parametersFor(s, channel)]);
  const closes = literal.descendantsOfType('call_expression').filter((c) => c.childForFieldName('function')?.text === 'close' && names.has(callArguments(c)[0]?.text ?? '') && functionAround(c)?.id === literal.id);
  if (closes.length === 0) return false;
  const deferredAtTop = closes.some((c) => c.parent?.type === 'defer_statement' && c.parent.parent?.parent?.id === body.id);
  if (deferredAtTop) return true;
  return closes.some((c) => {
    let cur: Node | null = c.parent?.type === 'expression_statement' ? c.parent : null;
    while (cur && cur.id !== body.id) {
      const next = nextStatement(cur);
      if (next?.type === 'return_statement' && !nextStatement(next)) return true;
      if (next?.type === 'break_statement' && next.namedChildCount === 0 && !nextStatement(next)) {
        const loop = innermostBreakable(next, body);
        if (loop?.type !== 'for_statement') return false;
        cur = loop;
        continue;
      }
      if (next) return false;
      // The end of a block: go on from the statement that holds it, unless that is a loop (its next turn runs more).
      let holder: Node | null = cur.parent;
      while (holder && holder.id !== body.id && !/_statement$/.test(holder.type)) holder = holder.parent;
      if (!holder || holder.id === body.id) return holder?.id === body.id;
      if (holder.type === 'for_statement') return false;
      cur = holder;
    }
    return cur?.id === body.id;
  });
}

/**
 * The channel a receive found closed before `node` runs: `node` sits in the consequence of `if !ok`,
 * a statement of a `case v, ok := <-ch:` body, within `within`.
 */
function closedReceiveAround(node: Node, within: Node): string | undefined {
  for (let cur: Node | null = node.parent; cur && cur.id !== within.id; cur = cur.parent) {
    if (cur.type === 'func_literal') return undefined;
    const ifStmt = cur.parent;
    if (ifStmt?.type !== 'if_statement' || ifStmt.childForFieldName('consequence')?.id !== cur.id || ifStmt.childForFieldName('initializer')) continue;
    const ok = /^!\s*(\w+)$/.exec(ifStmt.childForFieldName('condition')?.text ?? '')?.[1];
    const selectCase = ifStmt.parent?.parent;
    const comm = selectCase?.type === 'communication_case' && ifStmt.parent?.type === 'statement_list' ? selectCase.childForFieldName('communication') : undefined;
    const names = comm?.type === 'receive_statement' ? comm.childForFieldName('left')?.namedChildren : undefined;
    const channel = comm?.childForFieldName('right')?.childForFieldName('operand');
    if (ok && names?.length === 2 && names[1].text === ok && channel?.type === 'identifier') return channel.text;
  }
  return undefined;
}

/** `go func() { wg.Wait(); close(out) }()` (or `defer close(out)` first): the group whose end closes `out`. */
function relayGroup(site: Node, out: string): string | undefined {
  const literal = goStatementLiteral(site);
  const stmts = literal ? bodyStatements(literal).filter((c) => c.type !== 'comment') : [];
  if (stmts.length !== 2) return undefined;
  const texts = stmts.map((st) => st.text.replace(/\s+/g, ''));
  const close = `close(${out})`;
  const wait = texts[0] === `defer${close}` ? texts[1] : texts[1] === close ? texts[0] : undefined;
  return /^(\w+)\.Wait\(\)$/.exec(wait ?? '')?.[1];
}

/** `defer wg.Done(); for x := range in { … }` with no return, break or goto: `in`. */
function drainsThenDone(stmts: readonly Node[], group: string): string | undefined {
  const list = stmts.filter((c) => c.type !== 'comment');
  if (list.length !== 2 || list[0].text.replace(/\s+/g, '') !== `defer${group}.Done()` || list[1].type !== 'for_statement') return undefined;
  const right = list[1].namedChildren.find((c) => c.type === 'range_clause')?.childForFieldName('right');
  if (right?.type !== 'identifier' || list[1].descendantsOfType(['return_statement', 'break_statement', 'goto_statement']).length > 0) return undefined;
  return right.text;
}

/** Whether `node` spans position `pos`. */
function spans(node: Node, pos: number): boolean {
  return node.startIndex <= pos && pos < node.endIndex;
}

/** The func literal a statement runs when it is `go func() { … }()`. */
function goStatementLiteral(stmt: Node): Node | undefined {
  const fn = stmt.type === 'go_statement' ? stmt.namedChild(0)?.childForFieldName('function') : undefined;
  return fn?.type === 'func_literal' ? fn : undefined;
}

/** The statements of a func literal's body, in order. */
function bodyStatements(literal: Node): Node[] {
  return literal.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren ?? [];
}

/** The names a parameter list declares, in order (`a, b int, f func()` gives a, b, f). */
function parameterNames(list: Node | null | undefined): string[] {
  return (list?.namedChildren ?? []).filter((p) => p.type === 'parameter_declaration').flatMap((p) => fieldChildren(p, 'name').map((n) => n.text));
}

/** Whether a function's text declares `name` more than once (`var wg sync.WaitGroup`, then `wg := sync.WaitGroup{}` in a block). */
function declaredTwice(text: string, name: string): boolean {
  const n = escapeRegExp(name);
  return (text.match(new RegExp(`(?<![\\w.])${n}\\s*:=|\\bvar\\s+${n}\\b|[(,]\\s*${n}\\s+\\*?sync\\.WaitGroup`, 'g'))?.length ?? 0) > 1;
}

/** Whether a loop of `fn` holds `node`. */
export function insideLoopOf(node: Node, fn: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) if (cur.type === 'for_statement') return true;
  return false;
}

/** Whether `node` runs inside a func literal or a go statement of `fn`, not in `fn`'s own flow. */
function insideLiteralOrGo(node: Node, fn: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) if (cur.type === 'func_literal' || cur.type === 'go_statement') return true;
  return false;
}

/**
 * Whether a handler literal calls `wg.Done()` as a statement of its own body on a WaitGroup that
 * `fn`, the function registering it, adds exactly one to (`wg.Add(1)`); or adds one to several times,
 * each `wg.Add(1)` followed in its own block by `wg.Wait()` before the next Add, outside any goroutine
 * (a test that makes one request after another): a run beside another would take the count below zero.
 */
function doneOnceFor(literal: Node, fn: Node | undefined): boolean {
  if (!fn) return false;
  const groups = bodyStatements(literal)
    .map((st) => (st.type === 'expression_statement' ? st.namedChild(0) : null))
    .map((c) => (c ? methodCall(c) : undefined))
    .filter((mc) => mc?.method === 'Done' && mc.receiver.type === 'identifier')
    .map((mc) => mc!.receiver.text);
  if (groups.length === 0) return false;
  const uses = fn.descendantsOfType('call_expression').filter((c) => {
    const mc = methodCall(c);
    return (mc?.method === 'Add' || mc?.method === 'Wait') && groups.includes(mc.receiver.text);
  });
  const adds = uses.filter((c) => methodCall(c)!.method === 'Add');
  if (adds.length === 0 || adds.some((a) => callArguments(a).map((x) => x.text).join() !== '1')) return false;
  if (adds.length === 1) return true;
  return adds.every((add) => {
    const next = uses[uses.indexOf(add) + 1];
    const group = methodCall(add)!.receiver.text;
    return (
      next !== undefined && methodCall(next)!.method === 'Wait' && methodCall(next)!.receiver.text === group &&
      add.parent?.type === 'expression_statement' && next.parent?.type === 'expression_statement' &&
      add.parent.parent?.id === next.parent.parent?.id && !insideGoStatement(add, fn)
    );
  });
}

function insideGoStatement(node: Node, fn: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) if (cur.type === 'go_statement') return true;
  return false;
}

/** Calls named for running their callback with a lock held (`mu.WithLock(f)`, `WithRLock`). */
const LOCKED_CALLBACK = /^WithR?Lock(?:ed)?$/;

/** Blocking calls that run a server until it is stopped. */
const SERVE_METHOD = /^(?:Must)?(?:Listen|Serve|ListenAndServe|ListenAndServeTLS|ServeTLS|Run)(?:[A-Z]\w*)?$/;

/** Calls that run an HTTP server's accept loop (not `Run`, which may be a client's). */
const SERVER_LOOP = /^(?:Serve|ServeTLS|ServeConn|ServeCodec|ListenAndServe|ListenAndServeTLS|Listen)$/;

/**
 * The go statements in `fn` whose goroutine only runs a server until it stops (`go srv.Serve(l)`,
 * `go func() { defer wg.Done(); assert.ErrorIs(t, srv.Serve(l), http.ErrServerClosed) }()`), and
 * then at most reports how it stopped (`if err != nil { t.Error(err) }`).
 */
function serverGoroutines(fn: Node, reportsOnly: (call: Node) => boolean): number {
  const serves = (n: Node) =>
    n.descendantsOfType('call_expression').some((c) => {
      const f = c.childForFieldName('function');
      return f?.type === 'selector_expression' && SERVER_LOOP.test(f.childForFieldName('field')?.text ?? '');
    });
  return fn.descendantsOfType('go_statement').filter((g) => {
    const call = g.namedChild(0);
    const literal = call?.type === 'call_expression' && call.childForFieldName('function')?.type === 'func_literal' ? call.childForFieldName('function')! : undefined;
    if (!literal) return call ? serves(call) : false;
    const statements = bodyStatements(literal).filter((c) => c.type !== 'comment' && c.type !== 'defer_statement');
    // What runs once the server has stopped sends it nothing; a report of its error sends nothing anywhere.
    let last = statements.length - 1;
    while (last > 0 && reportsStop(statements[last]!, reportsOnly)) last--;
    // Set-up before the server runs (a mux, its handlers, the server value) sends no request; a
    // goroutine or a loop there might.
    const only = statements[last];
    if (!only || statements.slice(0, last).some((st) => st.descendantsOfType(['go_statement', 'for_statement']).length > 0 || st.type === 'go_statement' || st.type === 'for_statement')) return false;
    // `if err := srv.Serve(l); err != http.ErrServerClosed { t.Log(err) }`: the header serves.
    const header = only.type === 'if_statement' ? [only.childForFieldName('initializer'), only.childForFieldName('condition')].filter((n): n is Node => !!n) : [];
    // `serveErr <- srv.Serve(l)` hands the server's end to whoever waits for it.
    return ['expression_statement', 'assignment_statement', 'short_var_declaration', 'send_statement'].includes(only.type) ? serves(only) : header.some(serves);
  }).length;
}

/**
 * A statement that starts nothing and calls only `panic` or what reports a test's outcome
 * (`t.Error(err)`), with whatever its arguments compute (`t.Error("serve:", err.Error())`).
 */
function reportsStop(statement: Node, reportsOnly: (call: Node) => boolean): boolean {
  if (statement.descendantsOfType(['go_statement', 'for_statement', 'func_literal']).length > 0) return false;
  const calls = statement.descendantsOfType('call_expression');
  const reports = calls.filter((c) => c.childForFieldName('function')?.text === 'panic' || reportsOnly(c));
  return calls.every((c) => reports.some((r) => c.startIndex >= r.startIndex && c.endIndex <= r.endIndex));
}

/**
 * The go statements in `fn` whose goroutine only feeds an in-memory pipe it made with one of
 * `makers` (`r, w, err := os.Pipe()`, then `go func() { _, err := w.Write(data); require.NoError(t, err); w.Close() }()`):
 * it sends no request.
 */
function pipeFeeders(fn: Node, text: string, makers: readonly string[], reportsOnly: (call: Node) => boolean): number {
  if (makers.length === 0) return 0;
  const ends = new Set<string>();
  const made = new RegExp(`([\\w \\t,]+?)\\s*:?=\\s*(?:${makers.map(escapeRegExp).join('|')})\\(\\s*\\)`, 'g');
  for (const m of text.matchAll(made)) for (const n of m[1].split(',').map((s) => s.trim())) if (/^\w+$/.test(n) && n !== '_') ends.add(n);
  if (ends.size === 0) return 0;
  const feeds = (call: Node) => {
    const f = call.childForFieldName('function');
    const operand = f?.type === 'selector_expression' ? f.childForFieldName('operand') : undefined;
    if (operand?.type === 'identifier' && ends.has(operand.text)) return true;
    const first = callArguments(call)[0];
    return (first?.type === 'identifier' && ends.has(first.text)) || reportsOnly(call);
  };
  return fn.descendantsOfType('go_statement').filter((g) => {
    const call = g.namedChild(0);
    const literal = call?.type === 'call_expression' && call.childForFieldName('function')?.type === 'func_literal' ? call.childForFieldName('function')! : undefined;
    if (!literal) return false;
    const statements = bodyStatements(literal).filter((c) => c.type !== 'comment');
    return statements.length > 0 && statements.every(feedsOnly);
  }).length;

  // A statement whose calls all feed the pipe or report (`if err != nil { t.Error(err) }` included).
  function feedsOnly(st: Node): boolean {
    const calls = (n: Node) => n.descendantsOfType('call_expression').filter((c) => !hasCallBetween(c, n));
    if (st.type === 'if_statement') {
      const cond = st.childForFieldName('condition');
      const branches = [st.childForFieldName('consequence'), st.childForFieldName('alternative')].filter((b): b is Node => !!b);
      return !st.childForFieldName('initializer') && !!cond && calls(cond).every(feeds) && branches.every((b) => (b.type === 'if_statement' ? feedsOnly(b) : (b.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren ?? []).filter((c) => c.type !== 'comment').every(feedsOnly)));
    }
    if (!['expression_statement', 'assignment_statement', 'short_var_declaration', 'defer_statement', 'return_statement'].includes(st.type)) return false;
    return calls(st).every(feeds);
  }
}

/**
 * The go statements in `fn` whose goroutine calls nothing that could send a request: it receives,
 * assigns, marks a WaitGroup done, closes a channel or reports (`go func() { e1s = <-events;
 * assert.Equal(1, len(e1s)); wg.Done() }()`).
 */
function callFreeGoroutines(fn: Node, reportsOnly: (call: Node) => boolean, imports: ReadonlyMap<string, string>): number {
  return fn.descendantsOfType('go_statement').filter((g) => {
    const call = g.namedChild(0);
    const literal = call?.type === 'call_expression' && call.childForFieldName('function')?.type === 'func_literal' ? call.childForFieldName('function')! : undefined;
    const body = literal?.childForFieldName('body');
    if (!body || body.descendantsOfType(['go_statement', 'func_literal']).length > 0) return false;
    return body.descendantsOfType('call_expression').every((c) => {
      const f = c.childForFieldName('function');
      const method = f?.type === 'selector_expression' ? f.childForFieldName('field')?.text : undefined;
      return (f?.type === 'identifier' && QUIET_BUILTINS.has(f.text)) || method === 'Done' || reportsOnly(c) || quietCall(c, fn, imports);
    });
  }).length;
}

/**
 * A call that reaches nothing a request could: a wait (`time.Sleep(d)`), or an atomic operation
 * (`atomic.AddInt32(&n, 1)`, or `status.Store(v)` on a value fn declares as `atomic.Int32`).
 */
function quietCall(call: Node, fn: Node, imports: ReadonlyMap<string, string>): boolean {
  const f = call.childForFieldName('function');
  const operand = f?.type === 'selector_expression' ? f.childForFieldName('operand') : undefined;
  const name = f?.childForFieldName('field')?.text ?? '';
  if (operand?.type !== 'identifier') return false;
  const path = imports.get(operand.text);
  if (path === 'time') return name === 'Sleep';
  if (path === 'sync/atomic') return true;
  if (path !== undefined || !/^(?:Load|Store|Add|Swap|CompareAndSwap)$/.test(name)) return false;
  return imports.get('atomic') === 'sync/atomic' && new RegExp(`\\bvar\\s+${escapeRegExp(operand.text)}\\s+atomic\\.\\w+`).test(fn.text);
}

/** Builtins and conversions a goroutine may call without reaching anything outside it. */
const QUIET_BUILTINS = new Set(['close', 'len', 'cap', 'append', 'copy', 'make', 'new', 'delete', 'string', 'int', 'int64', 'uint64', 'float64', 'byte', 'rune']);

/** Whether a call_expression lies between `node` and `top` (exclusive): node is an inner call. */
function hasCallBetween(node: Node, top: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== top.id; cur = cur.parent) if (cur.type === 'call_expression') return true;
  return false;
}

/**
 * The lock `fn` holds while it calls its callback parameter `argIndex`, as `fn` names it: taken near
 * its top and released by a deferred call (`mu.Lock(); defer mu.Unlock(); return cb()`), or by a
 * later statement with every call of the callback between (`mu.Lock(); cb(); mu.Unlock()`).
 */
function lockAroundCallback(fn: Node, argIndex: number): string | undefined {
  const param = parameterNames(fn.childForFieldName('parameters'))[argIndex];
  const statements = fn.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  if (!param) return undefined;
  const callsOf = (node: Node) => node.descendantsOfType('call_expression').filter((c) => c.childForFieldName('function')?.text === param && !insideLiteralOrGo(c, fn));
  // The Lock, after at most a few plain calls that neither use the callback nor leave
  // (`c.checker.check(); c.L.Lock()`).
  const k = statements.findIndex((st) => {
    const call = st.type === 'expression_statement' ? st.namedChild(0) : null;
    const mc = call?.type === 'call_expression' ? methodCall(call) : undefined;
    return mc?.method === 'Lock' && callArguments(call!).length === 0;
  });
  if (k < 0 || k > 3 || statements.slice(0, k).some((st) => st.type !== 'expression_statement' || callsOf(st).length > 0 || /\b(?:Unlock|panic)\(/.test(st.text))) return undefined;
  const name = methodCall(statements[k].namedChild(0)!)!.receiver.text;
  const unlock = new RegExp(`(?:^|[^\\w.])${escapeRegExp(name)}\\.Unlock\\(\\s*\\)`);
  const calls = callsOf(fn);
  if (calls.length === 0) return undefined;
  // `mu.Lock(); defer mu.Unlock()`: held to the end.
  const next = statements[k + 1];
  if (next?.type === 'defer_statement') return unlock.test(next.text) ? name : undefined;
  // `mu.Lock(); if do != nil { do() }; mu.Unlock()`: every call of the callback before the Unlock,
  // with nothing between that unlocks or leaves.
  const end = statements.findIndex((st, j) => j > k && st.type === 'expression_statement' && unlock.test(st.text));
  if (end < 0) return undefined;
  const between = statements.slice(k + 1, end);
  if (between.some((st) => unlock.test(st.text) || /\b(?:return|goto|defer|go)\b/.test(st.text))) return undefined;
  const inside = (c: Node) => c.startIndex > statements[k].endIndex && c.endIndex < statements[end].startIndex;
  return calls.every(inside) ? name : undefined;
}

/** Whether the goroutine `s` starts ends by calling `cancel()`: as its last statement, or deferred in its body. */
function cancelsLast(s: Spawn, cancel: string): boolean {
  const literal = goLiteral(s);
  const statements = literal ? bodyStatements(literal).filter((c) => c.type !== 'comment') : [];
  const callsCancel = (stmt: Node | undefined) => {
    const call = stmt?.namedChild(0);
    return call?.type === 'call_expression' && call.childForFieldName('function')?.text === cancel && callArguments(call).length === 0;
  };
  const last = statements[statements.length - 1];
  return (last?.type === 'expression_statement' && callsCancel(last)) || statements.some((st) => st.type === 'defer_statement' && callsCancel(st));
}

/** The last statement of a `go func() {…}()` literal's body. */
function lastStatement(s: Spawn): Node | undefined {
  const literal = goLiteral(s);
  const statements = literal ? bodyStatements(literal).filter((c) => c.type !== 'comment') : [];
  return statements[statements.length - 1];
}

/**
 * `ctx, cancel := context.WithCancel(context.Background())` in `fn`, whose only other use of cancel
 * is `defer cancel()`: nothing can end ctx while fn's own flow runs.
 */
function cancelledOnlyAtExit(ctx: Node, fn: Node): boolean {
  const list = ctx.parent;
  const decl = list?.type === 'expression_list' ? list.parent : undefined;
  if (decl?.type !== 'short_var_declaration' || functionAround(decl)?.id !== fn.id || list!.namedChildCount !== 2 || list!.namedChild(0)?.id !== ctx.id) return false;
  const cancel = list!.namedChild(1)?.text;
  const right = decl.childForFieldName('right');
  if (!cancel || cancel === '_' || !/^context\.WithCancel(?:Cause)?\(\s*context\.(?:Background|TODO)\(\)\s*\)$/.test(right?.text ?? '')) return false;
  const uses = fn.text.match(new RegExp(`(?<![\\w.])${escapeRegExp(cancel)}(?!\\w)`, 'g'))?.length ?? 0;
  return uses === 2 && new RegExp(`\\bdefer\\s+${escapeRegExp(cancel)}\\(\\s*\\)`).test(fn.text);
}

/** Whether every assignment to `ctx` in its function is `ctx, cancel := context.WithCancel(…)`: no deadline or other source ends it. */
function onlyCancelledContext(ctx: Node): boolean {
  const fn = functionAround(ctx);
  if (!fn) return false;
  const assignments = [...fn.descendantsOfType('short_var_declaration'), ...fn.descendantsOfType('assignment_statement')].filter((st) =>
    (st.childForFieldName('left')?.namedChildren ?? []).some((l) => l.type === 'identifier' && l.text === ctx.text),
  );
  return assignments.length > 0 && assignments.every((st) => {
    const left = st.childForFieldName('left')?.namedChildren ?? [];
    const right = st.childForFieldName('right')?.namedChildren ?? [];
    return left.length === 2 && left[0].text === ctx.text && right.length === 1 && /^context\.WithCancel(?:Cause)?\(/.test(right[0].text);
  });
}

/**
 * A context declared alone (`var ctx = context.Background()`) that every later assignment pairs
 * with the same cancel func: `ctx, cancel = context.WithTimeout(ctx, d)`, in either branch of an `if`.
 */
function cancelAssignedWith(name: string, declNode: Node): string | undefined {
  const fn = functionAround(declNode);
  if (!fn || !fn.text.includes('context.With')) return undefined;
  let cancel: string | undefined;
  // `ctx, cancel := context.WithCancel(ctx)` in the block that declared ctx assigns it too.
  let declared: Node | null = declNode;
  while (declared && declared.parent?.type !== 'statement_list' && declared.id !== fn.id) declared = declared.parent;
  const block = declared?.parent;
  const redeclared = block ? block.namedChildren.filter((c) => c.type === 'short_var_declaration' && c.startIndex > declNode.startIndex) : [];
  for (const st of [...fn.descendantsOfType('assignment_statement'), ...redeclared]) {
    const left = st.childForFieldName('left')?.namedChildren ?? [];
    if (!left.some((l) => l.type === 'identifier' && l.text === name)) continue;
    const right = st.childForFieldName('right')?.namedChildren ?? [];
    const paired = left[1];
    if (left.length !== 2 || left[0].text !== name || paired.type !== 'identifier' || paired.text === '_' || right.length !== 1 || !right[0].text.startsWith('context.With')) return undefined;
    if (cancel !== undefined && cancel !== paired.text) return undefined;
    cancel = paired.text;
  }
  return cancel;
}

/** Whether the goroutine's last statement stops `server`: `srv.Shutdown(ctx)`, `assert.NoError(t, app.Stop())`. */
function stopsLast(s: Spawn, server: string): boolean {
  const last = lastStatement(s);
  if (!last || !['expression_statement', 'assignment_statement', 'short_var_declaration'].includes(last.type)) return false;
  return last.descendantsOfType('call_expression').some((c) => {
    const f = c.childForFieldName('function');
    return f?.type === 'selector_expression' && f.childForFieldName('operand')?.text === server && /^(?:Shutdown|Stop|Close)$/.test(f.childForFieldName('field')?.text ?? '');
  });
}

/**
 * `t.Parallel()` made by a top-level test itself: it runs the test beside the package's other tests,
 * whose locals are their own; the test's own requests still go out one at a time.
 */
function ownParallelCalls(fn: Node): number {
  if (fn.type !== 'function_declaration' && fn.type !== 'func_literal') return 0;
  return bodyStatements(fn).filter((st) => st.type === 'expression_statement' && /^\w+\.Parallel\(\s*\)$/.test(st.text)).length;
}

/** The innermost function literal around `node` within `fn`, or `fn` itself. */
function enclosingFunction(node: Node, fn: Node): Node {
  for (let p = node.parent; p && p.id !== fn.id; p = p.parent) if (p.type === 'func_literal') return p;
  return fn;
}

/** How many goroutine starts (`go`, `.Go(`, parallel subtests) `fn`'s text holds, besides its own `t.Parallel()`. */
function ownGoroutineStarts(fn: Node, text: string): number {
  return [...text.matchAll(STARTS_GOROUTINES_ALL)].length - ownParallelCalls(fn);
}

/**
 * Whether the goroutine stops working once it receives from `channel`: a `case <-channel:` of its own
 * that leaves (`return`), or a bare `<-channel` as its last statement.
 */
function receiveEndsWork(s: Spawn, channel: string): boolean {
  const literal = goLiteral(s);
  const body = literal?.childForFieldName('body');
  if (!literal || !body) return false;
  const statements = bodyStatements(literal);
  const last = statements[statements.length - 1];
  for (const receive of body.descendantsOfType('unary_expression')) {
    if (receive.child(0)?.type !== '<-' || receive.childForFieldName('operand')?.text !== channel) continue;
    const stmt = receive.parent;
    if (stmt?.type === 'expression_statement' && stmt.id === last?.id) return true;
    const selectCase = stmt?.type === 'receive_statement' && stmt.parent?.type === 'communication_case' ? stmt.parent : undefined;
    if (selectCase && selectCase.childForFieldName('communication')?.id === stmt!.id && endsInReturn(selectCase)) return true;
  }
  return false;
}

function endsInReturn(selectCase: Node): boolean {
  const list = selectCase.namedChildren.find((c) => c.type === 'statement_list');
  return list?.lastNamedChild?.type === 'return_statement';
}

/**
 * What a goroutine signals after all of its own code, as its first statement deferred or as its last:
 * the WaitGroups it marks done (`wg.Done()`) and the channels it closes (`close(results)`).
 */
export function signalsAtEnd(g: FuncUnit): Signals {
  let out = signalsAtEndOf.get(g);
  if (out) return out;
  out = { done: [], closed: [], sent: [] };
  signalsAtEndOf.set(g, out);
  if (g.node.type !== 'func_literal') return out;
  const statements = bodyStatements(g.node).filter((st) => st.type !== 'comment');
  for (const [k, st] of statements.entries()) {
    const call = (k === 0 && st.type === 'defer_statement') || (k === statements.length - 1 && st.type === 'expression_statement') ? st.namedChild(0) : null;
    if (call?.type === 'call_expression') noteSignal(call, out);
    if (k === statements.length - 1) noteSend(st, out);
  }
  // `defer func() { …; wg.Done() }()` first: the deferred closure runs last, and signals last.
  const deferred = statements[0]?.type === 'defer_statement' ? statements[0].namedChild(0) : null;
  const literal = deferred?.type === 'call_expression' && callArguments(deferred).length === 0 ? deferred.childForFieldName('function') : null;
  if (literal?.type === 'func_literal' && !/\breturn\b/.test(literal.text)) {
    const last = bodyStatements(literal).filter((st) => st.type !== 'comment').pop();
    const call = last?.type === 'expression_statement' ? last.namedChild(0) : null;
    if (call?.type === 'call_expression') noteSignal(call, out);
  }
  return out;
}

/** `ready <- struct{}{}` as a statement adds `ready` to out.sent. */
function noteSend(st: Node, out: Signals): void {
  const ch = st.type === 'send_statement' ? st.childForFieldName('channel') : undefined;
  if (ch?.type === 'identifier') out.sent.push(ch.text);
}

/** What a goroutine signals: WaitGroups it marks done, channels it closes, channels it sends on. */
export interface Signals {
  done: string[];
  closed: string[];
  sent: string[];
}

/** `wg.Done()` adds `wg` to out.done, `close(ch)` adds `ch` to out.closed. */
function noteSignal(call: Node, out: Signals): void {
  const args = callArguments(call);
  const mc = methodCall(call);
  if (mc?.method === 'Done' && args.length === 0 && /^[\w.]+$/.test(mc.receiver.text)) out.done.push(mc.receiver.text);
  if (call.childForFieldName('function')?.text === 'close' && args.length === 1 && channelName(args[0])) out.closed.push(args[0].text);
}
const signalsAtEndOf = new WeakMap<FuncUnit, Signals>();

/**
 * A goroutine's own statements that wait: `wg.Wait()` (kind 'done', for a WaitGroup), a range
 * with no `break` over a channel (kind 'closed'), and a receive from a channel its function sends on
 * once (kind 'sent'), each with where it ends.
 */
function waitsOf(g: FuncUnit): { end: number; kind: keyof Signals; name: string }[] {
  let waits = waitsOfUnit.get(g);
  if (waits) return waits;
  waits = [];
  waitsOfUnit.set(g, waits);
  if (g.node.type !== 'func_literal') return waits;
  for (const st of bodyStatements(g.node)) {
    const call = st.type === 'expression_statement' ? st.namedChild(0) : null;
    const mc = call?.type === 'call_expression' ? methodCall(call) : undefined;
    if (mc?.method === 'Wait' && callArguments(call!).length === 0) waits.push({ end: st.endIndex, kind: 'done', name: mc.receiver.text });
    // `if err := eg.Wait(); err != nil { … }` or `err := eg.Wait()`: a group's Wait for its error.
    const waited = groupWaitOf(st);
    if (waited) waits.push({ end: st.endIndex, kind: 'done', name: waited });
    const range = st.type === 'for_statement' ? st.namedChildren.find((c) => c.type === 'range_clause') : undefined;
    const over = range?.childForFieldName('right');
    if (over?.type === 'identifier' && !/\b(?:break|goto)\b/.test(st.childForFieldName('body')?.text ?? '')) waits.push({ end: st.endIndex, kind: 'closed', name: over.text });
    // `<-ready` (or `v, ok := <-ready`) on a channel of the function's own that nothing sends on: it
    // returns once the channel is closed.
    const received = receivedByStatement(st);
    if (received && onlyClosed(received, rootOf(g).node)) waits.push({ end: st.endIndex, kind: 'closed', name: received });
    else if (received && sentOnce(received, rootOf(g).node)) waits.push({ end: st.endIndex, kind: 'sent', name: received });
  }
  // `<-done; <-done` after two subtests that each send on done once: the last receive follows every send.
  const receives = new Map<string, Node[]>();
  for (const st of bodyStatements(g.node)) {
    const received = receivedByStatement(st);
    if (received && !received.includes('.')) receives.set(received, [...(receives.get(received) ?? []), st]);
  }
  for (const [name, stmts] of receives) {
    const last = stmts[stmts.length - 1];
    if (stmts.length > 1 && everySendCounted(name, stmts.length, rootOf(g).node, g.node, last.endIndex)) waits.push({ end: last.endIndex, kind: 'sent', name });
  }
  return waits;
}

/**
 * Whether `fn` makes channel `name` and sends on it in exactly `count` statements that each run at
 * most once (in no loop, and in no func literal but a goroutine's or a subtest's, which run once),
 * otherwise only receiving from it or closing it within `receiver` after `after`: `count` receives
 * that return were answered by every one of those sends.
 */
function everySendCounted(name: string, count: number, fn: Node, receiver: Node, after: number): boolean {
  const uses = channelUses(name, fn);
  if (!uses.made || uses.sends !== count || uses.ranges > 0 || uses.other) return false;
  const runsOnce = (node: Node): boolean => {
    for (let n = node.parent; n && n.id !== fn.id; n = n.parent) {
      if (n.type === 'for_statement') return false;
      if (n.type !== 'func_literal') continue;
      const call = n.parent?.type === 'argument_list' ? n.parent.parent : n.parent;
      const spawned = call?.type === 'call_expression' && (call.parent?.type === 'go_statement' || (n.parent?.type === 'argument_list' && /\.Run$/.test(call.childForFieldName('function')?.text ?? '')));
      if (!spawned) return false;
    }
    return true;
  };
  const sends = fn.descendantsOfType('send_statement').filter((st) => st.childForFieldName('channel')?.text === name);
  if (sends.length !== count || !sends.every(runsOnce)) return false;
  // A close could answer a receive before the sends: only the receiver's, after its last receive.
  const closes = fn.descendantsOfType('call_expression').filter((c) => c.childForFieldName('function')?.text === 'close' && callArguments(c)[0]?.text === name);
  return closes.every((c) => within(c, receiver) && c.startIndex >= after);
}
const waitsOfUnit = new WeakMap<FuncUnit, { end: number; kind: keyof Signals; name: string }[]>();

/** The group whose `Wait()` a statement takes the result of: `err := eg.Wait()`, `if err := eg.Wait(); …`. */
function groupWaitOf(st: Node): string | undefined {
  const assignment = st.type === 'if_statement' ? st.childForFieldName('initializer') : st;
  if (assignment?.type !== 'short_var_declaration' && assignment?.type !== 'assignment_statement') return undefined;
  const values = assignment.childForFieldName('right')?.namedChildren ?? [];
  const mc = values.length === 1 && values[0].type === 'call_expression' && callArguments(values[0]).length === 0 ? methodCall(values[0]) : undefined;
  return mc?.method === 'Wait' && mc.receiver.type === 'identifier' ? mc.receiver.text : undefined;
}

/** The channel a statement receives from: `<-ch`, `v := <-ch`, `v, ok = <-ch`. */
function receivedByStatement(st: Node): string | undefined {
  let expr: Node | null | undefined;
  if (st.type === 'expression_statement') expr = st.namedChild(0);
  else if (st.type === 'short_var_declaration' || st.type === 'assignment_statement') expr = st.childForFieldName('right')?.namedChild(0);
  const operand = expr?.type === 'unary_expression' && operatorOf(expr) === '<-' ? expr.childForFieldName('operand') : undefined;
  return operand && channelName(operand) ? operand.text : undefined;
}

/** A channel named by a variable, or by a field of one (`done`, `rop.done`). */
function channelName(node: Node): boolean {
  return node.type === 'identifier' || (node.type === 'selector_expression' && node.childForFieldName('operand')?.type === 'identifier');
}

/**
 * How `fn` uses channel `name`, read from its text: whether it makes it, how many statements send on
 * it, close it or range over it, and whether any other use (a send in a select case, a call it is
 * handed to) could end a receive; receives are the rest.
 */
function channelUses(name: string, fn: Node): { made: boolean; sends: number; closes: number; ranges: number; other: boolean } {
  const text = fn.text;
  const uses = { made: false, sends: 0, closes: 0, ranges: 0, other: false };
  // A field of a struct the function builds with the channel in its literal: `t := T{done: make(chan bool)}`.
  const dot = name.indexOf('.');
  if (dot > 0) {
    const [object, field] = [escapeRegExp(name.slice(0, dot)), escapeRegExp(name.slice(dot + 1))];
    if (new RegExp(`(?<![\\w.])${object}\\s*:?=\\s*&?[\\w.]+\\{[^}]*?\\b${field}\\s*:\\s*make\\(\\s*chan\\b`).test(text)) uses.made = true;
  }
  for (const m of text.matchAll(new RegExp(`(?<![\\w.])${escapeRegExp(name)}(?!\\w)`, 'g'))) {
    const before = text.slice(Math.max(0, m.index! - 10), m.index!);
    // Wide enough for a name aligned in a `var (…)` block: `errs          = make(chan error)`.
    const after = text.slice(m.index! + name.length, m.index! + name.length + 60);
    if (/^\s*:?=\s*make\(\s*chan\b/.test(after)) uses.made = true;
    else if (/^\s*:\s*make\(\s*chan\b/.test(after)) continue; // a field of a literal, `done: make(chan bool)`
    else if (/^\s*<-/.test(after) && /(?:^|[\n;{]\s*)$/.test(before)) uses.sends++;
    else if (isReceiveOf(before)) continue;
    else if (/\bclose\(\s*$/.test(before)) uses.closes++;
    else if (/\brange\s+$/.test(before)) uses.ranges++;
    else {
      uses.other = true;
      break;
    }
  }
  return uses;
}

/**
 * Whether `fn` makes channel `name` and only ever closes it, receives from it or ranges over it: no
 * send, and no call it is handed to, that could end a receive before the close.
 */
function onlyClosed(name: string, fn: Node): boolean {
  const uses = channelUses(name, fn);
  return uses.made && uses.sends === 0 && !uses.other;
}

/**
 * Whether `fn` makes channel `name` and sends on it in one statement only, otherwise only receiving
 * from it: a receive that returns was answered by that one send.
 */
function sentOnce(name: string, fn: Node): boolean {
  const uses = channelUses(name, fn);
  return uses.made && uses.sends === 1 && uses.closes === 0 && uses.ranges === 0 && !uses.other;
}

/** Whether the text before a channel's name ends in a receive, `<-ch`, and not a send of it as a value, `out <- ch`. */
function isReceiveOf(before: string): boolean {
  const m = /(\S*)[ \t]*<-[ \t]*$/.exec(before);
  if (!m) return false;
  // A name, a call or an index before the arrow sends to it; `case` and `return` receive.
  return /\b(?:case|return)$/.test(m[1]) || !/[\w)\]]$/.test(m[1]);
}

/**
 * Whether `access`, made on goroutine g, stands after one of g's own statements that waits for what
 * `sibling` signals after all of its code: a `wg.Wait()` on a WaitGroup it marks done, or a range,
 * with no `break`, over a channel it closes (`go func() { defer pre.Done(); … }()` and
 * `go func() { pre.Wait(); … }()`). Code of g written after the wait, callbacks included, runs after it.
 */
function waitsForSibling(access: Access, g: FuncUnit, sibling: FuncUnit, siblingAccess: Access): boolean {
  // A sibling a loop starts again may start after the wait has ended, unless that loop is over before g starts.
  if (g.node.type !== 'func_literal' || access.thread !== g || (sibling.spawn?.loop && !loopsEndBefore(sibling.spawn, g.spawn))) return false;
  const signals = signalsAtEnd(sibling);
  // `if … { originWG.Wait(); r.result = origin }` in a worker's loop: a Wait earlier in a block that holds the access.
  if (signals.done.length > 0 && waitsBefore(access.node, g.node).some((name) => signals.done.includes(name))) return true;
  // `if err = consume(ch); …` beside a sibling that closes ch after its access: a call of the package's
  // that waits on the channel, made before the access (or giving the value the access stores).
  const waitingCalls = g.joins.filter((j) => j.channel && !j.deferred);
  if (waitingCalls.length > 0 && siblingAccess.thread === sibling) {
    const later = signalsAfter(sibling, siblingAccess.node.endIndex);
    const before = callsBefore(access.node, g.node);
    if (waitingCalls.some((j) => (later.closed.includes(j.channel!) || later.sent.includes(j.channel!)) && before.some((c) => c.startIndex === j.pos && c.endIndex === j.end))) return true;
  }
  const waits = waitsOf(g);
  if (waits.length === 0) return false;
  if (waits.some((w) => w.end <= access.node.startIndex && signals[w.kind].includes(w.name))) return true;
  // `eg.Go(func() … v1 = …)`, then `go func() { if err := eg.Wait(); …; use(v1) }()`: the group's Wait
  // joins every closure the group started before this goroutine did.
  const s = sibling.spawn;
  const started = s?.kind === 'group' && s.site && g.spawn?.site && !g.spawn.loop && s.parent === g.spawn.parent && s.site.endIndex <= g.spawn.site.startIndex;
  if (started && waits.some((w) => w.kind === 'done' && w.name === s.group && w.end <= access.node.startIndex)) return true;
  // `proxy = newProxy(); ready.Done(); proxy.Run()` and `ready.Wait(); proxy.Pause()`: the sibling's
  // access stands before a signal of its own, one of its top-level statements.
  if (siblingAccess.thread !== sibling) return false;
  const later = signalsAfter(sibling, siblingAccess.node.endIndex);
  return waits.some((w) => w.end <= access.node.startIndex && later[w.kind].includes(w.name));
}

/**
 * Whether every loop around `s`'s start, in the function that starts it, is over before `later` starts
 * from the same function, itself in no loop: no turn can start another `s` once `later` runs.
 */
function loopsEndBefore(s: Spawn, later: Spawn | undefined): boolean {
  if (!later?.site || !s.site || later.loop || later.parent !== s.parent || !s.parent) return false;
  const top = s.parent.node;
  for (let n = s.site.parent; n && n.id !== top.id; n = n.parent) {
    if (n.type === 'func_literal') return false;
    if (n.type === 'for_statement' && n.endIndex > later.site.startIndex) return false;
  }
  return true;
}

/**
 * The calls that run before `node` on every path to it, up to `top`: a statement of its own in an
 * earlier statement of a block that holds it (`consume(ch)`, `err = consume(ch)`, `if err := consume(ch); …`),
 * or the value of the assignment `node` is written by (`err = consume(ch)`).
 */
function callsBefore(node: Node, top: Node): Node[] {
  const out: Node[] = [];
  const callOf = (value: Node | null | undefined) => (value?.type === 'expression_list' && value.namedChildCount === 1 ? value.namedChild(0) : value);
  const statementCall = (st: Node | null | undefined): Node | null | undefined => {
    if (!st) return undefined;
    if (st.type === 'expression_statement') return st.namedChild(0);
    if (st.type === 'assignment_statement' || st.type === 'short_var_declaration') return callOf(st.childForFieldName('right'));
    if (st.type === 'if_statement') return statementCall(st.childForFieldName('initializer'));
    return undefined;
  };
  // The assignment that stores the call's result in `node`.
  const list = node.parent?.type === 'expression_list' ? node.parent : undefined;
  const assignment = list?.parent;
  if (assignment && (assignment.type === 'assignment_statement' || assignment.type === 'short_var_declaration') && assignment.childForFieldName('left')?.id === list!.id) {
    const call = callOf(assignment.childForFieldName('right'));
    if (call?.type === 'call_expression') out.push(call);
  }
  for (let cur: Node = node; cur.parent && cur.id !== top.id; cur = cur.parent) {
    if (cur.type === 'func_literal') break;
    // In an if statement's condition or branches, after its initializer (`if err = consume(ch); err != nil { … }`).
    const init = cur.parent.type === 'if_statement' ? cur.parent.childForFieldName('initializer') : undefined;
    if (init && init.id !== cur.id) {
      const call = statementCall(init);
      if (call?.type === 'call_expression') out.push(call);
    }
    if (cur.parent.type !== 'statement_list') continue;
    for (let st = cur.previousNamedSibling; st; st = st.previousNamedSibling) {
      const call = statementCall(st);
      if (call?.type === 'call_expression') out.push(call);
    }
  }
  return out;
}

/** The WaitGroups a `wg.Wait()` waits for before `node` on every path to it (callsBefore), up to `top`. */
function waitsBefore(node: Node, top: Node): string[] {
  return callsBefore(node, top).flatMap((call) => {
    const mc = methodCall(call);
    return mc?.method === 'Wait' && callArguments(call).length === 0 ? [mc.receiver.text] : [];
  });
}

/**
 * Whether a body (its text inside the braces) is one receive from `param` or a select whose cases
 * receive from it or, on `<-ctx.Done()`, return `ctx.Err()` last: with an error result last, a nil
 * error means the receive completed.
 */
function receiveOrFail(param: string | undefined, results: string, body: string): boolean {
  if (!param || !/\berror\s*\)?\s*$/.test(results)) return false;
  const p = escapeRegExp(param);
  if (new RegExp(`^\\s*return\\s+<-\\s*${p}\\s*,\\s*nil\\s*$`).test(body)) return true;
  const select = /^\s*select\s*\{([^]*)\}\s*$/.exec(body);
  if (!select || /\bdefault\s*:/.test(select[1])) return false;
  const cases = select[1].split(/\bcase\b/).slice(1);
  let receives = false;
  for (const c of cases) {
    if (new RegExp(`^\\s*(?:\\w+\\s*(?:,\\s*\\w+\\s*)?:?=\\s*)?<-\\s*${p}\\s*:`).test(c)) receives = true;
    else {
      const done = /^\s*<-\s*(\w+)\.Done\(\)\s*:\s*return\b([^\n]*)\s*$/.exec(c);
      if (!done || !new RegExp(`\\b${escapeRegExp(done[1])}\\.Err\\(\\)\\s*$`).test(done[2])) return false;
    }
  }
  return receives;
}

/**
 * `c1 = nil` in goroutine g after a receive from c1 completed there (`v, ok := <-c1`, a range over it,
 * a select case on it, or `f, err = nextPath(ctx, c1)` then `if err != nil { return err }`), beside a
 * sibling that reads c1 only to hand it on: `defer close(c1)` and one call, `return walk(ctx, c1)`.
 * Every send or close on that channel comes after the sibling's reads, and the receive after one of
 * them, so the write follows the reads. Nothing else may use c1 once the sibling is started.
 */
function retiredAfterReceive(
  access: Access,
  g: FuncUnit,
  sibling: FuncUnit,
  siblingAccess: Access,
  others: readonly Access[],
  receivesBeforeSuccess: (name: string, argIndex: number) => boolean,
): boolean {
  if (access.kind !== 'write' || access.path.length > 0 || access.thread !== g || siblingAccess.thread !== sibling || siblingAccess.kind !== 'read') return false;
  if (g.node.type !== 'func_literal' || sibling.node.type !== 'func_literal' || g.spawn?.loop || sibling.spawn?.loop || !sibling.spawn?.site) return false;
  const name = access.node.text;
  if (others.some((o) => o.thread !== g && o.thread !== sibling && o.node.startIndex >= sibling.spawn!.site!.startIndex)) return false;
  if (!handsOnOnly(sibling.node, name)) return false;
  return receiveCompletesBefore(access.node, g.node, name, receivesBeforeSuccess);
}

/** Whether a goroutine's literal uses `name` only in a leading `defer close(name)` and as an argument of one call statement. */
function handsOnOnly(literal: Node, name: string): boolean {
  let handedOn = false;
  for (const st of bodyStatements(literal)) {
    if (st.type === 'comment') continue;
    const uses = st.descendantsOfType('identifier').filter((n) => n.text === name);
    if (uses.length === 0) continue;
    if (handedOn) return false;
    if (st.type === 'defer_statement' && new RegExp(`^defer\\s+close\\(\\s*${escapeRegExp(name)}\\s*\\)$`).test(st.text)) continue;
    const call = st.type === 'expression_statement' ? st.namedChild(0) : st.type === 'return_statement' && st.namedChild(0)?.namedChildCount === 1 ? st.namedChild(0)!.namedChild(0) : null;
    if (call?.type !== 'call_expression' || !uses.every((u) => u.parent?.id === call.childForFieldName('arguments')?.id)) return false;
    handedOn = true;
  }
  return handedOn;
}

/** Whether a receive from channel `name` completes before `node` on every path to it, within `top`. */
function receiveCompletesBefore(node: Node, top: Node, name: string, receivesBeforeSuccess: (name: string, argIndex: number) => boolean): boolean {
  const receives = (expr: Node | null | undefined) => expr?.type === 'unary_expression' && operatorOf(expr) === '<-' && expr.childForFieldName('operand')?.text === name;
  const valueOf = (st: Node) =>
    st.type === 'expression_statement' ? st.namedChild(0) : st.type === 'assignment_statement' || st.type === 'short_var_declaration' ? st.childForFieldName('right')?.namedChild(0) : undefined;
  const checkedCall = (st: Node): boolean => {
    const call = valueOf(st);
    const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
    const index = call ? callArguments(call).findIndex((a) => a.type === 'identifier' && a.text === name) : -1;
    if (fn?.type !== 'identifier' || index < 0 || st.type === 'expression_statement') return false;
    const err = st.childForFieldName('left')?.lastNamedChild?.text;
    const next = nextStatement(st);
    const branch = next?.type === 'if_statement' && !next.childForFieldName('initializer') && !next.childForFieldName('alternative') ? next.childForFieldName('consequence') : undefined;
    const last = branch?.namedChildren.find((c) => c.type === 'statement_list')?.lastNamedChild;
    return !!err && next!.childForFieldName('condition')?.text === `${err} != nil` && last?.type === 'return_statement' && receivesBeforeSuccess(fn.text, index);
  };
  for (let cur: Node = node; cur.parent && cur.id !== top.id; cur = cur.parent) {
    if (cur.type === 'func_literal') return false;
    // In a select case that receives from it.
    if (cur.parent.type === 'communication_case' && receivedChannel(cur.parent) === name) return true;
    if (cur.parent.type !== 'statement_list') continue;
    for (let st = cur.previousNamedSibling; st; st = st.previousNamedSibling) {
      if (receives(valueOf(st)) || checkedCall(st)) return true;
      if (st.type === 'for_statement' && st.namedChildren.some((c) => c.type === 'range_clause' && c.childForFieldName('right')?.text === name) && !/\b(?:break|goto)\b/.test(st.text)) return true;
    }
  }
  return false;
}

/** The WaitGroups a goroutine marks done, and the channels it closes or sends on, in its top-level statements after `pos`. */
function signalsAfter(g: FuncUnit, pos: number): Signals {
  const out: Signals = { done: [], closed: [], sent: [] };
  if (g.node.type !== 'func_literal') return out;
  for (const st of bodyStatements(g.node)) {
    if (st.startIndex < pos) continue;
    noteSend(st, out);
    if (st.type !== 'expression_statement') continue;
    const call = st.namedChild(0);
    if (call?.type === 'call_expression') noteSignal(call, out);
  }
  return out;
}

/** Whether a value is built on the spot, seen by nobody yet: `T{…}`, `&T{…}` or `new(T)`. */
export function builtOnTheSpot(value: Node | null | undefined): boolean {
  if (value?.type === 'unary_expression' && value.child(0)?.type === '&') value = value.childForFieldName('operand');
  return value?.type === 'composite_literal' || (value?.type === 'call_expression' && value.childForFieldName('function')?.text === 'new');
}

/**
 * The func literal a factory called on the spot returns: `func(i int) func() error { return func() error {…} }(i)`
 * gives the inner literal. The factory's body must be that one return.
 */
function returnedLiteral(expr: Node | null | undefined): Node | undefined {
  const factory = expr?.type === 'call_expression' ? expr.childForFieldName('function') : undefined;
  if (factory?.type !== 'func_literal') return undefined;
  const statements = factory.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  const value = statements.length === 1 && statements[0].type === 'return_statement' ? statements[0].namedChild(0) : undefined;
  const literal = value?.type === 'expression_list' && value.namedChildCount === 1 ? value.namedChild(0) : value;
  return literal?.type === 'func_literal' ? literal : undefined;
}

/** Whether a func literal is a block run in place: called with no arguments as a statement, `func() { … }()`. */
export function runsInPlace(literal: Node): boolean {
  const call = literal.parent;
  return literal.type === 'func_literal' && call?.type === 'call_expression' && call.parent?.type === 'expression_statement' && callArguments(call).length === 0;
}

/** Whether `unit` is `g`, or a block g runs in place, at any depth. */
function runsInPlaceWithin(unit: FuncUnit, g: FuncUnit): boolean {
  for (let u: FuncUnit | undefined = unit; u; u = u.parent) {
    if (u === g) return true;
    if (!runsInPlace(u.node)) return false;
  }
  return false;
}

/**
 * A deferred clean-up that runs only when the function fails (`defer func() { if err != nil { updates =
 * nil } }()`, err a named result), and a goroutine started where every later `return` hands back a nil
 * err: no call that starts the goroutine reaches the clean-up's access. Nothing else may set err at
 * exit (no deferred func assigns it), and the start is in no loop (a later turn could still fail).
 */
function cleanupSkippedAfterStart(site: Node, access: Node, fn: Node): boolean {
  let literal: Node | undefined;
  let result: string | undefined;
  for (let n = access.parent; n && n.id !== fn.id; n = n.parent) {
    if (n.type === 'func_literal') {
      if (literal) return false;
      literal = n;
    } else if (n.type === 'if_statement' && !literal && !n.childForFieldName('initializer')) {
      const failed = /^(\w+)\s*!=\s*nil$/.exec(n.childForFieldName('condition')?.text ?? '');
      const consequence = n.childForFieldName('consequence');
      if (failed && consequence && within(access, consequence)) result = failed[1];
    }
  }
  if (!literal || !result || literal.parent?.type !== 'call_expression' || literal.parent.parent?.type !== 'defer_statement' || functionAround(literal)?.id !== fn.id) return false;
  const index = parameterNames(fn.childForFieldName('result')).indexOf(result);
  if (index < 0 || insideLoopOf(site, fn)) return false;
  const assigns = new RegExp(`(?<![\\w.])${escapeRegExp(result)}\\s*(?:,[^=\\n]*)?=(?!=)`);
  if (fn.descendantsOfType('defer_statement').some((d) => assigns.test(d.text))) return false;
  const returns = fn.descendantsOfType('return_statement').filter((r) => r.startIndex > site.endIndex && functionAround(r)?.id === fn.id);
  return (
    returns.length > 0 &&
    returns.every((r) => {
      const values = r.namedChild(0)?.type === 'expression_list' ? r.namedChild(0)!.namedChildren : r.namedChildren;
      return values[index]?.text === 'nil';
    })
  );
}

/**
 * The stretch of a function that a goroutine's start never reaches because the start is followed by an
 * unconditional `goto L` further down (`go fill(); goto wait`): from the jump to L's statement. What
 * follows L counts as reached, from the start of any loop around L, and back to every label a `goto`
 * below leads to. Undefined when some other jump (`break`, `continue`, another `goto`) could leave the
 * statements between the start and the jump, or when the jump is not there.
 */
function skippedByGoto(site: Node, fn: Node): { from: number; to: number } | undefined {
  let stmt: Node | null = site;
  while (stmt && stmt.parent?.type !== 'statement_list') stmt = stmt.parent;
  if (!stmt || !within(stmt, fn)) return undefined;
  let jump: Node | null = stmt.nextNamedSibling;
  for (; jump && jump.type !== 'goto_statement'; jump = jump.nextNamedSibling) {
    if (jump.type === 'labeled_statement' || /\b(?:break|continue|goto|fallthrough)\b/.test(jump.text)) return undefined;
  }
  const target = jump?.namedChildren.find((c) => c.type === 'label_name')?.text;
  if (!jump || !target) return undefined;
  const labels = new Map<string, number>();
  for (const l of fn.descendantsOfType('labeled_statement')) {
    const name = l.namedChild(0)?.text;
    if (name) labels.set(name, l.startIndex);
  }
  let to = labels.get(target);
  if (to === undefined || to < jump.endIndex) return undefined;
  const loops = fn.descendantsOfType(['for_statement']);
  const gotos = fn.descendantsOfType('goto_statement');
  for (let moved = true; moved; ) {
    moved = false;
    for (const loop of loops) {
      if (loop.startIndex < to && loop.endIndex > to) [to, moved] = [loop.startIndex, true];
    }
    for (const g of gotos) {
      const back = labels.get(g.namedChildren.find((c) => c.type === 'label_name')?.text ?? '');
      if (g.startIndex >= to && back !== undefined && back < to) [to, moved] = [back, true];
    }
  }
  return to > jump.endIndex ? { from: jump.endIndex, to } : undefined;
}

/**
 * A pointer the function only ever sets non-nil, and sets before the start (set for good): `if spill == nil && lagging() {
 * spill = f; go drain() }` beside `if spill != nil { … } else { lastSend = now }`. Once the goroutine
 * runs, spill stays set, so an access only while it is nil came before the start. Every assignment of
 * the function's own variable must be non-nil (`&T{…}`, `new`, `make`, a literal, or a call's result
 * beside an `err` the next statement returns on, also through a local), none in a func literal, and its
 * address never taken. The one before the start may sit in `if x == nil { x = make(…) }`.
 */
function setForGoodBeforeStart(site: Node, access: Node, fn: Node): boolean {
  const name = nilOnlyGuard(access, fn)?.name;
  if (!name || new RegExp(`(?<!&)&\\s*${escapeRegExp(name)}(?![\\w.])`).test(fn.text)) return false;
  const assigns = (st: Node) => (st.childForFieldName('left')?.namedChildren ?? []).some((l) => l.type === 'identifier' && l.text === name);
  const assignments = fn.descendantsOfType(['assignment_statement', 'short_var_declaration']).filter(assigns);
  if (assignments.length === 0 || assignments.some((st) => functionAround(st)?.id !== fn.id || st.type === 'short_var_declaration' || !setsNonNil(st, name, fn))) return false;
  // One of them stands before the start, in a block that holds it.
  for (let cur: Node = site; cur.parent && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type === 'func_literal' && cur.id !== site.id && !within(site, cur)) return false;
    if (cur.parent.type !== 'statement_list') continue;
    for (let st = cur.previousNamedSibling; st; st = st.previousNamedSibling) if (assignments.some((a) => a.id === st!.id) || setIfNil(st, name, assignments)) return true;
  }
  return false;
}

/** `if x == nil { …; x = make(…) }` with no else: past it, x is set (it was, or the block set it). */
function setIfNil(st: Node, name: string, assignments: readonly Node[]): boolean {
  if (st.type !== 'if_statement' || st.childForFieldName('initializer') || st.childForFieldName('alternative')) return false;
  if (!new RegExp(`^${escapeRegExp(name)}\\s*==\\s*nil$`).test(st.childForFieldName('condition')?.text ?? '')) return false;
  return statementsOf(st.childForFieldName('consequence')).some((c) => assignments.some((a) => a.id === c.id));
}

/**
 * A start in a loop that runs at most once: inside the loop, under `if x == nil && …`, which sets x
 * before the start and never back (setForGoodBeforeStart).
 */
function startsOnceInLoop(s: Spawn): boolean {
  let known = startsOnce.get(s);
  if (known === undefined) startsOnce.set(s, (known = computeStartsOnceInLoop(s)));
  return known;
}
const startsOnce = new WeakMap<Spawn, boolean>();

function computeStartsOnceInLoop(s: Spawn): boolean {
  const fn = s.parent?.node;
  const guard = s.site && fn ? nilOnlyGuard(s.site, fn) : undefined;
  if (!guard) return false;
  for (let cur = s.site!.parent; cur && cur.id !== guard.stmt.id; cur = cur.parent) if (cur.type === 'for_statement') return false;
  return setForGoodBeforeStart(s.site!, s.site!, fn!);
}

/** The variable an access runs only while nil: in `if x == nil {…}` (or an `&&` term), or the `else` of `if x != nil {…}` (or an `||` term). */
function nilOnlyGuard(access: Node, fn: Node): { name: string; stmt: Node } | undefined {
  for (let cur: Node = access; cur.parent && cur.id !== fn.id; cur = cur.parent) {
    const parent = cur.parent;
    if (cur.type === 'func_literal') return undefined;
    if (parent.type !== 'if_statement') continue;
    const cond = parent.childForFieldName('condition');
    if (!cond) continue;
    const inElse = parent.childForFieldName('alternative')?.id === cur.id;
    const inThen = parent.childForFieldName('consequence')?.id === cur.id;
    if (!inElse && !inThen) continue;
    const terms = cond.text.split(inElse ? '||' : '&&').map((t) => t.trim());
    for (const t of terms) {
      const m = (inElse ? /^(\w+)\s*!=\s*nil$/ : /^(\w+)\s*==\s*nil$/).exec(t);
      if (m && !/[|&]/.test(cond.text.replace(inElse ? /\|\|/g : /&&/g, ''))) return { name: m[1], stmt: parent };
    }
  }
  return undefined;
}

/**
 * A value that is never nil: an address (`&T{}`, `&x`), a composite or func literal, `make`, `new`, or a
 * call `nonNilCall` vouches for (the models' `nonNilResult`, where the caller can ask them).
 */
export function neverNilValue(value: Node, nonNilCall: (call: Node) => boolean): boolean {
  if (value.type === 'composite_literal' || value.type === 'func_literal') return true;
  if (value.type === 'unary_expression') return value.child(0)?.type === '&';
  if (value.type !== 'call_expression') return false;
  const fn = value.childForFieldName('function');
  if (fn?.type === 'identifier' && (fn.text === 'make' || fn.text === 'new')) return true;
  return nonNilCall(value);
}

/** Whether an assignment gives `name` a value that cannot be nil (see setForGoodBeforeStart). */
function setsNonNil(st: Node, name: string, fn: Node): boolean {
  const left = st.childForFieldName('left')?.namedChildren ?? [];
  const right = st.childForFieldName('right')?.namedChildren ?? [];
  const index = left.findIndex((l) => l.text === name);
  if (left.length === right.length) {
    const value = right[index];
    if (neverNilValue(value, () => false)) return true;
    if (value.type !== 'identifier' || left.length !== 1) return false;
    // `spill = f`, with `f, err := open()` and a return on err before it.
    const decl = fn.descendantsOfType('short_var_declaration').find((d) => d.endIndex <= st.startIndex && (d.childForFieldName('left')?.namedChildren ?? []).some((l) => l.text === value.text));
    return !!decl && checkedCallResult(decl, value.text);
  }
  return checkedCallResult(st, name);
}

/** `a, x, err = f()` whose next statement is `if err != nil { …; return … }`: x comes back with a nil error. */
function checkedCallResult(st: Node, name: string): boolean {
  const left = st.childForFieldName('left')?.namedChildren ?? [];
  const right = st.childForFieldName('right')?.namedChildren ?? [];
  const err = left[left.length - 1]?.text;
  if (right.length !== 1 || right[0].type !== 'call_expression' || left.length < 2 || left[left.length - 1].text === name || !err || err === '_') return false;
  const next = nextStatement(st);
  if (next?.type !== 'if_statement' || next.childForFieldName('initializer') || next.childForFieldName('alternative')) return false;
  if (!new RegExp(`^${escapeRegExp(err)}\\s*!=\\s*nil$`).test(next.childForFieldName('condition')?.text ?? '')) return false;
  return statementsOf(next.childForFieldName('consequence')).filter((c) => c.type !== 'comment').pop()?.type === 'return_statement';
}

/** The `if`s around a start or an access that the failure-path check reads, innermost first. */
const MAX_FAILURE_IFS = 8;

/**
 * A goroutine started only once the function has failed, and an access only while it has not:
 * `if err != nil { err = fmt.Errorf(…); go retry() }` … `if err == nil { use(path) }`. At the start,
 * err is non-nil (the branch's condition, or a call the models say never returns nil); nothing sets
 * it again before the access's condition (no assignment in between, no func literal that assigns it
 * or takes its address), and neither stands in a loop, so the call that starts the goroutine skips the
 * access. err must be the function's own variable.
 */
function failurePathExclusive(site: Node, access: Node, fn: Node, nonNil: (value: Node) => boolean, ancestorsOf: (node: Node) => readonly Ancestor[] | undefined): boolean {
  // From the cached ancestors, innermost first: asking a node deep in an else-if chain for its parent costs the depth.
  const branch = (node: Node, failed: boolean): { stmt: Node; name: string } | undefined => {
    const chain = ancestorsOf(node);
    if (!chain) return undefined;
    let child: { start: number } = { start: node.startIndex };
    let ifs = 0;
    for (let i = chain.length - 1; i >= 0 && ifs < MAX_FAILURE_IFS; i--) {
      const a = chain[i];
      if (a.start < fn.startIndex || (a.start === fn.startIndex && a.end === fn.endIndex)) break;
      if (a.type === 'func_literal') return undefined;
      if (a.type === 'if_statement' && a.node) {
        ifs++;
        const consequence = a.node.childForFieldName('consequence');
        const match = /^(\w+)\s*(==|!=)\s*nil$/.exec(a.node.childForFieldName('condition')?.text ?? '');
        if (match && !a.node.childForFieldName('initializer') && consequence?.startIndex === child.start && (match[2] === '!=') === failed) return { stmt: a.node, name: match[1] };
      }
      child = a;
    }
    return undefined;
  };
  const start = branch(site, true);
  const use = start && branch(access, false);
  if (!start || !use || use.name !== start.name || use.stmt.startIndex < start.stmt.endIndex) return false;
  if (insideLoopOf(site, fn) || insideLoopOf(use.stmt, fn)) return false;
  const name = start.name;
  const declared = new RegExp(`(?:^|[^\\w.])${escapeRegExp(name)}\\b[^;\\n{}]*:=|\\bvar\\s+${escapeRegExp(name)}\\b`);
  const params = ['parameters', 'result'].some((f) => parameterNames(fn.childForFieldName(f)).includes(name));
  if (!params && !declared.test(fn.childForFieldName('body')?.text ?? '')) return false;
  // Writes of err: assignments and declarations naming it, and its address taken.
  const writes: Node[] = [];
  for (const stmt of fn.descendantsOfType(['assignment_statement', 'short_var_declaration'])) {
    if ((stmt.childForFieldName('left')?.namedChildren ?? []).some((l) => l.text === name)) writes.push(stmt);
  }
  const literals = fn.descendantsOfType('func_literal');
  const addressed = new RegExp(`&\\s*${escapeRegExp(name)}\\b`);
  if (addressed.test(fn.text) || writes.some((w) => literals.some((l) => within(w, l)))) return false;
  const condition = start.stmt.childForFieldName('condition')!;
  // Non-nil at the start: the last write before it, after the branch's condition, sets it from a never-nil call.
  const before = writes.filter((w) => w.startIndex > condition.endIndex && w.endIndex <= site.startIndex).pop();
  if (before) {
    const left = before.childForFieldName('left')?.namedChildren ?? [];
    const right = before.childForFieldName('right')?.namedChildren ?? [];
    const value = left.length === right.length ? right[left.findIndex((l) => l.text === name)] : undefined;
    if (!value || !nonNil(value) || !within(before, start.stmt.childForFieldName('consequence')!)) return false;
  }
  const useCondition = use.stmt.childForFieldName('condition')!;
  return !writes.some((w) => w.startIndex > site.endIndex && w.startIndex < useCondition.startIndex);
}

/** The fields a function (its whole declaration) only reads of its pointer parameter at `index` (see ModelBuilder.fieldsReadThrough); undefined for any other use. */
function paramFieldReads(callee: Node, index: number): string[] | undefined {
  const params = (callee.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p.type === 'parameter_declaration' || p.type === 'variadic_parameter_declaration');
  let at = 0;
  let name: string | undefined;
  for (const p of params) {
    const names = fieldChildren(p, 'name');
    if (p.type === 'variadic_parameter_declaration' || names.length === 0) return undefined;
    if (index < at + names.length) {
      name = names[index - at].text;
      if (p.childForFieldName('type')?.type !== 'pointer_type') return undefined;
      break;
    }
    at += names.length;
  }
  const body = callee.childForFieldName('body');
  if (!name || name === '_' || !body) return undefined;
  const fields = new Set<string>();
  for (const ident of body.descendantsOfType('identifier')) {
    if (ident.text !== name) continue;
    const selector = ident.parent;
    if (selector?.type !== 'selector_expression' || selector.childForFieldName('operand')?.id !== ident.id) return undefined;
    // The chain `p.F.G[i]` up to its outermost part: read as a value, not written, called or addressed.
    let top: Node = selector;
    while (top.parent && (top.parent.type === 'selector_expression' || top.parent.type === 'index_expression') && top.parent.namedChild(0)?.id === top.id) top = top.parent;
    const parent = top.parent;
    if (!parent) return undefined;
    if (parent.type === 'call_expression' && parent.childForFieldName('function')?.id === top.id) return undefined;
    if (parent.type === 'unary_expression' && operatorOf(parent) === '&') return undefined;
    if (parent.type === 'inc_statement' || parent.type === 'dec_statement') return undefined;
    if (parent.type === 'expression_list' && parent.parent?.childForFieldName('left')?.id === parent.id) return undefined;
    // Builtins that write what they are handed: `delete(p.m, k)`, `copy(p.buf, src)`, `clear(p.m)`.
    if (parent.type === 'argument_list' && /^(?:delete|copy|clear)$/.test(parent.parent?.childForFieldName('function')?.text ?? '')) return undefined;
    for (let n: Node | null = parent; n && n.id !== body.id; n = n.parent) if (n.type === 'func_literal' || n.type === 'go_statement' || n.type === 'defer_statement') return undefined;
    fields.add(selector.childForFieldName('field')!.text);
  }
  // A name declared anew in the body (`p := …`) would be another variable: only uses of the parameter count.
  if (new RegExp(`(?:^|[^\\w.])${escapeRegExp(name)}\\s*(?:,[^=\\n]*)?:=|\\bvar\\s+${escapeRegExp(name)}\\b`).test(body.text)) return undefined;
  return fields.size > 0 ? [...fields] : undefined;
}

/** Whether a defer statement holds `node`, within its top-level function. */
function underDeferStatement(node: Node): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'defer_statement') return true;
    if (p.type === 'function_declaration' || p.type === 'method_declaration') return false;
  }
  return false;
}

/** The flags `!a || !b` waits for, or undefined for any other condition. */
function negatedFlags(cond: Node): string[] | undefined {
  if (cond.type === 'parenthesized_expression') return negatedFlags(cond.namedChild(0)!);
  if (cond.type === 'unary_expression' && cond.child(0)?.type === '!') {
    const operand = cond.childForFieldName('operand');
    return operand?.type === 'identifier' ? [operand.text] : undefined;
  }
  if (cond.type === 'binary_expression' && operatorOf(cond) === '||') {
    const left = negatedFlags(cond.childForFieldName('left')!);
    const right = left && negatedFlags(cond.childForFieldName('right')!);
    return left && right ? [...left, ...right] : undefined;
  }
  return undefined;
}

/** An import path of another module: its first element is a domain (`example.com/x`), not the standard library's (`net/http`). */
function outsideStandardLibrary(path: string): boolean {
  return path.split('/')[0]!.includes('.');
}

/** The names an argument hands over: itself, or the values of a struct literal's fields (`&Input{Body: pr}`). */
function handedValues(arg: Node): { end: Node }[] {
  if (arg.type === 'identifier') return [{ end: arg }];
  const literal = arg.type === 'unary_expression' && arg.child(0)?.type === '&' ? arg.childForFieldName('operand') : arg;
  if (literal?.type !== 'composite_literal') return [];
  const values = literal.childForFieldName('body')?.namedChildren.filter((e) => e.type === 'keyed_element').map((e) => e.namedChildren[e.namedChildren.length - 1]) ?? [];
  return values.flatMap((v) => (v?.type === 'literal_element' ? v.namedChildren : v ? [v] : [])).filter((v) => v.type === 'identifier').map((end) => ({ end }));
}

/**
 * Whether the goroutine's own code sends on or closes `channel` (with `closeOnly`, closes it: what ends
 * a range over it). Its text counts, so a goroutine it starts counts too.
 */
function signalsItself(s: Spawn, channel: string, closeOnly = false): boolean {
  if (!s.site) return false;
  // `ch := u.Go(f)`: the call's own result is signalled once f has returned.
  if (!closeOnly && s.signalsResult && resultName(s.site) === channel) return true;
  // Also under the name of the literal's parameter it is handed as: `go func(d chan struct{}) { …; close(d) }(done)`.
  return [channel, ...parametersFor(s, channel)].some((c) => {
    const name = escapeRegExp(c);
    const close = `\\bclose\\(\\s*${name}\\s*\\)`;
    return new RegExp(closeOnly ? close : `(?:^|[^\\w.])${name}\\s*<-|${close}`).test(s.site!.text);
  });
}

/** The parameters of a `go func(…) {…}(…)` literal that get the argument spelled `arg`. */
function parametersFor(s: Spawn, arg: string): string[] {
  const literal = goLiteral(s);
  const call = literal?.parent;
  // Most go statements hand the literal nothing: look at the arguments' text before the nodes.
  if (!literal || call?.type !== 'call_expression' || !call.text.slice(literal.endIndex - call.startIndex).includes(arg)) return [];
  const args = callArguments(call);
  const names = parameterNames(literal.childForFieldName('parameters'));
  return names.filter((_, i) => args[i]?.text === arg);
}

/** The name a call's single result is assigned to: `ch` for `ch := f()` or `ch = f()`. */
function resultName(call: Node): string | undefined {
  const list = call.parent;
  const stmt = list?.type === 'expression_list' ? list.parent : undefined;
  if ((stmt?.type !== 'short_var_declaration' && stmt?.type !== 'assignment_statement') || list!.namedChildCount !== 1) return undefined;
  const left = stmt.childForFieldName('left')?.namedChildren ?? [];
  return left.length === 1 && left[0].type === 'identifier' ? left[0].text : undefined;
}

/** Whether a goroutine writes to or closes a pipe end: `end.Write(…)`, `end.Close()`, or `end` passed first to a call (`io.WriteString(end, …)`). */
function writesToEnd(s: Spawn, end: string, methods: string[]): boolean {
  if (!s.site) return false;
  const name = escapeRegExp(end);
  return new RegExp(`(?:^|[^\\w.])${name}\\.(?:${methods.join('|')})\\(|\\(\\s*${name}\\s*[,)]`).test(s.site.text);
}

interface StoredEnd {
  /** The package variable or field assigned (`os.Stdout`). */
  target: string;
  at: number;
  /** Whether the value assigned is a pipe end (`os.Stdout = saved` puts it back). */
  end: boolean;
}

/**
 * The assignments `fn`, in its own flow before `before`, makes to package variables or fields that it
 * also points at a pipe end (`os.Stdout = pipeW`, to capture what the code under test prints).
 */
function storedEnds(fn: Node, ends: readonly string[], before: number): StoredEnd[] {
  const out: StoredEnd[] = [];
  for (const assignment of fn.descendantsOfType('assignment_statement')) {
    if (assignment.startIndex >= before) break;
    if (insideLiteralOrGo(assignment, fn)) continue;
    const left = assignment.childForFieldName('left')?.namedChildren ?? [];
    const right = assignment.childForFieldName('right')?.namedChildren ?? [];
    right.forEach((value, i) => {
      if (left[i]?.type === 'selector_expression') out.push({ target: left[i].text, at: assignment.startIndex, end: value.type === 'identifier' && ends.includes(value.text) });
    });
  }
  return out.filter((a) => out.some((b) => b.end && b.target === a.target));
}

/** The targets that hold a pipe end at `at`: their last assignment before it stored one. A goroutine started there that closes `os.Stdout` closes the end. */
function heldAt(stored: readonly StoredEnd[], at: number): string[] {
  const last = new Map<string, boolean>();
  for (const a of stored) if (a.at < at) last.set(a.target, a.end);
  return [...last].filter(([, end]) => end).map(([target]) => target);
}

function windowEnd(s: Spawn): number {
  const j = s.site ? joinAfter(s, s.site.endIndex) : undefined;
  return j ? joinPosFor(j, s) : Number.MAX_SAFE_INTEGER;
}

/** Where positionFor puts an access of a deferred closure: the function's exit, after all of its code. */
const AT_EXIT = Number.MAX_SAFE_INTEGER - 1;
/** Where positionFor puts an access of a deferred closure that first waits for the goroutine. */
const AFTER_JOIN = Number.MAX_SAFE_INTEGER - 2;

/** The func literal its thread defers that holds `unit` (`defer func() { err = undo() }()`), if any. */
function deferredLiteralAround(unit: FuncUnit | undefined, thread: FuncUnit | undefined): Node | undefined {
  for (let u = unit; u && u !== thread; u = u.parent) {
    const call = u.node.type === 'func_literal' ? u.node.parent : undefined;
    if (call?.type === 'call_expression' && call.parent?.type === 'defer_statement') return u.node;
  }
  return undefined;
}

const FUNCTION_NODES = new Set(['func_literal', 'function_declaration', 'method_declaration']);

/** The function a node runs in: its nearest enclosing function declaration or literal. */
function functionAround(node: Node): Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (FUNCTION_NODES.has(n.type)) return n;
  return undefined;
}

/**
 * Deferred calls run last first: a wait for s deferred after `deferred` (`defer func() { check(err) }()`,
 * then `defer wg.Wait()`) runs before it. Only a wait deferred by the same function, in a block that
 * holds s's go statement, so that its defer has run whenever s started: before the go statement, or
 * after it with no return in between.
 */
function deferredWaitRunsFirst(s: Spawn, deferred: Node): boolean {
  const parent = s.parent?.thread;
  const site = s.site;
  const deferStatement = deferred.parent?.parent;
  if (!parent || !site || deferStatement?.type !== 'defer_statement') return false;
  const fn = functionAround(deferStatement);
  if (!fn || fn !== parent.node || functionAround(site) !== fn) return false;
  for (const j of parent.joins) {
    if (j.pos < deferStatement.endIndex || j.scopeEnd !== undefined) continue;
    const waitDefer = j.deferredIn ? j.deferredIn.parent?.parent : j.deferred ? site.tree.rootNode.descendantForIndex(j.pos, j.end) : undefined;
    let statement: Node | null | undefined = waitDefer;
    while (statement && statement.type !== 'defer_statement') statement = statement.parent;
    if (!statement || functionAround(statement) !== fn || !statement.parent || !within(site, statement.parent)) continue;
    if (s.kind === 'group' && (j.waitsFor ?? j.group) !== s.group && !j.ordersClosures) continue;
    if (j.orders && !j.orders(s)) continue;
    if (statement.startIndex < site.startIndex) return true;
    const returns = fn.descendantsOfType('return_statement').some((r) => r.startIndex >= site.endIndex && r.startIndex < statement!.startIndex && functionAround(r) === fn);
    if (!returns) return true;
  }
  return false;
}

/** The deferred func literal (`defer func() { …; go f() }()`) within the spawning thread that holds s's site. */
function deferredLiteral(s: Spawn): Node | undefined {
  return deferredLiteralAround(s.parent, s.parent?.thread);
}

/**
 * `l, err := paths.Lock(p)` or `unlock := keys.Lock(k)`: a Lock that hands back what releases it
 * (`l.Unlock()`, `unlock()`). The handle's name stands for the lock, held until that release. Of
 * several results (`entry, unlock := c.LockContract(id)`), the one the code goes on to call.
 */
function lockHandle(stmt: Node): string | undefined {
  if (stmt.type !== 'short_var_declaration' && stmt.type !== 'assignment_statement') return undefined;
  const right = stmt.childForFieldName('right');
  const value = right?.namedChildCount === 1 ? right.namedChild(0) : undefined;
  const mc = value?.type === 'call_expression' ? methodCall(value) : undefined;
  // An unexported helper (`unlock := k.lockWrite(key)`), or a package function (`unlock := lock(key)`),
  // counts only when the func it returns is called later.
  const fn = value?.type === 'call_expression' ? value.childForFieldName('function') : undefined;
  const packageFunc = fn?.type === 'identifier' && /^(?:r?lock|R?Lock)(?:[A-Z]\w*)?$/.test(fn.text);
  const unexported = packageFunc || (mc !== undefined && !LOCK_CALL.test(mc.method) && /^r?lock(?:[A-Z]\w*)?$/.test(mc.method));
  if (!packageFunc && (!mc || (!LOCK_CALL.test(mc.method) && !unexported))) return undefined;
  const names = (stmt.childForFieldName('left')?.namedChildren ?? []).filter((n) => n.type === 'identifier' && n.text !== '_').map((n) => n.text);
  const rest = stmt.parent ? stmt.parent.text.slice(stmt.endIndex - stmt.parent.startIndex) : '';
  const called = names.find((n) => new RegExp(`(?<![\\w.])${escapeRegExp(n)}\\(\\)`).test(rest));
  return unexported ? called : (called ?? names[0]);
}

/**
 * A method pair that takes and gives back a lock by key: `AcquireLock(key, timeout)` … `ReleaseLock(key)`,
 * `LockContract(id)` … `UnlockContract(id)`. Both reduce to one stem (`Lock`, `LockContract`); a
 * name without `Lock` in it (a semaphore's `Acquire(ctx, n)`) is none, as it may let several in.
 */
function keyedLockStem(method: string): { stem: string; locks: boolean } | undefined {
  const m = /^(Acquire|Release|R?Lock|R?Unlock)(\w*)$/.exec(method);
  if (!m) return undefined;
  const locks = m[1] === 'Acquire' || /^R?Lock$/.test(m[1]);
  const stem = m[1] === 'Acquire' || m[1] === 'Release' ? m[2] : `Lock${m[2]}`;
  return /Lock/.test(stem) && stem !== 'LockOSThread' ? { stem, locks } : undefined;
}

/** The lock a keyed method call takes or releases (`lm.Lock("k")` for `lm.AcquireLock("k", d)`): receiver, stem and first argument. */
function keyedLockCall(call: Node): { name: string; locks: boolean } | undefined {
  const mc = methodCall(call);
  const stem = mc ? keyedLockStem(mc.method) : undefined;
  const key = callArguments(call)[0];
  return stem && key ? { name: `${mc!.receiver.text}.${stem.stem}(${key.text})`, locks: stem.locks } : undefined;
}

/**
 * `if err := lm.AcquireLock(key, d); err != nil { return … }`, or the same call on the line before the
 * `if`: past the `if`, the keyed lock is held.
 */
function checkedKeyedLock(ifStmt: Node): string | undefined {
  const call = errorCheckedCall(ifStmt, '!=');
  const taken = call ? keyedLockCall(call) : undefined;
  return taken?.locks ? taken.name : undefined;
}

/** The call `if err != nil` (or `==`) checks: `err := f()` as the if's initializer or the statement before it. */
function errorCheckedCall(ifStmt: Node, op: '==' | '!='): Node | undefined {
  const cond = ifStmt.childForFieldName('condition');
  if (cond?.type !== 'binary_expression' || operatorOf(cond) !== op || cond.childForFieldName('right')?.text !== 'nil') return undefined;
  const err = cond.childForFieldName('left');
  let prev = ifStmt.childForFieldName('initializer') ?? ifStmt.previousNamedSibling;
  while (prev?.type === 'comment') prev = prev.previousNamedSibling;
  if (err?.type !== 'identifier' || (prev?.type !== 'short_var_declaration' && prev?.type !== 'assignment_statement')) return undefined;
  const left = prev.childForFieldName('left');
  const right = prev.childForFieldName('right');
  const call = right?.namedChildCount === 1 ? right.namedChild(0) : undefined;
  return left?.namedChildCount === 1 && left.namedChild(0)?.text === err.text && call?.type === 'call_expression' ? call : undefined;
}

/** Spawns that run side by side with their own kind only: parallel subtests, handlers. */
function parallelish(s: Spawn): boolean {
  return s.kind === 'parallel-test' || s.kind === 'handler';
}

/**
 * The subtest without t.Parallel() that a parallel subtest belongs to, when that subtest runs in its
 * test's own flow (no parallel subtest, goroutine or callback around it): its `t.Run` returns only
 * once the parallel subtest has finished, so the parallel subtest runs alone in that call's time.
 */
function blockingParentOf(s: Spawn): Node | undefined {
  if (s.kind !== 'parallel-test' || !s.site) return undefined;
  let parent: Node | undefined;
  for (let n = s.site.parent; n; n = n.parent) {
    if (n.type === 'function_declaration' || n.type === 'method_declaration') return parent;
    if (n.type !== 'func_literal') continue;
    const call = n.parent?.type === 'argument_list' ? n.parent.parent : undefined;
    const run = call?.type === 'call_expression' ? methodCall(call) : undefined;
    const testing = /\*\s*testing\.T\b/.test(n.childForFieldName('parameters')?.text ?? '');
    if (run?.method !== 'Run' || !testing || callsParallel(n.childForFieldName('body'), firstParamName(n))) return undefined;
    parent ??= n;
  }
  return undefined;
}

type Range = [start: number, end: number];

function inRanges(ranges: readonly Range[], pos: number): boolean {
  return ranges.some(([start, end]) => pos >= start && pos < end);
}

/**
 * The code after the spawn site that never runs in the same call: the `else` of each `if` whose
 * `then` holds it, and the later cases of each `switch` or `select`. Not when a loop around that `if`
 * can take the other branch on a later turn (those within the innermost loop are kept apart, as
 * `perTurn`), or the case falls through. One range per level, read from the cached ancestors (a
 * 2,000-branch else-if chain is 2,000 levels deep).
 */
function exclusiveBranches(s: Spawn, ancestors: readonly Ancestor[] | undefined): Exclusive {
  const top = s.parent?.node;
  if (!s.site || !top || !ancestors) return { ranges: [] };
  let ranges: Range[] = [];
  let perTurn: Exclusive['perTurn'];
  let child: { start: number; end: number; type: string } = { start: s.site.startIndex, end: s.site.endIndex, type: s.site.type };
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i];
    if (a.start < top.startIndex || (a.start === top.startIndex && a.end === top.endIndex)) break;
    if (isLoopType(a.type)) {
      // A later turn may take the other branch while this one's goroutine runs: only within one turn.
      const body = a.node?.childForFieldName('body');
      if (!perTurn && body) perTurn = { bodyStart: body.startIndex, bodyEnd: body.endIndex, ranges };
      ranges = [];
    }
    // Coming up from an else-if (an if_statement child) is coming from the alternative: nothing later.
    else if (a.type === 'if_statement' && a.node && child.type === 'block') {
      const consequence = a.node.childForFieldName('consequence');
      const alternative = a.node.childForFieldName('alternative');
      if (consequence && alternative && consequence.startIndex === child.start && consequence.endIndex === child.end) ranges.push([alternative.startIndex, alternative.endIndex]);
    } else if (SWITCHES.has(a.type) && a.node && SWITCH_CASES.has(child.type)) {
      const cases = a.node.namedChildren.filter((c) => SWITCH_CASES.has(c.type));
      const own = cases.find((c) => c.startIndex === child.start);
      const later = cases.filter((c) => c.startIndex >= child.end);
      if (own && !endsInFallthrough(own) && later.length > 0) ranges.push([later[0].startIndex, later[later.length - 1].endIndex]);
    }
    child = a;
  }
  return { ranges, ...(perTurn ? { perTurn } : {}) };
}

/**
 * Code that never runs in the same call as a spawn (the other branches of the if or switch around
 * it), and, inside a loop around the spawn, in the same turn of that loop.
 */
interface Exclusive {
  ranges: Range[];
  perTurn?: { bodyStart: number; bodyEnd: number; ranges: Range[] };
}

/**
 * An access in a branch the spawn's turn of its loop does not take (`if err == nil { go … } else { log(err) }`),
 * to a variable that turn declares anew (`conn, err := ln.Accept()` in the body): the turn that started
 * the goroutine never makes it, and other turns have their own variable.
 */
function otherBranchOfTurn(exclusive: Exclusive, pos: number, declPos: number): boolean {
  const turn = exclusive.perTurn;
  return turn !== undefined && declPos > turn.bodyStart && declPos < turn.bodyEnd && inRanges(turn.ranges, pos);
}

const SWITCHES = new Set(['expression_switch_statement', 'type_switch_statement', 'select_statement']);
const SWITCH_CASES = new Set(['expression_case', 'default_case', 'type_case', 'communication_case']);

function endsInFallthrough(clause: Node): boolean {
  const list = clause.namedChildren.find((c) => c.type === 'statement_list');
  return list?.lastNamedChild?.type === 'fallthrough_statement';
}

/** Whether `pos` lies in a select case, after the spawn of s, that waited for it (see Join.scopeEnd). */
function inJoinedCase(s: Spawn, pos: number): boolean {
  const parent = s.parent?.thread;
  if (!parent || s.kind === 'group' || !s.site) return false;
  return parent.joins.some((j) => j.scopeEnd !== undefined && j.pos >= s.site!.endIndex && pos >= j.pos && pos < j.scopeEnd && (!j.orders || j.orders(s)));
}

/** `g.SetLimit(1)` earlier in the spawning function, for a group whose models name its limit method. */
function cappedAtOne(s: Omit<Spawn, 'parent' | 'loop'>, unit: FuncUnit, source: string): boolean {
  if (!s.limitedBy || !s.group || !s.site) return false;
  const before = source.slice(unit.node.startIndex, s.site.startIndex);
  const group = escapeRegExp(s.group);
  return new RegExp(`(?:^|[^\\w.])${group}\\.${s.limitedBy}\\(\\s*1\\s*\\)`).test(before);
}

/**
 * The semaphore of one slot a goroutine takes just before it starts and gives back as it ends, named
 * by its declaration: `sem <- token` on `sem := make(chan T, 1)` with `<-sem` deferred or last, or a
 * modelled semaphore of capacity 1 (`sg := sizedwaitgroup.New(1)`, `sg.Add()` … `defer sg.Done()`).
 * Goroutines that share one start only after the one before gave it back.
 */
function slotOfOne(s: Omit<Spawn, 'parent' | 'loop'>, literal: Node, scope: Scope, modelOf: (call: Node) => FuncModel | undefined, fixedAtOne: (value: Node) => boolean): string | undefined {
  const site = s.site;
  if (s.kind !== 'go' || site?.type !== 'go_statement') return undefined;
  // The parent off the cached descent: asked of a node deep in an else-if chain, `parent` costs the depth.
  const chain = descenderFor(site.tree).ancestors(site);
  const list = chain?.[chain.length - 1]?.node;
  if (list?.type !== 'statement_list') return undefined;
  const siblings = list.namedChildren;
  const at = lastStartingBy(siblings, site.startIndex);
  const capacityOne = (name: string, capacityArg: (init: Node) => Node | undefined) => {
    const decl = scope.lookup(name);
    const init = decl?.init;
    const capacity = init?.type === 'call_expression' ? capacityArg(init) : undefined;
    return capacity && fixedAtOne(capacity) ? `${name}@${decl!.node.startIndex}` : undefined;
  };
  // The slot is taken just before the go statement (a wg.Add or two may stand between).
  for (let k = at - 1; k >= 0 && k >= at - 4; k--) {
    const stmt = siblings[k];
    if (stmt.type === 'send_statement') {
      const channel = stmt.childForFieldName('channel');
      if (channel?.type !== 'identifier') continue;
      const gate = capacityOne(channel.text, (init) => (init.childForFieldName('function')?.text === 'make' ? callArguments(init)[1] : undefined));
      const receives = (n: Node) => n.descendantsOfType('unary_expression').some((u) => u.child(0)?.type === '<-' && u.childForFieldName('operand')?.text === channel.text);
      if (gate) return releasesAtExit(literal, receives) ? gate : undefined;
      continue;
    }
    // `sg.Add()`, or `if err := sem.Acquire(ctx, 1); err != nil { … }`.
    const taking = stmt.type === 'expression_statement' ? stmt.namedChild(0) : stmt.type === 'if_statement' ? stmt.childForFieldName('initializer')?.lastNamedChild?.firstNamedChild : undefined;
    const called = taking?.type === 'call_expression' ? methodCall(taking) : undefined;
    if (called?.receiver.type !== 'identifier') continue;
    const init = scope.lookup(called.receiver.text)?.init;
    const spec = init?.type === 'call_expression' ? modelOf(init)?.semaphore : undefined;
    if (!spec || called.method !== spec.acquire) continue;
    const gate = capacityOne(called.receiver.text, (init) => callArguments(init)[spec.capacity]);
    const release = `${called.receiver.text}.${spec.release}`;
    const gives = (n: Node) => n.descendantsOfType('call_expression').some((c) => c.childForFieldName('function')?.text === release);
    return gate && releasesAtExit(literal, gives) ? gate : undefined;
  }
  return undefined;
}

/** Whether a goroutine's body gives its slot back (`gives`) in a defer, or as its last statement. */
function releasesAtExit(literal: Node, gives: (n: Node) => boolean): boolean {
  const statements = bodyStatements(literal);
  const last = statements[statements.length - 1];
  return statements.some((st) => st.type === 'defer_statement' && gives(st)) || (last?.type === 'expression_statement' && gives(last));
}

/**
 * Where the part of a loop that runs every turn begins: a range expression and a for clause's
 * initializer run once, before the first turn (`for _, p := range split(c.Names())`).
 */
function repeatedFrom(loop: Node): number {
  const range = loop.namedChildren.find((c) => c.type === 'range_clause');
  if (range) return loop.childForFieldName('body')?.startIndex ?? loop.startIndex;
  const clause = loop.namedChildren.find((c) => c.type === 'for_clause');
  if (!clause) return loop.startIndex;
  const again = clause.childForFieldName('condition') ?? clause.childForFieldName('update');
  return again?.startIndex ?? loop.childForFieldName('body')?.startIndex ?? loop.startIndex;
}

/** Whether the loop around a spawn runs the unit many times without a join inside the loop. */
function repeatsInLoop(s: Spawn): boolean {
  if (!s.loop || !s.site || leavesTheLoopAfter(s.site) || startsOnceInLoop(s)) return false;
  const j = joinAfter(s, s.site.endIndex);
  return !j || joinPosFor(j, s) > s.loop.endIndex;
}

/** The end of the outermost loop around a spawn site within its function. */
function outermostLoopEnd(s: Spawn): number {
  let end = s.loop?.endIndex ?? -1;
  for (let cur = s.site?.parent; cur && !FUNCTION_NODES.has(cur.type); cur = cur.parent) if (cur.type === 'for_statement') end = cur.endIndex;
  return end;
}

/** The statement that follows the one holding a spawn site, in its statement list. */
function statementAfter(site: Node): Node | null | undefined {
  let stmt: Node | null = site;
  while (stmt && stmt.parent?.type !== 'statement_list') stmt = stmt.parent;
  return stmt?.nextNamedSibling;
}

/**
 * `go f(); return`: the statement after the spawn leaves the loop, so it runs once per call. So does a
 * `return` a few plain statements later (`go watch(); register(c); log(…); return true`).
 */
function leavesTheLoopAfter(site: Node): boolean {
  const next = statementAfter(site);
  return (next?.type === 'break_statement' && !next.namedChild(0)) || returnAfter(site) !== undefined;
}

/**
 * The `return` a few plain statements after the one holding `site` (no jump or label on the way), if
 * any. At the end of an `if` branch, a case or a bare block, the statements after it come next.
 */
function returnAfter(site: Node): Node | undefined {
  // Each parent asked of a node deep in a long else-if chain costs the depth: read the parents off
  // the cached descent instead (a sibling stepped to shares its predecessor's parent).
  const chain = descenderFor(site.tree).ancestors(site);
  if (!chain) return undefined;
  const path = [...chain.map((a) => a.node!), site];
  let at = path.length - 1;
  while (at > 0 && path[at - 1].type !== 'statement_list') at--;
  if (at === 0) return undefined;
  let next = path[at].nextNamedSibling;
  for (let steps = 0; steps < 16; steps++) {
    if (!next) {
      const outer = statementAroundAt(path, at - 1);
      if (outer < 0) return undefined;
      at = outer;
      next = path[at].nextNamedSibling;
      continue;
    }
    if (next.type === 'return_statement') return next;
    if (JUMPS.has(next.type) || next.type === 'labeled_statement' || JUMPS_INSIDE.test(next.text)) return undefined;
    next = next.nextNamedSibling;
  }
  return undefined;
}

/**
 * The statement a statement list ends into: the `if` (not a branch further down an else-if chain),
 * switch, select or bare block that holds it, when that sits in a statement list itself. Not a loop:
 * its end starts the next turn.
 * Given by index into a root-first path of ancestors (`path[list]` is the list); -1 for none.
 */
function statementAroundAt(path: readonly Node[], list: number): number {
  let at = list - 1;
  const cur = path[at];
  if (cur?.type === 'block') {
    if (path[at - 1]?.type !== 'statement_list') at--;
  } else if (cur && CASES.has(cur.type)) {
    const sw = path[at - 1]?.type;
    if (sw !== 'type_switch_statement' && sw !== 'expression_switch_statement' && sw !== 'select_statement') return -1;
    at--;
  } else return -1;
  return at > 0 && path[at - 1].type === 'statement_list' && BRANCHING.has(path[at].type) ? at : -1;
}

const CASES = new Set(['expression_case', 'default_case', 'type_case', 'communication_case']);
const BRANCHING = new Set(['if_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement', 'block']);

/**
 * Where the spawning function stops running code once it has started s: `go f(); respond(w); return`
 * runs only the statements up to that `return` after the spawn, so what lies after it (or before the
 * spawn, in the loop) never overlaps the goroutine. A jump among those statements (`break`,
 * `continue`, `goto`) may leave the block another way: then the whole function counts.
 */
function reachEnd(s: Spawn): number {
  const ret = s.site && returnAfter(s.site);
  // The return of a func literal run within the spawning thread (a callback, a block run in place)
  // ends only that literal: returnAfter never leaves the function around the spawn.
  if (!ret || (s.parent && s.parent !== s.parent.thread)) return Number.MAX_SAFE_INTEGER;
  return ret.endIndex;
}

const JUMPS = new Set(['break_statement', 'continue_statement', 'goto_statement', 'fallthrough_statement']);
const JUMPS_INSIDE = /\b(?:break|continue|goto)\b/;

// An atomic test only one caller can pass while the flag is never reset: a compare-and-swap from a
// constant, or a swap that must return the other constant (`atomic.SwapUint32(&f, 1) == 0`,
// `!closed.Swap(true)`). A CAS from a loaded value (a retry loop) lets every caller through in turn.
const CONSTANT = String.raw`(?:\d+|true|false)`;
const ATOMIC_WINNER: { re: RegExp; differ?: true }[] = [
  { re: new RegExp(String.raw`^atomic\.CompareAndSwap\w*\(\s*&\s*([\w.]+)\s*,\s*(${CONSTANT}|nil)\s*,`) },
  { re: new RegExp(String.raw`^([\w.]+)\.CompareAndSwap\(\s*(${CONSTANT}|nil)\s*,`) },
  { re: new RegExp(String.raw`^atomic\.Swap\w*\(\s*&\s*([\w.]+)\s*,\s*(${CONSTANT})\s*\)\s*==\s*(${CONSTANT})$`), differ: true },
  { re: new RegExp(String.raw`^([\w.]+)\.Swap\(\s*(${CONSTANT})\s*\)\s*==\s*(${CONSTANT})$`), differ: true },
  { re: /^!\s*([\w.]+)\.Swap\(\s*true\s*\)$/ },
  // A counter only ever added to: the caller that takes it from 0 to 1 is the only one to see 1.
  { re: /^atomic\.Add\w*\(\s*&\s*([\w.]+)\s*,\s*1\s*\)\s*==\s*1$/ },
  { re: /^([\w.]+)\.Add\(\s*1\s*\)\s*==\s*1$/ },
];

/**
 * `if atomic.AddUint64(&n, 1) != 1 { return }`, `if c := n.Add(1); c != 1 { return }`, `if
 * !f.CompareAndSwap(false, true) { return }`: an early way out for every caller but the winner, so
 * the statements after it run in one goroutine at most. The flag, or undefined.
 */
function atomicLoserExit(stmt: Node): string | undefined {
  let condition: Node | null | undefined = exitCondition(stmt, () => false);
  while (condition?.type === 'parenthesized_expression') condition = condition.namedChild(0);
  if (!condition) return undefined;
  if (condition.type === 'unary_expression' && operatorOf(condition) === '!') return atomicWinner(condition.childForFieldName('operand'));
  if (condition.type !== 'binary_expression' || operatorOf(condition) !== '!=') return undefined;
  let tested = condition.childForFieldName('left')?.text ?? '';
  if (condition.childForFieldName('right')?.text !== '1') return undefined;
  // `c := atomic.AddUint64(&n, 1); c != 1`: the initializer's one name stands for the call.
  const init = stmt.childForFieldName('initializer');
  const names = init?.type === 'short_var_declaration' ? init.childForFieldName('left')?.namedChildren : undefined;
  const values = init?.type === 'short_var_declaration' ? init.childForFieldName('right')?.namedChildren : undefined;
  if (names?.length === 1 && values?.length === 1 && names[0].text === tested) tested = values[0].text;
  return /^atomic\.Add\w*\(\s*&\s*([\w.]+)\s*,\s*1\s*\)$/.exec(tested)?.[1] ?? /^([\w.]+)\.Add\(\s*1\s*\)$/.exec(tested)?.[1];
}

/**
 * `if ps.Name == target { … }` in a loop: a name, an ID, a key or the range index tells the loop's
 * turns apart, so one turn at most gets past the test (a lookup), as with an atomic winner. The other
 * side must be fixed before the loop, not a constant; against a constant, only the range key itself
 * (or a copy, or the parameter a goroutine gets it as) is sure to differ in every turn. Returns a name
 * for what the test selects by. With keyOnly (the test sits in a loop of the goroutine's own), only
 * the range key's test counts.
 */
function oneTurnPasses(ifStmt: Node, loop: Node, declOf: (ident: Node) => Decl | undefined, constants: ReadonlySet<string>, keyOnly = false): string | undefined {
  const cond = ifStmt.childForFieldName('condition');
  return cond ? oneTurnTest(cond, loop, declOf, constants, keyOnly) : undefined;
}

/** The test of oneTurnPasses: an `==` of that kind, or a conjunction with one among its parts (`r%2 == 1 && s == 2`). */
function oneTurnTest(cond: Node, loop: Node, declOf: (ident: Node) => Decl | undefined, constants: ReadonlySet<string>, keyOnly: boolean): string | undefined {
  if (cond.type === 'parenthesized_expression') return cond.namedChild(0) ? oneTurnTest(cond.namedChild(0)!, loop, declOf, constants, keyOnly) : undefined;
  if (cond.type === 'binary_expression' && operatorOf(cond) === '&&') {
    const [left, right] = [cond.childForFieldName('left'), cond.childForFieldName('right')];
    return (left && oneTurnTest(left, loop, declOf, constants, keyOnly)) || (right && oneTurnTest(right, loop, declOf, constants, keyOnly)) || undefined;
  }
  if (cond.type !== 'binary_expression' || operatorOf(cond) !== '==') return undefined;
  const sides = [cond.childForFieldName('left'), cond.childForFieldName('right')];
  const identifies = (side: Node | null): boolean => {
    if (!side) return false;
    const root = rootIdentifier(side);
    const decl = root && declOf(root);
    if (!decl || !within(decl.node, loop)) return false;
    if (side.type === 'identifier') return (decl.kind === 'range' && decl.loop?.startIndex === loop.startIndex && isRangeKey(decl)) || IDENTITY.test(side.text);
    return side.type === 'selector_expression' && IDENTITY.test(side.childForFieldName('field')?.text ?? '');
  };
  const fixedBefore = (side: Node | null): boolean => {
    if (!side || (side.type !== 'identifier' && side.type !== 'selector_expression')) return false;
    const root = rootIdentifier(side);
    const decl = root && declOf(root);
    return !!decl && decl.kind !== 'const' && !within(decl.node, loop);
  };
  for (const [one, other] of [[sides[0], sides[1]], [sides[1], sides[0]]]) {
    if (!keyOnly && identifies(one) && fixedBefore(other)) return `${other!.text} (one ${one!.text})`;
    // `if rs == "config"`: no two turns share a range key, so one at most equals a constant.
    if (one && other && keyOfTurn(one, loop, declOf) && isConstant(other, declOf, constants)) return `${other.text} (one ${one.text})`;
  }
  return undefined;
}

/**
 * `case eventsPerSec:` of a switch on the turn's range key (`switch field {…}`) in a goroutine a loop
 * starts once a turn: one goroutine at most takes a case of one constant. Returns a name for it.
 */
function oneTurnTakes(switchStmt: Node, clause: Node, loop: Node, declOf: (ident: Node) => Decl | undefined, constants: ReadonlySet<string>): string | undefined {
  const key = switchStmt.childForFieldName('value');
  const values = clause.type === 'expression_case' ? clause.childForFieldName('value')?.namedChildren ?? [] : [];
  if (!key || values.length !== 1 || !keyOfTurn(key, loop, declOf) || !isConstant(values[0], declOf, constants)) return undefined;
  return `${values[0].text} (one ${key.text})`;
}

/**
 * `if i%2 == 0 { a = v } else { b = v }` in goroutines started by a range over a slice literal of a few
 * elements, `i` its index (or the parameter a goroutine gets it as): the condition holds, or for the
 * `else` branch fails, for one index at most, so one goroutine at most takes the branch.
 */
function oneIndexTakes(ifStmt: Node, loop: Node, declOf: (ident: Node) => Decl | undefined, elseBranch: boolean): string | undefined {
  const range = loop.namedChildren.find((c) => c.type === 'range_clause');
  const collection = range?.childForFieldName('right');
  const kind = collection?.type === 'composite_literal' ? collection.childForFieldName('type')?.type : undefined;
  if (kind !== 'slice_type' && kind !== 'array_type') return undefined;
  const elements = collection!.childForFieldName('body')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  // `[]T{5: x}` sets indexes of its own.
  if (elements.some((e) => e.type === 'keyed_element')) return undefined;
  const turns = elements.length;
  const cond = ifStmt.childForFieldName('condition');
  const holds = cond ? indexTest(cond, loop, declOf) : undefined;
  if (!holds || turns > 64) return undefined;
  let taken = 0;
  for (let i = 0; i < turns; i++) if (holds(i) !== elseBranch) taken++;
  return taken <= 1 ? `${elseBranch ? '!' : ''}(${cond!.text}) (one index)` : undefined;
}

/** `i == 1`, `i%2 != 0`, `i < 1`: a comparison of the turn's index (or its remainder) with an integer, as a test of the index. */
function indexTest(cond: Node, loop: Node, declOf: (ident: Node) => Decl | undefined): ((i: number) => boolean) | undefined {
  if (cond.type === 'parenthesized_expression') return cond.namedChild(0) ? indexTest(cond.namedChild(0)!, loop, declOf) : undefined;
  if (cond.type !== 'binary_expression') return undefined;
  const op = operatorOf(cond);
  const left = cond.childForFieldName('left');
  const right = cond.childForFieldName('right');
  if (!left || right?.type !== 'int_literal' || !/^\d+$/.test(right.text)) return undefined;
  const value = Number(right.text);
  let index: ((i: number) => number) | undefined;
  if (keyOfTurn(left, loop, declOf)) index = (i) => i;
  else if (left.type === 'binary_expression' && operatorOf(left) === '%') {
    const of = left.childForFieldName('left');
    const by = left.childForFieldName('right');
    if (of && by?.type === 'int_literal' && /^[1-9]\d*$/.test(by.text) && keyOfTurn(of, loop, declOf)) index = (i) => i % Number(by.text);
  }
  if (!index) return undefined;
  const at = index;
  switch (op) {
    case '==': return (i) => at(i) === value;
    case '!=': return (i) => at(i) !== value;
    case '<': return (i) => at(i) < value;
    case '<=': return (i) => at(i) <= value;
    case '>': return (i) => at(i) > value;
    case '>=': return (i) => at(i) >= value;
    default: return undefined;
  }
}

const NO_NAMES: ReadonlySet<string> = new Set();
const LITERALS = new Set(['interpreted_string_literal', 'raw_string_literal', 'int_literal', 'rune_literal', 'float_literal', 'true', 'false']);

function isConstant(expr: Node, declOf: (ident: Node) => Decl | undefined, constants: ReadonlySet<string>): boolean {
  if (LITERALS.has(expr.type)) return true;
  if (expr.type !== 'identifier') return false;
  const decl = declOf(expr);
  return decl ? decl.kind === 'const' : constants.has(expr.text);
}

/** The names a package declares constant at its top level (`const x = …`, `const ( a T = iota; b )`). */
function constantNames(sources: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const src of sources) {
    for (const m of src.matchAll(/^const\s+(\w+)/gm)) names.add(m[1]);
    for (const block of src.matchAll(/^const\s*\(([\s\S]*?)^\)/gm)) {
      for (const m of block[1].matchAll(/^[ \t]*(\w+)\b/gm)) names.add(m[1]);
    }
  }
  return names;
}

/**
 * Whether `expr` holds the range key of `loop` (a map's key or a slice's index, never the same in two
 * turns): the key itself, a copy made in the body (`rs := rs`), or the parameter a goroutine started
 * in the body gets it as (`go func(field string) {…}(field)`).
 */
function keyOfTurn(expr: Node, loop: Node, declOf: (ident: Node) => Decl | undefined, depth = 0): boolean {
  if (expr.type !== 'identifier' || depth > 2) return false;
  const decl = declOf(expr);
  if (!decl || !within(decl.node, loop)) return false;
  if (decl.kind === 'range') return decl.loop?.startIndex === loop.startIndex && isRangeKey(decl);
  // The loop's own counter, as a per-turn copy (`i := i`) or the goroutine's parameter: captured as is
  // before Go 1.22, two goroutines may read the same value.
  if (decl.kind === 'var' && decl.loop?.startIndex === loop.startIndex) return depth > 0 && isTurnCounter(decl.name, loop);
  if (decl.kind === 'var') return decl.init?.type === 'identifier' && keyOfTurn(decl.init, loop, declOf, depth + 1);
  if (decl.kind !== 'param') return false;
  const literal = decl.node.parent?.parent?.parent;
  const call = literal?.type === 'func_literal' ? literal.parent : undefined;
  if (call?.type !== 'call_expression' || call.childForFieldName('function')?.startIndex !== literal!.startIndex || call.parent?.type !== 'go_statement') return false;
  const names = literal!.childForFieldName('parameters')?.namedChildren.flatMap((p) => fieldChildren(p, 'name')) ?? [];
  const at = names.findIndex((n) => n.startIndex === decl.node.startIndex);
  const arg = at >= 0 ? callArguments(call)[at] : undefined;
  return !!arg && keyOfTurn(arg, loop, declOf, depth + 1);
}

/** `for i := 0; …; i++`: the clause's update steps `name` by a constant and the body never assigns it, so no two turns share a value. */
function isTurnCounter(name: string, loop: Node): boolean {
  const update = loop.namedChildren.find((c) => c.type === 'for_clause')?.childForFieldName('update')?.text ?? '';
  if (!new RegExp(`^${name}\\s*(?:\\+\\+|--|[-+]=\\s*\\d+)$`).test(update)) return false;
  // Without comments and string contents: `s, (s+1)%3 // u = …` assigns nothing. Asked once per
  // access and guard level, so the blanked body is kept per loop.
  let bodies = loopBodies.get(loop.tree);
  if (!bodies) loopBodies.set(loop.tree, (bodies = new Map()));
  let body = bodies.get(loop.startIndex);
  if (body === undefined) bodies.set(loop.startIndex, (body = withoutComments(loop.childForFieldName('body')?.text ?? '', true)));
  return !new RegExp(`(?<![\\w.])${name}\\s*(?:[-+*/%|&^]?=(?!=)|\\+\\+|--|,[^=\\n]*=(?!=))`).test(body);
}

/** A loop's body without comments and string contents, by the loop's start, per tree. */
const loopBodies = new WeakMap<Parser.Tree, Map<number, string>>();

/**
 * The innermost loop around a spawn site within `top`, unless an `if` between them lets one turn at
 * most through (`if idx == trigger { go … }`): then the goroutine starts once, not once a turn.
 */
function repeatingLoopBetween(site: Node, top: Node, declOf: (ident: Node) => Decl | undefined, distinct: DistinctValues): Node | undefined {
  const loop = innermostLoopBetween(site, top);
  const ancestors = loop ? descenderFor(site.tree).ancestors(site) : undefined;
  if (!loop || !ancestors) return loop;
  for (let i = ancestors.length - 1; i > 0 && ancestors[i].start > loop.startIndex; i--) {
    const n = ancestors[i - 1];
    if (n.type === 'expression_case' && n.node && oneValueCase(n.node, loop, declOf, distinct)) return undefined;
    if (ancestors[i].type === 'statement_list' && ancestors[i].node && onceFlagAt(ancestors[i].node!, ancestors[i + 1]?.node ?? site, loop, declOf)) return undefined;
    if (n.type !== 'if_statement' || !n.node || ancestors[i].type !== 'block') continue;
    if (n.node.childForFieldName('consequence')?.startIndex !== ancestors[i].start) continue;
    if (oneTurnPasses(n.node, loop, declOf, NO_NAMES)) return undefined;
  }
  return loop;
}

/**
 * A flag that lets one turn start the goroutine: in the statement list `list`, whose statement `stmt`
 * holds the start, either an earlier `if started { return }` (or `continue`, `break`) with
 * `started = true` beside the start, or the list is the body of `if !started { … }` (also as a term
 * of `&&`) that sets it. The flag is declared outside the loop, and the function only ever assigns it
 * true, never in a func literal, never by address. A jump between the start and a later set would
 * skip the set.
 */
function onceFlagAt(list: Node, stmt: Node, loop: Node, declOf: (ident: Node) => Decl | undefined): boolean {
  const statements = list.namedChildren.filter((c) => c.type !== 'comment');
  const at = statements.findIndex((c) => c.id === stmt.id);
  if (at < 0) return false;
  const setAt = (flag: string) =>
    statements.findIndex((c, k) => c.text.replace(/\s+/g, '') === `${flag}=true` && (k < at || !statements.slice(at + 1, k).some((b) => /\b(?:return|continue|break|goto)\b/.test(b.text))));
  const candidates: Node[] = [];
  for (const guard of statements.slice(0, at)) {
    const cond = guard.type === 'if_statement' && !guard.childForFieldName('initializer') && !guard.childForFieldName('alternative') ? guard.childForFieldName('condition') : undefined;
    const last = cond ? statementsOf(guard.childForFieldName('consequence')).filter((c) => c.type !== 'comment').pop() : undefined;
    const leaves = last?.type === 'return_statement' || ((last?.type === 'continue_statement' || last?.type === 'break_statement') && last.namedChildCount === 0);
    if (cond?.type === 'identifier' && leaves) candidates.push(cond);
  }
  const ifStmt = list.parent?.type === 'block' ? list.parent.parent : undefined;
  if (ifStmt?.type === 'if_statement' && ifStmt.childForFieldName('consequence')?.id === list.parent!.id) {
    const cond = ifStmt.childForFieldName('condition');
    const terms = cond ? andTerms(cond) : [];
    for (const t of terms) {
      const operand = t.type === 'unary_expression' && t.child(0)?.type === '!' ? t.childForFieldName('operand') : undefined;
      if (operand?.type === 'identifier') candidates.push(operand);
    }
  }
  for (const flag of candidates) {
    const decl = declOf(flag);
    if (!decl || decl.kind !== 'var' || within(decl.node, loop) || setAt(flag.text) < 0) continue;
    const fn = functionAround(loop);
    if (!fn || (decl.init && decl.init.text !== 'false') || new RegExp(`&\\s*${escapeRegExp(flag.text)}\\b`).test(fn.text)) continue;
    const sets = fn.descendantsOfType('assignment_statement').filter((a) => a.childForFieldName('left')?.namedChildren.some((l) => l.text === flag.text));
    if (sets.every((a) => a.text.replace(/\s+/g, '') === `${flag.text}=true` && functionAround(a)?.id === fn.id)) return true;
  }
  return false;
}

/** The terms of a condition's top-level `&&` (the condition itself when it has none). */
function andTerms(cond: Node): Node[] {
  if (cond.type === 'parenthesized_expression' && cond.namedChild(0)) return andTerms(cond.namedChild(0)!);
  if (cond.type === 'binary_expression' && operatorOf(cond) === '&&') return [cond.childForFieldName('left'), cond.childForFieldName('right')].flatMap((c) => (c ? andTerms(c) : []));
  return [cond];
}

/** Whether a range's collection never holds a value twice, every value being one of `labels` (the package's answer, see distinctValues). */
type DistinctValues = (collection: Node, labels: readonly string[]) => boolean;

/**
 * `for _, f := range policy.families { switch f { case v4: go …; case v6: go … } }`: a case of one
 * label, in a switch on the range value with no fallthrough, over a collection whose values never
 * repeat and are all labels of the switch (so distinct in value: Go rejects duplicate constant
 * cases), starts its goroutine in one turn at most.
 */
function oneValueCase(clause: Node, loop: Node, declOf: (ident: Node) => Decl | undefined, distinct: DistinctValues): boolean {
  const sw = clause.parent;
  const key = sw?.type === 'expression_switch_statement' && !sw.childForFieldName('initializer') ? sw.childForFieldName('value') : undefined;
  if (key?.type !== 'identifier' || clause.childForFieldName('value')?.namedChildCount !== 1) return false;
  const decl = declOf(key);
  const range = loop.namedChildren.find((c) => c.type === 'range_clause');
  const names = range?.childForFieldName('left');
  if (decl?.kind !== 'range' || decl.loop?.startIndex !== loop.startIndex || names?.namedChildCount !== 2 || names.namedChild(1)?.startIndex !== decl.node.startIndex) return false;
  const collection = range!.childForFieldName('right');
  if (!collection || sw!.descendantsOfType('fallthrough_statement').length > 0) return false;
  const labels = sw!.namedChildren.filter((c) => c.type === 'expression_case').flatMap((c) => c.childForFieldName('value')?.namedChildren ?? []);
  if (!labels.every((l) => l.type === 'identifier' || l.type === 'selector_expression')) return false;
  // The range value is not assigned in the body: the switch sees what the turn took.
  const body = withoutComments(loop.childForFieldName('body')?.text ?? '', true);
  if (new RegExp(`(?<![\\w.])${escapeRegExp(key.text)}\\s*(?:,[^=\\n]*)?[-+]?=(?!=)|&\\s*${escapeRegExp(key.text)}\\b`).test(body)) return false;
  return distinct(collection, labels.map((l) => l.text));
}

/** `[]family{v4, v6}`: a slice or array literal of distinct elements, each one of `labels`. */
function distinctLiteral(literal: string, labels: readonly string[]): boolean {
  const elements = literal.split(',').map((e) => e.trim()).filter((e) => e !== '');
  return elements.length > 0 && new Set(elements).size === elements.length && elements.every((e) => labels.includes(e));
}

/** Names of what tells things apart (`Name`, `ID`, `serviceKey`, `UID`). */
const IDENTITY = /(?:^|[a-z0-9_])(?:[Nn]ame|I[Dd]|[Kk]ey|U[Ii][Dd])$|^(?:name|id|key|uid)$/;

/** `ps` for `ps.Unparsed.Name`, `x` for `x`; undefined for anything else (calls, index expressions). */
function rootIdentifier(expr: Node): Node | undefined {
  let cur: Node | null = expr;
  while (cur?.type === 'selector_expression') cur = cur.childForFieldName('operand');
  return cur?.type === 'identifier' ? cur : undefined;
}

/**
 * The key of `for k, v := range x`: a slice's index or a map's key, different in every iteration (a
 * channel's range, whose one variable is what it received, has no second).
 */
function isRangeKey(decl: Decl): boolean {
  const left = decl.loop?.namedChildren.find((c) => c.type === 'range_clause')?.childForFieldName('left');
  return left?.namedChildCount === 2 && left.namedChild(0)?.startIndex === decl.node.startIndex;
}

/** The flag of an if condition (or one of its `&&` terms) that one goroutine at most gets past. */
function atomicWinner(condition: Node | null | undefined): string | undefined {
  if (!condition) return undefined;
  if (condition.type === 'parenthesized_expression') return atomicWinner(condition.namedChild(0));
  if (condition.type === 'binary_expression' && operatorOf(condition) === '&&') {
    return atomicWinner(condition.childForFieldName('left')) ?? atomicWinner(condition.childForFieldName('right'));
  }
  const text = condition.text;
  for (const { re, differ } of ATOMIC_WINNER) {
    const m = re.exec(text);
    if (m && (!differ || m[2] !== m[3])) return m[1];
  }
  return undefined;
}

/** The chain of threads from `t` up to its top-level function. */
function threadChain(t: FuncUnit): FuncUnit[] {
  const chain: FuncUnit[] = [];
  for (let cur: FuncUnit | undefined = t; cur; cur = cur.detached ? undefined : cur.spawn?.parent?.thread ?? (cur.spawn ? undefined : cur.parent?.thread)) {
    if (chain.includes(cur)) break;
    chain.push(cur);
  }
  return chain;
}

function rootOf(t: FuncUnit): FuncUnit {
  const chain = threadChain(t);
  return chain[chain.length - 1];
}

const MAX_LOCK_SEARCH_DEPTH = 200;

/** The lock a helper call takes or releases: `c.mu` for `c.lock()`, `c(key)` for one found by the arguments. */
function helperLockName(receiver: Node, helper: LockHelper, call: Node): string {
  if (helper.path === '') return receiver.text;
  if (helper.path !== undefined) return `${receiver.text}.${helper.path}`;
  return `${receiver.text}(${callArguments(call).map((a) => a.text).join(', ')})`;
}

/** `mu.Lock()`, `mu.RLock()`, and keyed locks' `ids.LockID(id)`, `keys.LockKey(k)` (not runtime.LockOSThread). */
const LOCK_CALL = /^R?Lock(?!OSThread$)(?:[A-Z]\w*)?$/;
const UNLOCK_CALL = /^R?Unlock(?!OSThread$)(?:[A-Z]\w*)?$/;

/**
 * The lock a condition takes when it holds: `mu.TryLock()` or `mu.TryRLock()`, alone or as one side
 * of `&&`. With `negated`, the lock `!mu.TryLock()` failed to take (its branch runs without it).
 */
function triedLock(condition: Node | null | undefined, negated = false): string | undefined {
  if (!condition) return undefined;
  if (condition.type === 'parenthesized_expression') return triedLock(condition.namedChild(0), negated);
  if (!negated && condition.type === 'binary_expression' && operatorOf(condition) === '&&') {
    return triedLock(condition.childForFieldName('left')) ?? triedLock(condition.childForFieldName('right'));
  }
  if (negated) {
    if (condition.type !== 'unary_expression' || operatorOf(condition) !== '!') return undefined;
    return triedLock(condition.childForFieldName('operand'));
  }
  const mc = condition.type === 'call_expression' && callArguments(condition).length === 0 ? methodCall(condition) : undefined;
  return mc && /^TryR?Lock$/.test(mc.method) ? mc.receiver.text : undefined;
}

/** A parsed file whose package-level declarations are known and whose bodies are not yet walked. */
export type PreparedFile = PackageView & {
  readonly prepared: true;
  readonly packageName: string;
  /** Bodies the parse left out (a skeleton parse, engine/skeleton.ts), by their `{`'s index; empty after a full parse. */
  readonly skipped: ReadonlySet<number>;
};

/**
 * Whether buildFileModel would walk a function whose body a skeleton parse left out: then the file
 * must be prepared again in full (walkCandidates and the rules' `bodies` should have kept it).
 */
export function walkNeedsLeftOutBody(file: PreparedFile, choice: WalkChoice): boolean {
  return (file as unknown as ModelBuilder).walkNeedsLeftOutBody(choice);
}

/**
 * Makes the files of one package see each other's types and functions (a struct declared in one
 * file, its methods in another). Call before buildFileModel.
 */
export function linkPackage(files: readonly PreparedFile[]): void {
  const builders = files as unknown as ModelBuilder[];
  const sources = builders.map((b) => b.source);
  builders[0]?.types.linkPackage(builders.map((b) => b.types));
  for (const b of builders) b.linkPackage(builders, sources);
}

/**
 * Makes an external test package (`package foo_test`) see the functions of the package it tests, `foo`
 * in the same directory: a callback handed to `foo.WithLock` runs under foo's lock.
 */
export function linkTestedPackage(files: readonly PreparedFile[], name: string, tested: readonly PreparedFile[]): void {
  for (const b of files as unknown as ModelBuilder[]) b.linkTested(name, tested as unknown as ModelBuilder[]);
}

/**
 * Parses a file and reads its package-level declarations, for the rules' `walks` tests; hand the
 * result to buildFileModel, so the file is parsed once.
 */
export function prepareFile(source: string, models?: ApiModels, skeleton?: SkeletonPlan): PreparedFile {
  return new ModelBuilder(source, models, skeleton) as unknown as PreparedFile;
}

export function buildFileModel(file: string | PreparedFile, options: BuildOptions = {}): FileModel {
  const b = typeof file === 'string' ? new ModelBuilder(file) : (file as unknown as ModelBuilder);
  const source = b.source;
  b.build(options);
  const lines = source.split('\n');

  // The rules ask about pairs of accesses, so what a pair check needs is computed once per thread
  // and spawn, without asking tree-sitter again (each node property is a native call).
  const chains = new Map<FuncUnit, FuncUnit[]>();
  const chainOf = (t: FuncUnit): FuncUnit[] => {
    let chain = chains.get(t);
    if (!chain) chains.set(t, (chain = threadChain(t)));
    return chain;
  };
  const spans = new Map<Spawn, { start: number; end: number; windowEnd: number; reachEnd: number; repeats: boolean; deferredIn?: Node; exclusive: Exclusive }>();
  const spanOfSpawn = (s: Spawn) => {
    let span = spans.get(s);
    if (!span) spans.set(s, (span = { start: s.site?.startIndex ?? -1, end: s.site?.endIndex ?? -1, windowEnd: windowEnd(s), reachEnd: reachEnd(s), repeats: repeatsInLoop(s), deferredIn: deferredLiteral(s), exclusive: exclusiveBranches(s, s.site ? ancestorsOf(s.site) : undefined) }));
    return span;
  };
  const multiInstance = new Map<FuncUnit, boolean>();

  const isMultiInstance = (t: FuncUnit): boolean => {
    let known = multiInstance.get(t);
    if (known === undefined) multiInstance.set(t, (known = computeMultiInstance(t)));
    return known;
  };

  const computeMultiInstance = (t: FuncUnit): boolean => {
    for (const cur of chainOf(t)) {
      const s = cur.spawn;
      if (!s) continue;
      // Handlers a test registers in a loop still answer its requests one at a time.
      if (s.kind === 'handler') {
        if (s.sequential || s.once) continue;
        return true;
      }
      // Instances of a group capped at one run in turn (the parent's loop still runs beside each).
      if (repeatsInLoop(s) && !s.serial) return true;
    }
    return false;
  };

  /**
   * Whether a decl is made anew by each instance of a multi-instance thread: inside the loop that
   * repeats it, or inside the function each instance runs (`go runEcho()` in a loop, for a literal
   * `runEcho` declared before the loop: each run has its own locals).
   */
  const perInstance = (decl: Node, t: FuncUnit): boolean => {
    for (const cur of threadChain(t)) {
      const s = cur.spawn;
      if (!s) continue;
      if (repeatsInLoop(s)) return within(decl, s.loop!) || within(decl, cur.node);
      // A handler literal only converted with http.HandlerFunc may serve a single request (tests
      // do this); one registered on a mux serves many, so the locals it captures are shared.
      if (s.kind === 'handler') return within(decl, s.site && s.registered ? cur.node : cur.parent?.node ?? cur.node);
    }
    return within(decl, t.node);
  };

  /**
   * A method run as many instances at once (ServeHTTP, RoundTrip) gets the same pointer receiver in
   * each: the receiver is declared per call, but what it points to is shared by all of them.
   */
  const sharedReceiver = (decl: Decl, t: FuncUnit): boolean =>
    decl.kind === 'receiver' && decl.type.kind === 'pointer' && t.spawn?.kind === 'handler' && !t.spawn.site && t.node.type === 'method_declaration';

  /** Whether an access at `pos` in spawn s's parent thread, to a variable declared at `declPos`, overlaps s. */
  const inWindow = (s: Spawn, pos: number, declPos: number): boolean => {
    if (!s.site || s.kind === 'parallel-test' || s.kind === 'handler') return false;
    const span = spanOfSpawn(s);
    // Started by a deferred closure: at the function's exit, after all of its other code.
    if (span.deferredIn && (pos < span.deferredIn.startIndex || pos >= span.deferredIn.endIndex)) return false;
    // A deferred closure of the spawning code runs at its exit: after any join that is not deferred.
    if (pos === AT_EXIT) return span.windowEnd === Number.MAX_SAFE_INTEGER;
    if (pos === AFTER_JOIN) return false;
    if (pos >= span.end && pos < Math.min(span.windowEnd, span.reachEnd)) return !inJoinedCase(s, pos) && !inRanges(span.exclusive.ranges, pos) && !otherBranchOfTurn(span.exclusive, pos, declPos);
    // An earlier statement of the same loop runs again while this iteration's unit is running,
    // unless the variable is declared inside the loop body: the next iteration has its own.
    if (!span.repeats || declPos >= s.loop!.startIndex) return false;
    return pos >= repeatedFrom(s.loop!) && pos < span.start;
  };

  const overlap = (x: Spawn, y: Spawn, declPos: number): boolean => {
    if (x.sequential || y.sequential) return false;
    if (x.serial && y.serial && x.group !== undefined && x.group === y.group) return false;
    if (x.slot !== undefined && x.slot === y.slot) return false;
    if (parallelish(x) || parallelish(y)) {
      if (!parallelish(x) || !parallelish(y)) return false;
      // Under a subtest without t.Parallel(), a parallel subtest runs within that subtest's t.Run call.
      const [px, py] = [blockingParentOf(x), blockingParentOf(y)];
      return !(px && y.site && !within(y.site, px)) && !(py && x.site && !within(x.site, py));
    }
    if (!x.site || !y.site) return false;
    const [sx, sy] = [spanOfSpawn(x), spanOfSpawn(y)];
    if (inRanges(sx.exclusive.ranges, sy.start) || inRanges(sy.exclusive.ranges, sx.start)) return false;
    // `go load(); return` outside any loop: a spawn after that return never starts in the same call.
    if ((!x.loop && sy.start >= sx.reachEnd) || (!y.loop && sx.start >= sy.reachEnd)) return false;
    // A loop that starts one only on its way out of the function (`go send(p); return`): code after
    // every loop around it never runs in a call that started it.
    if ((x.loop && sy.start >= sx.reachEnd && sy.start >= outermostLoopEnd(x)) || (y.loop && sx.start >= sy.reachEnd && sx.start >= outermostLoopEnd(y))) return false;
    // Two branches of one turn of a loop, for a variable each turn declares anew (`var err error` in the body).
    const [tx, ty] = [sx.exclusive.perTurn, sy.exclusive.perTurn];
    if (tx && ty && tx.bodyStart === ty.bodyStart && declPos > tx.bodyStart && declPos < tx.bodyEnd && (inRanges(tx.ranges, sy.start) || inRanges(ty.ranges, sx.start))) return false;
    return sx.start < sy.windowEnd && sy.start < sx.windowEnd;
  };

  // An assignment writes its targets after its right side ran: `n, err = drain(ch)` writes once drain returned.
  const writtenAt = new Map<Access, number>();
  /**
   * `finish := func() { use(result) }` in the thread's own function, used only by direct calls in
   * that function's own flow (`finish()`), none inside another literal: where those calls start.
   */
  const callSitesOf = new Map<FuncUnit, Node[] | null>();
  const localCallSites = (unit: FuncUnit): Node[] | undefined => {
    let known = callSitesOf.get(unit);
    if (known !== undefined) return known ?? undefined;
    known = null;
    const literal = unit.node;
    const fn = unit.parent;
    const list = literal.parent;
    const decl = list?.type === 'expression_list' && list.namedChildCount === 1 ? list.parent : undefined;
    const name = decl?.type === 'short_var_declaration' ? decl.childForFieldName('left')?.namedChildren : undefined;
    if (!unit.spawn && !unit.detached && fn && fn === unit.thread && name?.length === 1 && name[0].type === 'identifier') {
      const sites: Node[] = [];
      let direct = true;
      for (const use of fn.node.descendantsOfType('identifier')) {
        if (use.text !== name[0].text || use.id === name[0].id) continue;
        const call = use.parent;
        const around = functionAround(use);
        if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== use.id || around?.id !== fn.node.id || call.parent?.type === 'go_statement' || call.parent?.type === 'defer_statement') {
          direct = false;
          break;
        }
        sites.push(call);
      }
      if (direct && sites.length > 0) known = sites;
    }
    callSitesOf.set(unit, known);
    return known ?? undefined;
  };
  /**
   * Where x stands for spawn s: at the function's exit when a deferred closure makes it, unless s
   * starts there too; and ordered after s when that closure waits for s before the access
   * (`defer func() { wg.Wait(); check(saw) }()`), as the code after a join is.
   */
  /**
   * Whether a call comes after a wait for s: a join between s's start and the call (`wg.Wait()`, a
   * receive), or a select case receiving from a channel s itself sends on or closes.
   */
  const calledAfterJoin = (s: Spawn, call: Node): boolean => {
    if (!s.site || call.startIndex < s.site.endIndex) return false;
    const j = joinAfter(s, s.site.endIndex, call.startIndex);
    if (j && joinPosFor(j, s) <= call.startIndex) return true;
    for (let cur: Node | null = call.parent; cur && cur.id !== s.parent?.node.id; cur = cur.parent) {
      if (cur.type !== 'communication_case') continue;
      const channel = receivedChannel(cur);
      if (channel && signalsItself(s, channel)) return true;
    }
    return false;
  };

  const positionFor = (s: Spawn, x: Access): number => {
    const deferred = x.unit !== x.thread ? deferredLiteralAround(x.unit, x.thread) : undefined;
    if (!deferred || (s.site && within(s.site, deferred))) {
      // A local func's access happens where it is called: after s's join when every call is.
      const calls = x.unit !== x.thread && s.site && !within(s.site, x.unit.node) ? localCallSites(x.unit) : undefined;
      if (calls?.every((c) => calledAfterJoin(s, c))) return AFTER_JOIN;
      return positionOf(x);
    }
    return joinAfter(s, deferred.startIndex, x.node.startIndex) || deferredWaitRunsFirst(s, deferred) ? AFTER_JOIN : AT_EXIT;
  };

  const positionOf = (x: Access): number => {
    if (x.kind !== 'write') return x.node.startIndex;
    let at = writtenAt.get(x);
    if (at === undefined) {
      const list = x.node.parent;
      const stmt = list?.type === 'expression_list' ? list.parent : undefined;
      const right = stmt && (stmt.type === 'assignment_statement' || stmt.type === 'short_var_declaration') && stmt.childForFieldName('left')?.startIndex === list!.startIndex ? stmt.childForFieldName('right') : undefined;
      writtenAt.set(x, (at = right ? right.endIndex : x.node.startIndex));
    }
    return at;
  };

  // A test's handler registered by a goroutine that only sets up and runs the server (Spawn.sequential)
  // still answers the test's own requests: each run is ordered with the test's code around them.
  const answersTest = (chain: FuncUnit[], upTo: number): boolean => {
    for (let i = 0; i < upTo; i++) if (chain[i].spawn?.kind === 'handler' && chain[i].spawn!.sequential === true) return true;
    return false;
  };

  // The conditions each access runs under, up to the function both goroutines start from. A descender
  // of its own: these queries come in pair order, not source order, and would undo the shared one's.
  const guardsAt = new Map<string, Guards>();
  const guardDescender = new Descender(b.tree);
  const guardsAtNode = (node: Node, top: Node): Guards => {
    const key = `${node.id}:${top.id}`;
    let g = guardsAt.get(key);
    if (!g) guardsAt.set(key, (g = guardsOf(node, guardDescender.ancestors(node) ?? [], top)));
    return g;
  };
  /** The calls of a `separatePasses` function (goconvey's `Convey`) whose callbacks hold node, below top. */
  const passCalls = new Map<string, Node[]>();
  const passCallsAround = (node: Node, top: Node): Node[] => {
    const key = `${node.startIndex}:${node.endIndex}:${top.startIndex}`;
    const known = passCalls.get(key);
    if (known) return known;
    const calls: Node[] = [];
    passCalls.set(key, calls);
    for (let n = node.parent; n && n.startIndex >= top.startIndex && n.id !== top.id; n = n.parent) {
      const call = n.type === 'func_literal' && n.parent?.type === 'argument_list' ? n.parent.parent : null;
      if (call?.type === 'call_expression' && b.separatePassesCall(call)) calls.push(call);
    }
    return calls;
  };
  /** Whether x and y sit in the callbacks of two sibling `Convey` calls: each pass runs one of them. */
  const inSeparatePasses = (x: Node, y: Node, top: Node): boolean => {
    // Most files call no such function: asking costs a walk up from each node, for every pair.
    if (!b.mayCallSeparatePasses) return false;
    const cx = passCallsAround(x, top);
    if (cx.length === 0) return false;
    const cy = passCallsAround(y, top);
    const holder = (call: Node) => {
      let n = call.parent;
      while (n && n.type !== 'func_literal' && n.type !== 'function_declaration' && n.type !== 'method_declaration') n = n.parent;
      return n?.id;
    };
    return cx.some((c) => !cy.some((d) => d.id === c.id) && cy.some((d) => !cx.some((e) => e.id === d.id) && holder(c) === holder(d)));
  };
  /** Two sibling goroutines' accesses under conditions that cannot both hold in one call (`if pool {…}`, `if !pool {…}`). */
  const exclusiveGuards = (x: Access, y: Access, top: Node): boolean => {
    const gx = guardsAtNode(x.node, top);
    if (gx.atoms.length === 0) return false;
    const gy = guardsAtNode(y.node, top);
    return gy.atoms.length > 0 && contradiction(gx, gy, top) !== undefined;
  };
  const fileHasGoto = /\bgoto\b/.test(b.source);
  const skippedByGotoAt = new Map<number, { from: number; to: number } | null>();
  /**
   * A goroutine started under a condition and its parent's access under the opposite one
   * (`if follow { go func() { err = f() }() } else { err = f(); if err != nil {…} }`): one call runs one.
   */
  const exclusiveWithParent = (site: Node | undefined, access: Access, parent: FuncUnit): boolean => {
    if (!site) return false;
    if (inSeparatePasses(site, access.node, parent.node)) return true;
    if (cleanupSkippedAfterStart(site, access.node, parent.node)) return true;
    if (setForGoodBeforeStart(site, access.node, parent.node)) return true;
    if (fileHasGoto) {
      let skipped = skippedByGotoAt.get(site.id);
      if (skipped === undefined) skippedByGotoAt.set(site.id, (skipped = skippedByGoto(site, parent.node) ?? null));
      const at = access.node.startIndex;
      if (skipped && at >= skipped.from && at < skipped.to) return true;
    }
    if (failurePathExclusive(site, access.node, parent.node, (value) => value.type === 'call_expression' && b.calleeModel(value)?.model.nonNilResult === true, ancestorsOf)) return true;
    const gs = guardsAtNode(site, parent.node);
    if (gs.atoms.length === 0) return false;
    const ga = guardsAtNode(access.node, parent.node);
    return ga.atoms.length > 0 && contradiction(gs, ga, parent.node) !== undefined;
  };

  const receivesBeforeSuccess = (name: string, index: number) => b.receivesBeforeSuccess(name, index);
  const mayRunInParallel = (a: Access, b2: Access): boolean => {
    const ta = a.thread;
    const tb = b2.thread;
    // A subtest runs alone until its t.Parallel(): t.Run waits for it, and the subtests paused there
    // resume only once the test function has returned.
    if ((beforeParallel(a) && (tb.spawn?.kind === 'parallel-test' || chainOf(ta).includes(tb))) || (beforeParallel(b2) && (ta.spawn?.kind === 'parallel-test' || chainOf(tb).includes(ta)))) return false;
    if (ta === tb) return isMultiInstance(ta) && (!perInstance(a.decl.node, ta) || sharedReceiver(a.decl, ta)) && !(uiCallbackAt(a.node, ta) && uiCallbackAt(b2.node, tb));
    const chainA = chainOf(ta);
    const chainB = chainOf(tb);
    if (chainA[chainA.length - 1] !== chainB[chainB.length - 1]) {
      // Different top-level functions: only handlers (and what they spawn) run side by side.
      const handler = (t: FuncUnit) => rootOf(t).spawn?.kind === 'handler' && !rootOf(t).spawn?.sequential;
      return handler(ta) && handler(tb) && a.decl.packageLevel;
    }
    const ia = chainA.indexOf(tb);
    if (ia > 0)
      return (
        !answersTest(chainA, ia) &&
        inWindow(chainA[ia - 1].spawn!, positionFor(chainA[ia - 1].spawn!, b2), a.decl.node.startIndex) &&
        !(ia === 1 && (ordersWithParent(a.node, a.unit, ta, b2.node) || exclusiveWithParent(ta.spawn?.site, b2, tb)))
      );
    const ib = chainB.indexOf(ta);
    if (ib > 0)
      return (
        !answersTest(chainB, ib) &&
        inWindow(chainB[ib - 1].spawn!, positionFor(chainB[ib - 1].spawn!, a), a.decl.node.startIndex) &&
        !(ib === 1 && (ordersWithParent(b2.node, b2.unit, tb, a.node) || exclusiveWithParent(tb.spawn?.site, a, ta)))
      );
    // Siblings: compare the two spawns made by their closest common thread.
    for (let i = 1; i < chainA.length; i++) {
      const j = chainB.indexOf(chainA[i]);
      if (j <= 0) continue;
      if (!overlap(chainA[i - 1].spawn!, chainB[j - 1].spawn!, a.decl.node.startIndex)) return false;
      // One of two sibling goroutines waits for the other (its WaitGroup, or the close of a channel) before its access.
      if (i === 1 && j === 1 && (waitsForSibling(b2, tb, ta, a) || waitsForSibling(a, ta, tb, b2))) return false;
      // One receives, before its access, from a channel only the other sends on or closes after its own.
      if (i === 1 && j === 1 && (releasingSends.ordersAfterSibling(b2.node, tb, a.node, ta) || releasingSends.ordersAfterSibling(a.node, ta, b2.node, tb))) return false;
      // One retires a channel variable after receiving from it, the other only handed the channel on before.
      if (i === 1 && j === 1) {
        const others = b.byDecl.get(a.decl) ?? [];
        if (retiredAfterReceive(a, ta, tb, b2, others, receivesBeforeSuccess) || retiredAfterReceive(b2, tb, ta, a, others, receivesBeforeSuccess)) return false;
      }
      // Both run on a UI toolkit's event loop, one callback at a time.
      if (uiCallbackAt(a.node, ta) && uiCallbackAt(b2.node, tb)) return false;
      const [siteA, siteB] = [chainA[i - 1].spawn!.site, chainB[j - 1].spawn!.site];
      if (siteA && siteB && inSeparatePasses(siteA, siteB, chainA[i].node)) return false;
      return !exclusiveGuards(a, b2, chainA[i].node);
    }
    return false;
  };

  /** Whether an access of a parallel subtest's own code comes before the subtest's `t.Parallel()`. */
  const beforeParallel = (a: Access): boolean => {
    const t = a.thread;
    if (t.spawn?.kind !== 'parallel-test' || !runsInPlaceWithin(a.unit, t)) return false;
    const testParam = firstParamName(t.node);
    return statementsOf(t.body).some((st) => {
      const call = st.type === 'expression_statement' ? methodCall(st.namedChild(0)!) : undefined;
      return call?.method === 'Parallel' && call.receiver.text === testParam && st.startIndex > a.node.startIndex;
    });
  };

  /** Whether a statement `<-name` follows `stmt` in `list`, at any depth. */
  const releasedAfter = (list: Node, stmt: Node, name: string): boolean =>
    new RegExp(`^\\s*<-\\s*${escapeRegExp(name)}\\s*(?://.*)?$`, 'm').test(list.text.slice(stmt.endIndex - list.startIndex));

  /** `if l.Acquire() { … }` where the package's Acquire takes a slot only when it returns true (lock-helpers.ts). */
  const triedHelperLock = (condition: Node | null | undefined): string | undefined => {
    const mc = condition?.type === 'call_expression' ? methodCall(condition) : undefined;
    const helper = mc ? b.lockHelper(mc.method, mc.receiver) : undefined;
    return helper?.tried && helper.path ? `${mc!.receiver.text}.${helper.path}` : undefined;
  };

  /** A local channel made with one slot (`make(chan bool, 1)`): sends and receives on it bracket a lock. */
  const oneSlotChannel = (ident: Node): boolean => {
    const init = b.refs.get(ident.startIndex)?.init;
    if (init?.type !== 'call_expression' || init.childForFieldName('function')?.text !== 'make') return false;
    const args = callArguments(init);
    return args.length === 2 && args[0].type === 'channel_type' && args[1].text === '1';
  };

  /**
   * A one-slot channel filled with its one token as the next statement (`tokens := make(chan bool, 1);
   * tokens <- true`): a receive takes the token, a send gives it back.
   */
  const tokenChannel = (ident: Node): boolean => {
    if (!oneSlotChannel(ident)) return false;
    let stmt: Node | null = b.refs.get(ident.startIndex)?.node ?? null;
    while (stmt && stmt.type !== 'short_var_declaration' && stmt.type !== 'var_declaration') stmt = stmt.parent;
    const next = stmt ? nextStatement(stmt) : null;
    if (next?.type !== 'send_statement' || next.childForFieldName('channel')?.text !== ident.text) return false;
    // A lock only if the token is also given back, and never closed (a closed channel signals instead).
    const text = functionAround(stmt!)?.text ?? '';
    const name = escapeRegExp(ident.text);
    return !new RegExp(`\\bclose\\(\\s*${name}\\s*\\)`).test(text) && (text.match(new RegExp(`(?<![\\w.])${name}\\s*<-`, 'g'))?.length ?? 0) >= 2;
  };

  /** The locks a goroutine's literal gives back in its top-level statements without taking them first: the spawner hands them over. */
  const handedOver = (literal: Node): { name: string; start: number }[] => {
    const list = literal.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list');
    if (!list) return [];
    const out: { name: string; start: number }[] = [];
    const taken = new Set<string>();
    for (const e of lockEvents(list)) {
      if (e.locked) taken.add(e.name);
      else if (!taken.has(e.name) && !out.some((o) => o.name === e.name)) out.push({ name: e.name, start: e.start });
    }
    return out;
  };

  /**
   * `stripe(TypeUser,"counter")` for `Lock(TypeUser, "counter")`: the same lock only for the same
   * fixed arguments, literals or the package's constants. A variable's value may differ between calls.
   */
  let fixedNames: Set<string> | undefined;
  const keyedLockName = (lock: string, call: Node): string | undefined => {
    const args = callArguments(call).map((a) => a.text);
    fixedNames ??= constantNames(b.packageSources.length > 0 ? b.packageSources : [b.source]);
    const fixed = (a: string) => /^(?:"[^"\\]*"|`[^`]*`|-?\d+)$/.test(a) || fixedNames!.has(a);
    return args.length > 0 && args.every(fixed) ? `${lock}(${args.join(',')})` : undefined;
  };

  // Lock and Unlock calls made directly in a statement list, in order; read once per list.
  const lockEventsByList = new Map<number, { start: number; name: string; locked: boolean }[]>();
  const lockEvents = (list: Node) => {
    let events = lockEventsByList.get(list.id);
    if (events) return events;
    events = [];
    // `case <-tokens:` takes the token for the case's body.
    const taken = list.parent?.type === 'communication_case' ? caseReceive(list.parent)?.childForFieldName('operand') : undefined;
    if (taken?.type === 'identifier' && tokenChannel(taken)) events.push({ start: list.parent!.startIndex, name: taken.text, locked: true });
    for (const stmt of list.namedChildren) {
      // A goroutine that gives back a lock it did not take holds it from its start: the spawner hands
      // it over there, and no longer holds it past the go statement.
      const literal = goStatementLiteral(stmt);
      if (literal) for (const { name } of handedOver(literal)) events.push({ start: stmt.startIndex + 1, name, locked: false });
      const call = stmt.type === 'expression_statement' ? stmt.namedChild(0) : undefined;
      const deferred = stmt.type === 'defer_statement' ? stmt.namedChild(0) : undefined;
      // `defer l.Lock().Unlock()`: the Lock runs now (a deferred call's receiver is evaluated at once).
      const chained = deferred?.type === 'call_expression' ? methodCall(deferred) : undefined;
      const locker = chained && /^R?Unlock$/.test(chained.method) && chained.receiver.type === 'call_expression' ? methodCall(chained.receiver) : undefined;
      const handle = lockHandle(stmt);
      if (handle) events.push({ start: stmt.startIndex, name: handle, locked: true });
      // `defer with(lock(mtx))`: the argument's lock is taken now, by a package function that locks what it is handed.
      const inner = deferred?.type === 'call_expression' && deferred.childForFieldName('function')?.type === 'identifier' ? callArguments(deferred)[0] : undefined;
      const innerFn = inner?.type === 'call_expression' ? inner.childForFieldName('function') : undefined;
      const taker = innerFn?.type === 'identifier' ? b.packageLockHelper(innerFn.text) : undefined;
      const taken = taker?.param !== undefined && taker.locks ? handedLock(callArguments(inner!)[taker.param]) : undefined;
      if (taken) events.push({ start: stmt.startIndex, name: taken, locked: true });
      // `if !mu.TryLock() { return }`, or the spin `for !mu.TryLock() {}`: past it, the lock is held.
      if (stmt.type === 'if_statement' && !stmt.childForFieldName('alternative')) {
        const tried = triedLock(stmt.childForFieldName('condition'), true);
        const last = stmt.childForFieldName('consequence')?.namedChildren.find((c) => c.type === 'statement_list')?.lastNamedChild;
        if (tried && last?.type === 'return_statement') events.push({ start: stmt.startIndex, name: tried, locked: true });
      } else if (stmt.type === 'for_statement') {
        const tried = triedLock(stmt.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment'), true);
        if (tried && !/\b(?:break|return|goto)\b/.test(stmt.childForFieldName('body')?.text ?? '')) events.push({ start: stmt.startIndex, name: tried, locked: true });
      }
      // `unlock()`: the func a handle-returning Lock gave back; `lockDB()`, `unlockDB()`: a package
      // function that takes or releases a package lock.
      if (call?.type === 'call_expression' && call.childForFieldName('function')?.type === 'identifier') {
        const name = call.childForFieldName('function')!.text;
        const helper = b.packageLockHelper(name);
        const lock = helper?.keyed ? keyedLockName(helper.lock, call) : helper?.param !== undefined ? handedLock(callArguments(call)[helper.param]) : helper?.lock;
        events.push(helper && lock && !helper.onSuccess ? { start: stmt.startIndex, name: lock, locked: helper.locks } : { start: stmt.startIndex, name, locked: false });
      }
      // `if err != nil { return err }` after `err := acquire()` or `err := lm.AcquireLock(key, d)`:
      // past it, the lock is held.
      if (stmt.type === 'if_statement' && !stmt.childForFieldName('alternative') && stmt.childForFieldName('consequence')?.namedChildren.find((c) => c.type === 'statement_list')?.lastNamedChild?.type === 'return_statement') {
        const acquired = b.successLockAt(stmt, false) ?? checkedKeyedLock(stmt);
        if (acquired) events.push({ start: stmt.startIndex, name: acquired, locked: true });
      }
      // `sem <- true` … `<-sem` on a channel of one slot: a lock (the send waits while another holds it).
      const sent = stmt.type === 'send_statement' ? stmt.childForFieldName('channel') : undefined;
      const received = call?.type === 'unary_expression' && operatorOf(call) === '<-' ? call.childForFieldName('operand') : undefined;
      const slot = sent ?? received;
      // A send counts only when the same code gives the slot back later (`<-sem` as a statement): a
      // result sent on a channel of one slot is no lock.
      if (slot?.type === 'identifier' && tokenChannel(slot)) {
        events.push({ start: stmt.startIndex, name: slot.text, locked: slot === received });
        continue;
      }
      if (slot?.type === 'identifier' && oneSlotChannel(slot) && (received || releasedAfter(list, stmt, slot.text))) {
        events.push({ start: stmt.startIndex, name: slot.text, locked: slot === sent });
        continue;
      }
      // `id := l.Begin()`: a lock helper's result taken, the lock with it.
      const assigned = !call && (stmt.type === 'short_var_declaration' || stmt.type === 'assignment_statement') ? stmt.childForFieldName('right')?.namedChildren : undefined;
      const helperCall = call ?? (assigned?.length === 1 && assigned[0].type === 'call_expression' ? assigned[0] : undefined);
      if (!call && helperCall) {
        const hc = methodCall(helperCall);
        const found = hc && b.lockHelper(hc.method, hc.receiver);
        if (hc && found && !found.tried) events.push({ start: stmt.startIndex, name: helperLockName(hc.receiver, found, helperCall), locked: found.locks });
      }
      const mc = call ? methodCall(call) : locker;
      if (!mc) continue;
      let helper: LockHelper | undefined;
      // `lm.ReleaseLock(key)`: gives back what a checked `lm.AcquireLock(key, d)` took.
      const keyed = call ? keyedLockCall(call) : undefined;
      if (keyed && !keyed.locks) events.push({ start: stmt.startIndex, name: keyed.name, locked: false });
      // `c.Unlock(key)` where the package's Unlock releases a lock it finds by the key: that lock, not `c`.
      const keyedRelease = call && callArguments(call).length > 0 && UNLOCK_CALL.test(mc.method) ? b.lockHelper(mc.method, mc.receiver) : undefined;
      if (keyedRelease && keyedRelease.path === undefined && !keyedRelease.locks) events.push({ start: stmt.startIndex, name: helperLockName(mc.receiver, keyedRelease, call!), locked: false });
      else if (LOCK_CALL.test(mc.method)) events.push({ start: stmt.startIndex, name: mc.receiver.text, locked: true });
      else if (UNLOCK_CALL.test(mc.method)) events.push({ start: stmt.startIndex, name: mc.receiver.text, locked: false });
      else if (call && (helper = b.lockHelper(mc.method, mc.receiver)) && !helper.tried) {
        // `c.lock()` where the package's lock() takes `c.mu` for its caller (lock-helpers.ts).
        events.push({ start: stmt.startIndex, name: helperLockName(mc.receiver, helper, call), locked: helper.locks });
      } else if (b.models.sectionMethods.has(mc.method)) {
        // `p.StartRequest(id)` … `p.EndRequest(id)` on a type whose models say they bracket a section.
        const section = b.typeModel(b.typeOfExpr(mc.receiver))?.sections?.find((s) => s.enter === mc.method || s.leave === mc.method);
        if (section) events.push({ start: stmt.startIndex, name: `${mc.receiver.text}.${section.enter}`, locked: section.enter === mc.method });
      }
    }
    lockEventsByList.set(list.id, events);
    return events;
  };

  const descender = descenderFor(b.tree);
  const ancestorsOf = (node: Node): Ancestor[] | undefined => descender.ancestors(node);
  const handshakes = new Handshakes({ ancestorsOf, declOf: (ident) => b.refs.get(ident.startIndex) });
  const gates = new Gates({
    declOf: (ident) => b.refs.get(ident.startIndex),
    callbackMode: (call, index) => callbackModeOf(b.calleeModel(call)?.model, index),
    pipeEndsRead: (call) => b.pipeEndsRead(call),
  });
  const releasingSends = new ReleasingSends({
    declOf: (ident) => b.refs.get(ident.startIndex),
    returnedField: (call) => b.returnedField(call),
    fieldSignallers: (type, field) => b.fieldSignallers(type, field),
    quietConstructor: (call, methods) => b.quietConstructor(call, methods),
  });
  const unbufferedReceives = new UnbufferedReceives({ declOf: (ident) => b.refs.get(ident.startIndex) });
  const turnTaking = new TurnTaking({ declOf: (ident) => b.refs.get(ident.startIndex) });
  const neverReturns = (fnText: string): boolean => NO_RETURN_CALL.test(fnText) || b.noReturnCall(fnText);
  const flags = new Flags({ waitsUntilTrue: (call) => b.calleeModel(call)?.model.waitsUntilTrue ?? b.localWaitsUntilTrue(call), neverReturns });
  const testServers = b.inTestCode() ? new TestServers({ declOf: (ident) => b.refs.get(ident.startIndex), peerWaits: (type) => b.typeModel(type)?.peerWaits }) : undefined;
  /**
   * Orders a goroutine's own access (made by `unit`, g itself or a block g calls in place) with its
   * parent's beyond the spawn window: handshakes, gates, published flags and test servers.
   */
  /**
   * `fyne.Do(func() { data = d })` within goroutine g: a callback a UI toolkit runs on its event loop
   * (the models' `ui` mode), one at a time with its widgets' callbacks and the code that built the UI.
   */
  const uiCallbacks = new Map<string, boolean>();
  const uiCallbackAt = (access: Node, g: FuncUnit): boolean => {
    const key = `${access.id}:${g.node.id}`;
    let found = uiCallbacks.get(key);
    if (found !== undefined) return found;
    found = false;
    // The cached ancestors, innermost first: asking a node deep in an else-if chain for its parent costs the depth.
    const chain = ancestorsOf(access) ?? [];
    for (let i = chain.length - 1; i >= 0 && !found; i--) {
      const a = chain[i];
      if (a.start < g.node.startIndex || (a.start === g.node.startIndex && a.end === g.node.endIndex)) break;
      if (a.type !== 'call_expression' || !a.node) continue;
      const index = callArguments(a.node).findIndex((arg) => arg.type === 'func_literal' && arg.startIndex <= access.startIndex && access.endIndex <= arg.endIndex);
      found = index >= 0 && callbackModeOf(b.calleeModel(a.node)?.model, index) === 'ui';
    }
    uiCallbacks.set(key, found);
    return found;
  };
  /** The starter of g is a top-level function: code on the UI's loop, or run before it starts. */
  const startedByTopLevel = (g: FuncUnit): boolean => chainOf(g).length === 2;

  const ordersWithParent = (access: Node, unit: FuncUnit, g: FuncUnit, other: Node): boolean =>
    (startedByTopLevel(g) && uiCallbackAt(access, g)) ||
    // Also in a callback g runs itself (`t.Run(name, func…)` after its `<-start`): it runs where g's statement stands.
    (unit.thread === g &&
      (handshakes.orders(access, g, other) ||
        gates.orders(access, g, other) ||
        releasingSends.orders(access, g, other) ||
        unbufferedReceives.orders(access, g, other) ||
        turnTaking.orders(access, g, other) ||
        flags.orders(access, g, other) ||
        readAfterReturnedClose(access, g, other))) ||
    (runsInPlaceWithin(unit, g) && (testServers?.orders(access, g) ?? false));

  const heldAt = new Map<number, string[]>();
  const locksHeld = (node: Node): string[] => {
    let held = heldAt.get(node.id);
    if (!held) heldAt.set(node.id, (held = computeLocksHeld(node)));
    return held;
  };

  // A local func literal's locks from its call sites. Its calls of itself hold what the outer call
  // holds; a literal met again while its calls are looked at (mutual recursion) adds none.
  const inheritedAt = new Map<number, string[]>();
  const inheritedLocks = (literal: Node): string[] => {
    let known = inheritedAt.get(literal.id);
    if (known) return known;
    inheritedAt.set(literal.id, []);
    const calls = directCallsOf(literal).filter((c) => c.startIndex < literal.startIndex || c.startIndex >= literal.endIndex);
    known = [];
    if (calls.length > 0) {
      const sets = calls.map((call) => locksHeld(call));
      known = sets[0].filter((l) => l !== '?' && sets.every((s) => s.includes(l)));
    } else known = onceHandOffLock(literal);
    inheritedAt.set(literal.id, known);
    return known;
  };

  /**
   * `onceBody := func() { err = e }`, used only as `once.Do(onceBody)`: it runs under the Once's
   * lock (the models' `callbackLocks`), as a literal written in the call would.
   */
  const onceHandOffLock = (literal: Node): string[] => {
    const bound = boundName(literal);
    if (!bound) return [];
    const receivers = new Set<string>();
    for (const ident of bound.fn.descendantsOfType('identifier')) {
      if (ident.text !== bound.decl.name || !bound.sameVariable(ident)) continue;
      const call = ident.parent?.type === 'argument_list' ? ident.parent.parent : undefined;
      const mc = call ? methodCall(call) : undefined;
      if (!mc || b.calleeModel(call!)?.model.callbackLocks !== 'receiver') return [];
      receivers.add(mc.receiver.text);
    }
    return receivers.size === 1 ? [...receivers] : [];
  };

  /** The local variable a func literal is bound to (`f := func…`, `f = func…`), with the function declaring it. */
  const boundName = (literal: Node): { fn: Node; decl: Decl; sameVariable: (ident: Node) => boolean } | undefined => {
    // Only a literal bound by `=` or `:=` (or listed after another) has a name. Read the text before
    // asking for parents, which cost the node's depth (a goroutine in a long else-if chain).
    if (!/[=,]\s*$/.test(b.source.slice(Math.max(0, literal.startIndex - 16), literal.startIndex))) return undefined;
    const list = literal.parent;
    const binding = list?.parent;
    if (list?.type !== 'expression_list' || !binding || (binding.type !== 'short_var_declaration' && binding.type !== 'assignment_statement')) return undefined;
    if (binding.childForFieldName('right')?.startIndex !== list.startIndex) return undefined;
    const index = list.namedChildren.findIndex((c) => c.startIndex === literal.startIndex);
    const name = binding.childForFieldName('left')?.namedChild(index);
    if (name?.type !== 'identifier') return undefined;
    const decl = b.refs.get(name.startIndex) ?? b.declarationAt(name);
    if (!decl || decl.packageLevel) return undefined;
    let fn: Node | null = binding.parent;
    while (fn && fn.type !== 'func_literal' && fn.type !== 'function_declaration' && fn.type !== 'method_declaration') fn = fn.parent;
    if (!fn) return undefined;
    const sameVariable = (ident: Node) =>
      ident.startIndex !== name.startIndex && ident.startIndex !== decl.node.startIndex && (b.refs.get(ident.startIndex) ?? b.declarationAt(ident)) === decl;
    return { fn, decl, sameVariable };
  };

  /**
   * The calls of a func literal bound to a local variable (`f := func…`, `f = func…`) when the
   * variable is used for nothing else: no other value, no `go f()` or `defer f()`, not passed on.
   */
  const directCallsOf = (literal: Node): Node[] => {
    const bound = boundName(literal);
    if (!bound) return [];
    const calls = callsOfName(bound.fn, bound.decl.name, bound.sameVariable);
    return calls && !calls.some((c) => c.parent?.type === 'go_statement' || c.parent?.type === 'defer_statement') ? calls : [];
  };

  /**
   * `if ps.Name == target { found = id }` in a goroutine a loop starts once a turn: one of them at most
   * gets past (see oneTurnPasses), or takes `case c:` of a switch on the range key (oneTurnTakes). A
   * loop inside the goroutine lets one turn of each goroutine through.
   */
  // Package-level constants are left undeclared (collectPackageLevel): their names, read once from the package's text.
  let constants: Set<string> | undefined;
  const packageConstants = (): Set<string> => (constants ??= constantNames(b.packageSources));
  const selectedTurn = (stmt: Node, ancestors: Ancestor[], at: number, clause?: Node, elseBranch = false): string | undefined => {
    let loop: Node | undefined;
    let inLiteral = false;
    // A loop of the goroutine's own repeats the test in one goroutine: only the turn's key (which
    // that loop leaves alone) still tells the goroutines apart, not what the inner loop walks over.
    let innerLoop = false;
    for (let j = at - 1; j >= 0 && !loop; j--) {
      const t = ancestors[j].type;
      if (t === 'func_literal') inLiteral = true;
      else if (t === 'for_statement') {
        if (!inLiteral) innerLoop = true;
        else loop = ancestors[j].node;
      } else if (t === 'function_declaration' || t === 'method_declaration') break;
    }
    const declOf = (ident: Node) => b.refs.get(ident.startIndex) ?? b.declarationAt(ident);
    if (!loop) return undefined;
    // Under an outer loop, each of its turns starts another goroutine with the same key.
    for (let j = ancestors.findIndex((a) => a.node?.id === loop!.id) - 1; j >= 0; j--) {
      const t = ancestors[j].type;
      if (t === 'for_statement') return undefined;
      if (t === 'func_literal' || t === 'function_declaration' || t === 'method_declaration') break;
    }
    if (elseBranch) return oneIndexTakes(stmt, loop, declOf, true);
    return clause ? oneTurnTakes(stmt, clause, loop, declOf, packageConstants()) : (oneTurnPasses(stmt, loop, declOf, packageConstants(), innerLoop) ?? oneIndexTakes(stmt, loop, declOf, false));
  };

  // Where the func literals that run as goroutines of their own (`go`, `.Go`) start; read once.
  let goroutineStarts: Set<number> | undefined;
  const goroutineLiterals = (): Set<number> =>
    (goroutineStarts ??= new Set(b.units.filter((u) => u.node.type === 'func_literal' && (u.spawn?.kind === 'go' || u.spawn?.kind === 'group')).map((u) => u.node.startIndex)));

  // `close(ch)` statements made directly in a statement list, in order; read once per list.
  const closesByList = new Map<number, { start: number; channel: Node }[]>();
  const loserExitsByList = new Map<number, { start: number; flag: string }[]>();
  const loserExitsOf = (list: Node): { start: number; flag: string }[] => {
    let exits = loserExitsByList.get(list.id);
    if (!exits) {
      exits = [];
      for (const stmt of list.namedChildren) {
        const flag = stmt.type === 'if_statement' ? atomicLoserExit(stmt) : undefined;
        if (flag) exits.push({ start: stmt.startIndex, flag });
      }
      loserExitsByList.set(list.id, exits);
    }
    return exits;
  };
  const closesBefore = (list: Node, before: number, ancestors: Ancestor[], at: number): string | undefined => {
    let closes = closesByList.get(list.id);
    if (!closes) {
      closes = [];
      for (const stmt of list.namedChildren) {
        const call = stmt.type === 'expression_statement' ? stmt.namedChild(0) : undefined;
        if (call?.type !== 'call_expression' || call.childForFieldName('function')?.text !== 'close') continue;
        const args = callArguments(call);
        if (args.length === 1 && (args[0].type === 'identifier' || args[0].type === 'selector_expression')) closes.push({ start: stmt.startIndex, channel: args[0] });
      }
      closesByList.set(list.id, closes);
    }
    const close = closes.find((c) => c.start < before);
    if (!close) return undefined;
    // Only within a goroutine's literal (`go func…`, `g.Go(func…)`), as the model's spawns say: the other
    // instances of the same code are what it excludes. Code after a close elsewhere still races with
    // goroutines that never close.
    let literal: Ancestor | undefined;
    for (let j = at - 1; j >= 0 && !literal; j--) if (ancestors[j].type === 'func_literal' && goroutineLiterals().has(ancestors[j].start)) literal = ancestors[j];
    if (!literal) return undefined;
    // A goroutine started once has no other instance to exclude: its code after the close still races
    // with other goroutines.
    const unit = b.units.find((u) => u.node.startIndex === literal!.start && u.node.type === 'func_literal');
    if (!unit || !isMultiInstance(unit)) return undefined;
    // A channel of the literal's own (made in each goroutine) is closed once by each.
    let root = close.channel;
    while (root.type === 'selector_expression') root = root.childForFieldName('operand')!;
    const decl = root.type === 'identifier' ? (b.refs.get(root.startIndex) ?? b.declarationAt(root)) : undefined;
    if (!decl || (decl.node.startIndex >= literal.start && decl.node.startIndex < literal.end)) return undefined;
    return `close(${close.channel.text})`;
  };

  const computeLocksHeld = (node: Node): string[] => {
    const ancestors = ancestorsOf(node);
    if (!ancestors) return ['?'];
    const held = new Set<string>();
    let depth = 0;
    let cur: Ancestor = { type: node.type, start: node.startIndex, end: node.endIndex, node };
    for (let i = ancestors.length - 1; ; i--) {
      // Past any real code's depth, say "unknown lock": silence, not alarm.
      if (++depth > MAX_LOCK_SEARCH_DEPTH) return ['?'];
      const p = ancestors[i];
      if (!p) break;
      if (p.type === 'argument_list' && cur.type === 'func_literal') {
        const call = ancestors[i - 1]?.node;
        // once.Do(func() {...}) runs the closure under the Once's own lock.
        const mc = call && methodCall(call);
        const match = call ? b.calleeModel(call) : undefined;
        if (mc && match?.model.callbackLocks === 'receiver') held.add(mc.receiver.text);
        const index = call ? callArguments(call).findIndex((a) => a.startIndex === cur.start) : -1;
        // `r.Inc(func…)` where the package's Inc runs its callback under `r.m`.
        const calleeLock = call && index >= 0 && ancestors[i - 2]?.type !== 'go_statement' ? b.callbackLock(call, index) : undefined;
        if (calleeLock) held.add(calleeLock);
        // A callback run before the call returns (sync.Map.Range, sort.Slice, filepath.Walk) holds
        // the caller's locks; one started on a goroutine or stored for later holds none.
        if (call && ancestors[i - 2]?.type !== 'go_statement' && callbackModeOf(match?.model, index) === 'sync') {
          cur = p;
          continue;
        }
      }
      // A literal called on the spot (`func(){…}()`, `defer func(){…}()`) runs under the locks held
      // where it stands; a deferred one runs before the unlocks deferred ahead of it.
      if (cur.type === 'func_literal' && p.type === 'call_expression' && p.node!.childForFieldName('function')?.startIndex === cur.start && ancestors[i - 1]?.type !== 'go_statement') {
        cur = p;
        continue;
      }
      if (cur.type === 'func_literal') {
        // `process := func() {…}` called only as `process()`: it runs under the locks every call holds.
        for (const l of inheritedLocks(cur.node!)) held.add(l);
        // `go func() { x = v; tokens <- true }()` where the spawner holds the token: held up to the give-back.
        const stmt = p.type === 'call_expression' ? ancestors[i - 1] : undefined;
        const handed = stmt?.type === 'go_statement' && stmt.node ? handedOver(cur.node!).filter((h) => h.start > node.startIndex) : [];
        // The spawner's locks only when something is given back (asking costs the go statement's depth).
        if (handed.length > 0) {
          const spawnerHolds = locksHeld(stmt!.node!);
          for (const h of handed) if (spawnerHolds.includes(h.name)) held.add(h.name);
        }
        break;
      }
      if (cur.type === 'function_declaration' || cur.type === 'method_declaration') break;
      // `if atomic.CompareAndSwapInt32(&state, 0, 1) { … }`: one goroutine wins, as in once.Do.
      if (p.type === 'if_statement' && cur.type === 'block' && p.node?.childForFieldName('consequence')?.startIndex === cur.start) {
        const flag = atomicWinner(p.node.childForFieldName('condition')) ?? selectedTurn(p.node, ancestors, i);
        if (flag) held.add(flag);
        // `if mu.TryLock() { …; mu.Unlock() }`: held in the branch, up to an unlock before the access.
        const tried = triedLock(p.node.childForFieldName('condition')) ?? triedHelperLock(p.node.childForFieldName('condition'));
        const list = tried ? p.node.childForFieldName('consequence')?.namedChildren.find((c) => c.type === 'statement_list') : undefined;
        const last = list ? lockEvents(list).filter((e) => e.name === tried && e.start < node.startIndex).pop() : undefined;
        if (tried && (!last || last.locked)) held.add(tried);
        // `if err == nil { … }` after `err := acquire()`, up to a release in the branch.
        const acquired = b.successLockAt(p.node, true);
        const branch = acquired ? p.node.childForFieldName('consequence')?.namedChildren.find((c) => c.type === 'statement_list') : undefined;
        const released = branch ? lockEvents(branch).filter((e) => e.name === acquired && e.start < node.startIndex).pop() : undefined;
        if (acquired && (!released || released.locked)) held.add(acquired);
      }
      // `else { b = v }` of `if i%2 == 0` in goroutines a range over `[]T{x, y}` starts: one takes it.
      if (p.type === 'if_statement' && cur.type === 'block' && p.node?.childForFieldName('alternative')?.startIndex === cur.start) {
        const flag = selectedTurn(p.node, ancestors, i, undefined, true);
        if (flag) held.add(flag);
      }
      if (p.type === 'expression_switch_statement' && cur.type === 'expression_case' && p.node) {
        const clause = p.node.namedChildren.find((c) => c.startIndex === cur.start);
        const flag = clause && selectedTurn(p.node, ancestors, i, clause);
        if (flag) held.add(flag);
      }
      if (p.type === 'statement_list') {
        // `close(done)` earlier in the list: a second close panics, so one caller at most gets past it.
        const closed = closesBefore(p.node!, cur.start, ancestors, i);
        if (closed) held.add(closed);
        for (const exit of loserExitsOf(p.node!)) if (exit.start < cur.start) held.add(exit.flag);
        const state = new Map<string, boolean>();
        for (const e of lockEvents(p.node!)) {
          if (e.start >= cur.start) break;
          state.set(e.name, e.locked);
        }
        for (const [name, locked] of state) if (locked) held.add(name);
      }
      cur = p;
    }
    return [...held];
  };

  return {
    path: options.path ?? '',
    source,
    packageSources: b.packageSources,
    lines,
    tree: b.tree,
    hasSyntaxErrors: b.tree.rootNode.hasError,
    goVersion: options.goVersion,
    types: b.types,
    packageDecls: b.packageDecls,
    functions: b.functions,
    units: b.units,
    accesses: b.accesses,
    accessesOf: (decl) => b.byDecl.get(decl) ?? [],
    resolve: (ident) => b.refs.get(ident.startIndex),
    declarationAt: (ident) => b.declarationAt(ident),
    mayRunInParallel,
    startExcludes: (g, access) => g.spawn?.parent !== undefined && exclusiveWithParent(g.spawn.site, access, g.spawn.parent.thread),
    flagSeenInIteration: (access, g, loop) => {
      const body = loop.childForFieldName('body');
      return !!body && access.unit.thread === g && flags.seenInIteration(access.node, g, body);
    },
    isMultiInstance,
    sharedReceiver,
    locksHeld,
    typeOfExpr: (expr) => b.typeOfExpr(expr),
    text: (node) => source.slice(node.startIndex, node.endIndex),
    models: b.models,
    imports: b.imports,
    neverReturns,
    calleeModel: (call) => b.calleeModel(call),
    channelsClosedByLibrary: (unit) => b.channelsClosedByLibrary(unit),
    callbackMode: (call, index) => callbackModeOf(b.calleeModel(call)?.model, index),
    typeModel: (type) => b.typeModel(type),
  };
}
