/**
 * Gates: a goroutine that first waits on a value its parent holds, and goes on only once the parent
 * releases it.
 *
 *     go func() {                          // the spawning function
 *         sem.Acquire(ctx, 1)  // waits        check(acquired)   // still blocked?
 *         acquired = true                      sem.Release(1)    // lets it go
 *         wg.Done()                            wg.Wait()
 *     }()
 *
 * This is how a test checks that something blocks. The goroutine's code after the waiting call runs
 * after the parent's later call on the same value, when that call is what releases it; the parent's
 * access before that call is ordered with it. Which calls wait is read from their names (`Wait…`,
 * `Acquire`, `Accept`, `Recv…`, `Receive…`), Go's naming convention for blocking calls.
 *
 * A server is a gate too: `err = srv.Serve(l)` (or `http.Serve(l, h)`) returns once the parent closes
 * the listener or stops the server, and only a stop releases it (`l.Close()`, `srv.Shutdown(ctx)`,
 * or `defer srv.Stop()`, which comes after all of the parent's own code, as does a stop in a closure
 * the parent hands back uncalled: `closer = func() { s.Stop() }; return`).
 */
import type { Decl, FuncUnit, Node } from './model.js';
import { builtOnTheSpot, callArguments, methodCall, within } from './model.js';
import type { CallbackMode } from '../models/index.js';
import { escapeRegExp } from '../regexp.js';
import { fieldChildren } from '../parse.js';

const WAITING_CALL = /^([Ww]ait|[Aa]cquire|[Aa]ccept|[Rr]ecv|[Rr]eceive)([A-Z0-9_]|$)/;
/** A method that runs a service until the context it is handed ends (`w.Start(ctx)`, `p.Run(ctx, comm)`). */
const RUNNING_CALL = /^(Run|Start)$/;
/** A context is released by its cancel func, never by a call that takes it: not a gate. */
const CONTEXT_NAME = /^(ctx|context)$|(Ctx|Context)$/;

export interface GateQueries {
  /** The declaration an identifier refers to; undefined when unknown. */
  declOf(ident: Node): Decl | undefined;
  /** How a call runs its callback argument `index`, as the models say. */
  callbackMode?(call: Node, index: number): CallbackMode;
  /** `obj.Chan()`, when the package's method returns a channel field of obj's type: the type's name and the field. */
  returnedField?(call: Node): { type: string; field: string } | undefined;
  /**
   * The methods of `type` that may send on (or close, or hand out) its field `field`, themselves or
   * through the receiver's other methods; undefined when code outside the type's methods names it.
   */
  fieldSignallers?(type: string, field: string): ReadonlySet<string> | undefined;
  /** Whether the package function that `call` runs starts no goroutine and calls none of `methods`. */
  quietConstructor?(call: Node, methods: ReadonlySet<string>): boolean;
  /** The ends of the in-memory pipe whose reading end `call` reads (`sc.Scan()` on a scanner of `pr`), if it reads one. */
  pipeEndsRead?(call: Node): Decl[] | undefined;
}

interface GateKey {
  text: string;
  decl: Decl;
  /** A served listener or server: only a stop releases it. */
  stopped?: boolean;
  /** The cancel func of a context a waiting call is given (the node declaring it): only calling it releases the call. */
  cancels?: Node;
  /** A test's own context (`t.Context()`): it ends once the test function has returned. */
  endsWithTest?: boolean;
  /** Of a running call (`w.Start(ctx)`), which may also return early with an error. */
  running?: boolean;
  /** An end of an in-memory pipe the goroutine reads: any use of an end by the parent may feed it. */
  pipe?: boolean;
}

/** Serving calls that take the listener first; they return when it is closed or the server stopped. */
const SERVING_CALL = /^(Serve|ServeTLS)$/;
const STOPPING_CALL = /^(Close|Shutdown|Stop|GracefulStop)$/;

export class Gates {
  constructor(private readonly q: GateQueries) {}

  /**
   * Whether `access`, made by goroutine `g` itself, and `other`, made by the function that started g,
   * are ordered because g reaches `access` only after a waiting call on a value that the parent calls
   * again after `other`.
   */
  orders(access: Node, g: FuncUnit, other: Node): boolean {
    if (g.spawn?.kind !== 'go' || !g.spawn.parent || !g.body) return false;
    let keys = this.waitedOn(access, g);
    // A parent that reads what the goroutine stores, not a value of its own, checks for the call's
    // early return (`go func() { runErr = svc.Run(ctx) }()`, then `if runErr != nil`): that race stands.
    if (keys.some((k) => k.running) && !writes(other) && !writtenBefore(other, g.spawn.parent.node, g.node)) keys = keys.filter((k) => !k.running);
    if (keys.length === 0) return false;
    return this.releasedAfter(other, g.spawn.parent.node, g.node, keys);
  }

  /** The values g waits on, in its own top-level statements, before the statement holding `access`. */
  private waitedOn(access: Node, g: FuncUnit): GateKey[] {
    const list = g.body!.namedChildren.find((c) => c.type === 'statement_list');
    if (!list) return [];
    const keys: GateKey[] = [];
    for (const stmt of list.namedChildren) {
      if (access.startIndex >= stmt.startIndex && access.startIndex < stmt.endIndex) {
        // `err = srv.Serve(l)` (or `if err = srv.Serve(l); …`): the result is written once the server has stopped.
        const assignment = stmt.type === 'if_statement' ? stmt.childForFieldName('initializer') : stmt;
        const left = assignment?.type === 'assignment_statement' ? assignment.childForFieldName('left') : undefined;
        const right = left ? assignment!.childForFieldName('right') : undefined;
        if (left && right && access.startIndex >= left.startIndex && access.endIndex <= left.endIndex) {
          for (const call of callsIn(right)) {
            const running = RUNNING_CALL.test(methodCall(call)?.method ?? '');
            const cancels = this.cancelKeys(call).map((k) => (running ? { ...k, running } : k));
            keys.push(...[...this.servedKeys(call), ...cancels, ...this.pipeKeys(call)].filter((k) => !declaredWithin(k, g)));
          }
        }
        // `for sc.Scan() { n++ }`: the body runs only after a read of the pipe.
        const body = stmt.type === 'for_statement' ? stmt.childForFieldName('body') : undefined;
        const condition = body ? stmt.namedChildren.find((c) => c.id !== body.id && c.type !== 'for_clause' && c.type !== 'range_clause') : undefined;
        if (condition && within(access, body!)) for (const call of callsIn(condition)) keys.push(...this.pipeKeys(call).filter((k) => !declaredWithin(k, g)));
        return keys;
      }
      for (const call of callsIn(stmt)) {
        keys.push(...[...this.servedKeys(call), ...this.pipeKeys(call)].filter((k) => !declaredWithin(k, g)));
        const mc = methodCall(call);
        const name = mc?.method ?? call.childForFieldName('function')?.text ?? '';
        // A running call holds the goroutine until its context ends, but its receiver is no gate.
        if (mc && RUNNING_CALL.test(mc.method)) keys.push(...this.cancelKeys(call).filter((k) => !declaredWithin(k, g)).map((k) => ({ ...k, running: true })));
        if (!WAITING_CALL.test(name)) continue;
        keys.push(...this.cancelKeys(call).filter((k) => !declaredWithin(k, g)));
        for (const operand of [mc?.receiver, ...callArguments(call)]) {
          const key = operand && this.keyOf(operand);
          if (key && !declaredWithin(key, g)) keys.push(key);
        }
      }
    }
    return [];
  }

  /** Whether the code after `other`, in the same or an enclosing block, calls a non-waiting method on one of `keys`. */
  private releasedAfter(other: Node, parentFn: Node, goroutine: Node, keys: GateKey[]): boolean {
    // A pipe the parent may have fed by the time of `other` already lets the goroutine's reads return.
    if (keys.some((k) => k.pipe && this.fedBefore(other, parentFn, goroutine, k))) keys = keys.filter((k) => !k.pipe);
    // `defer srv.Stop()`: a server stopped at the function's exit, after all of its own code (`other`
    // runs on the parent's goroutine: in its flow, or in a literal it calls, such as a subtest's). A
    // pipe's writing end the parent hands on (`t.Out = pw`, `return pw`) is fed once it has returned.
    const served = keys.filter((k) => k.stopped || k.pipe);
    if (
      served.length > 0 &&
      within(other, parentFn) &&
      !underDefer(other, parentFn) &&
      (this.stoppedAtExit(parentFn, served) || this.stoppedElsewhere(parentFn, goroutine, served) || this.stopHandedBack(parentFn, goroutine, served, other))
    )
      return true;
    // A context cancelled only at the function's exit (`defer cancel()`, `t.Cleanup(cancel)`) or by the
    // end of the test (`t.Context()`): the call returns after all of the function's own code.
    const atExit = keys.filter((k) => k.cancels || k.endsWithTest);
    if (atExit.length > 0 && within(other, parentFn) && !insideLiteral(other, parentFn) && !underDefer(other, parentFn) && atExit.some((k) => this.cancelledAtExit(parentFn, goroutine, k, other)))
      return true;
    for (let cur: Node | null = other; cur && cur.startIndex >= parentFn.startIndex && cur.id !== parentFn.id; cur = cur.parent) {
      if (cur.type === 'func_literal') return false;
      const list = cur.parent;
      if (list?.type !== 'statement_list') continue;
      for (let s = cur.nextNamedSibling; s; s = s.nextNamedSibling) {
        if (s.startIndex < goroutine.endIndex && s.endIndex > goroutine.startIndex) continue;
        // Also in the literals it makes (`go func() { ready.Done() }()`): they run after they are made.
        if (callsMadeAfter(s).some((call) => this.releases(call, keys))) return true;
      }
    }
    return false;
  }

  /**
   * Whether `fn` stops one of `keys` at its exit: `defer srv.Stop()`, a stop in `defer func() {…}()`,
   * or in a callback the models run once fn has returned (`t.Cleanup(func() { srv.Close() })`).
   */
  private stoppedAtExit(fn: Node, keys: GateKey[]): boolean {
    const bodyCalls = (literal: Node | null | undefined) => {
      const list = literal?.type === 'func_literal' ? literal.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list') : undefined;
      return list ? list.namedChildren.flatMap(callsIn) : undefined;
    };
    for (const d of fn.descendantsOfType('defer_statement')) {
      if (insideLiteral(d, fn)) continue;
      const call = d.namedChild(0);
      const calls = bodyCalls(call?.type === 'call_expression' ? call.childForFieldName('function') : undefined) ?? callsIn(d);
      if (calls.some((c) => this.releases(c, keys))) return true;
    }
    const modeOf = this.q.callbackMode;
    if (!modeOf) return false;
    for (const call of fn.descendantsOfType('call_expression')) {
      if (insideLiteral(call, fn)) continue;
      const args = callArguments(call);
      for (let i = 0; i < args.length; i++) {
        if (args[i].type !== 'func_literal' || modeOf(call, i) !== 'cleanup') continue;
        if ((bodyCalls(args[i]) ?? []).some((c) => this.releases(c, keys))) return true;
      }
    }
    return false;
  }

  /**
   * A server the function keeps in a field (`suite.server.Serve(l)`, or `s.srv = srv` after starting it)
   * or returns, and does not stop itself: what stops it is another method (`TearDownSuite`, `Stop`),
   * called once this one has returned.
   */
  private stoppedElsewhere(fn: Node, goroutine: Node, keys: GateKey[]): boolean {
    const outside = (n: Node) => !insideLiteral(n, fn) && !(n.startIndex >= goroutine.startIndex && n.endIndex <= goroutine.endIndex);
    if (fn.descendantsOfType('call_expression').some((c) => outside(c) && this.releases(c, keys))) return false;
    if (keys.some((k) => k.text !== k.decl.node.text || k.decl.kind === 'receiver')) return true;
    // `s.srv = srv`, `return srv` or `&T{srv: &srv}`: the value (or its address) goes where another method finds it.
    const handedOn = (value: Node | null | undefined) => {
      const operand = value?.type === 'unary_expression' ? value.childForFieldName('operand') : value?.type === 'identifier' ? value : undefined;
      const key = operand ? this.keyOf(operand) : undefined;
      return key !== undefined && keys.some((k) => k.text === key.text && k.decl === key.decl);
    };
    for (const n of fn.descendantsOfType(['assignment_statement', 'return_statement', 'keyed_element'])) {
      if (!outside(n)) continue;
      if (n.type === 'assignment_statement') {
        const left = n.childForFieldName('left')?.namedChildren ?? [];
        const right = n.childForFieldName('right')?.namedChildren ?? [];
        if (right.some((v, i) => left[i]?.type === 'selector_expression' && handedOn(v))) return true;
      } else if (n.type === 'return_statement') {
        if ((n.namedChild(0)?.namedChildren ?? []).some(handedOn)) return true;
      } else if (handedOn(n.namedChild(1)?.namedChild(0) ?? n.namedChild(1))) return true;
    }
    return false;
  }

  /**
   * Whether only closures fn hands back uncalled stop the server (`closer = func() { l.Close(); s.Stop() }`
   * for a result, or `return func() {…}`): its caller runs them once fn has returned, after `other`,
   * unless `other` is in one of them.
   */
  private stopHandedBack(fn: Node, goroutine: Node, keys: GateKey[], other: Node): boolean {
    if (!fn.text.includes('func()')) return false;
    let handed = false;
    for (const call of fn.descendantsOfType('call_expression')) {
      if (within(call, goroutine) || !this.releases(call, keys)) continue;
      const literal = outermostLiteral(call, fn);
      if (!literal || within(other, literal) || !handedBackUncalled(literal, fn)) return false;
      handed = true;
    }
    return handed;
  }

  private releases(call: Node, keys: GateKey[]): boolean {
    const fn = call.childForFieldName('function');
    if (fn?.type === 'identifier' && keys.some((k) => k.cancels && k.text === fn.text && this.q.declOf(fn)?.node.id === k.cancels.id)) return true;
    const mc = methodCall(call);
    if (mc && WAITING_CALL.test(mc.method)) return false;
    const stops = mc !== undefined && STOPPING_CALL.test(mc.method);
    return [mc?.receiver, ...callArguments(call)].some((operand, i) => {
      const key = operand && this.keyOf(operand);
      return key && keys.some((k) => k.text === key.text && k.decl === key.decl && (!k.stopped || (stops && i === 0)));
    });
  }

  /** The ends of the in-memory pipe `call` reads, declared outside the goroutine. */
  private pipeKeys(call: Node): GateKey[] {
    return (this.q.pipeEndsRead?.(call) ?? []).map((decl) => ({ text: decl.name, decl, pipe: true }));
  }

  /**
   * Whether the parent may have fed a pipe's end by the time of `other`: a use of it (a write, a close,
   * a call or a literal handed it, `cmd.Stdout = pw`) before the statement holding `other` ends, or in a
   * loop around it. A store into a field of the method's receiver (`t.Out = pw`) hands the end to the
   * receiver's later users, unless the function calls through the receiver before `other`.
   */
  private fedBefore(other: Node, fn: Node, goroutine: Node, key: GateKey): boolean {
    let limit = other.endIndex;
    let statementSeen = false;
    for (let cur: Node | null = other; cur && cur.id !== fn.id; cur = cur.parent) {
      // In a literal, `other` may run at any time.
      if (cur.type === 'func_literal') return true;
      if (!statementSeen && cur.parent?.type === 'statement_list') {
        statementSeen = true;
        // `if err == nil { pw.Write(b) }`: the condition is read before the branch runs.
        const branch = cur.type === 'if_statement' ? cur.childForFieldName('consequence') : undefined;
        limit = Math.max(limit, branch ? branch.startIndex : cur.endIndex);
      }
      if (cur.type === 'for_statement') limit = Math.max(limit, cur.endIndex);
    }
    const receiver = receiverName(fn);
    for (const ident of fn.descendantsOfType('identifier')) {
      if (ident.startIndex >= limit) break;
      if (ident.text !== key.text || ident.startIndex === key.decl.node.startIndex || within(ident, goroutine)) continue;
      if (this.q.declOf(ident) !== key.decl) continue;
      if (receiver && storedInField(ident, receiver) && !callsThrough(fn, receiver, ident.endIndex, limit, goroutine)) continue;
      return true;
    }
    return false;
  }

  /**
   * Whether key's context ends only once `fn` has returned: `t.Context()` of fn's own test, or a cancel
   * func that fn uses before `other` only to defer it or register it as a cleanup (`defer cancel()`,
   * `t.Cleanup(cancel)`), and hands to nothing else.
   */
  private cancelledAtExit(fn: Node, goroutine: Node, key: GateKey, other: Node): boolean {
    if (key.endsWithTest) {
      // The test whose context it is: a parameter of fn (a subtest's own `t`), not an enclosing test's.
      const t = key.decl.init!.childForFieldName('function')!.childForFieldName('operand')!;
      const param = this.q.declOf(t)?.node;
      const params = fn.childForFieldName('parameters');
      return !!param && !!params && within(param, params);
    }
    let deferred = false;
    for (const ident of fn.descendantsOfType('identifier')) {
      if (ident.startIndex >= other.startIndex) break;
      if (ident.text !== key.text || ident.id === key.cancels!.id || within(ident, goroutine) || this.q.declOf(ident)?.node.id !== key.cancels!.id) continue;
      const parent = ident.parent;
      // Deferred by fn itself, not by a literal in it, which returns earlier.
      if (parent?.type === 'call_expression' && parent.parent?.type === 'defer_statement' && parent.childForFieldName('function')?.id === ident.id && !insideLiteral(parent, fn)) deferred = true;
      else if (parent?.type === 'argument_list' && parent.namedChildCount === 1 && parent.parent && this.q.callbackMode?.(parent.parent, 0) === 'cleanup') deferred = true;
      else return false;
    }
    return deferred;
  }

  /**
   * `sub.Receive(ctx, handle)`: a waiting call handed a context that came with its cancel func
   * (`ctx, cancel := context.WithCancel(…)`, no deadline) returns once that cancel is called. So does
   * a running call (`w.Start(ctx)`), and one handed a test's own context (`ctx := t.Context()`)
   * returns once the test has ended.
   */
  private cancelKeys(call: Node): GateKey[] {
    const mc = methodCall(call);
    if (!WAITING_CALL.test(mc?.method ?? '') && !RUNNING_CALL.test(mc?.method ?? '')) return [];
    const keys: GateKey[] = [];
    for (const arg of callArguments(call)) {
      const decl = arg.type === 'identifier' && CONTEXT_NAME.test(arg.text) ? this.q.declOf(arg) : undefined;
      if (decl && testContext(decl.init)) {
        keys.push({ text: arg.text, decl, endsWithTest: true });
        continue;
      }
      const list = decl?.node.parent;
      const binding = list?.type === 'expression_list' ? list.parent : undefined;
      if (binding?.type !== 'short_var_declaration' || list!.namedChildCount !== 2 || list!.namedChild(0)?.id !== decl!.node.id) continue;
      if (!/^context\.WithCancel\(/.test(binding.childForFieldName('right')?.text ?? '')) continue;
      const cancel = list!.namedChild(1)!;
      if (cancel.type === 'identifier' && cancel.text !== '_') keys.push({ text: cancel.text, decl: decl!, cancels: cancel });
    }
    return keys;
  }

  /** The listener and the server of a serving call (`srv.Serve(l)`, `http.Serve(l, h)`), declared outside it. */
  private servedKeys(call: Node): GateKey[] {
    const mc = methodCall(call);
    const name = mc?.method ?? call.childForFieldName('function')?.text ?? '';
    if (!SERVING_CALL.test(name)) return [];
    const keys: GateKey[] = [];
    for (const operand of [mc?.receiver, callArguments(call)[0]]) {
      const key = operand && this.keyOf(operand);
      if (key) keys.push({ ...key, stopped: true });
    }
    return keys;
  }

  /** A variable or a field path of one (`sem`, `s.limiter`), with the declaration of its root. */
  private keyOf(operand: Node): GateKey | undefined {
    let root = operand;
    while (root.type === 'selector_expression') root = root.childForFieldName('operand')!;
    if (root?.type !== 'identifier' || CONTEXT_NAME.test(operand.type === 'identifier' ? operand.text : '')) return undefined;
    const decl = this.q.declOf(root);
    return decl === undefined ? undefined : { text: operand.text, decl };
  }
}

function declaredWithin(key: GateKey, g: FuncUnit): boolean {
  const node = key.decl.node;
  return node.startIndex >= g.node.startIndex && node.endIndex <= g.node.endIndex;
}

/** Whether an identifier is written where it stands: on the left of an assignment, or `x++`. */
function writes(ident: Node): boolean {
  const list = ident.parent?.type === 'expression_list' ? ident.parent : undefined;
  const statement = list?.parent;
  if (statement && /^(assignment_statement|short_var_declaration)$/.test(statement.type) && statement.childForFieldName('left')?.id === list!.id) return true;
  return ident.parent?.type === 'inc_statement' || ident.parent?.type === 'dec_statement';
}

/**
 * Whether the function assigns the variable `other` names itself, after the goroutine starts and
 * before `other` (`err = f(); if err != nil`, `if err = f(); err != nil`): then `other` reads its own value.
 */
function writtenBefore(other: Node, fn: Node, goroutine: Node): boolean {
  const assigns = (node: Node) =>
    [node, ...node.descendantsOfType(['assignment_statement', 'short_var_declaration'])].some(
      (a) => /^(assignment_statement|short_var_declaration)$/.test(a.type) && !insideLiteral(a, fn) && (a.childForFieldName('left')?.namedChildren ?? []).some((l) => l.type === 'identifier' && l.text === other.text),
    );
  for (let cur: Node = other; cur.parent && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type === 'func_literal') return false;
    const init = cur.parent.type === 'if_statement' && cur.parent.childForFieldName('initializer');
    if (init && init.id !== cur.id && init.endIndex <= cur.startIndex && assigns(init)) return true;
    if (cur.parent.type !== 'statement_list') continue;
    for (let st = cur.previousNamedSibling; st; st = st.previousNamedSibling) {
      if (st.endIndex <= goroutine.startIndex) break;
      if (st.startIndex <= goroutine.startIndex) continue;
      if (assigns(st)) return true;
    }
  }
  return false;
}

/** `t.Context()` on a test's `*testing.T`, by the usual names. */
function testContext(expr: Node | null | undefined): boolean {
  return expr?.type === 'call_expression' && /^(t|tb|b)\.Context$/.test(expr.childForFieldName('function')?.text ?? '') && callArguments(expr).length === 0;
}

/** The name of a method's receiver (`t` of `func (t *T) M()`). */
function receiverName(fn: Node): string | undefined {
  if (fn.type !== 'method_declaration') return undefined;
  const param = fn.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
  return param?.childForFieldName('name')?.text;
}

/** Whether `value` is assigned to a field of `receiver` (`t.Out = pw`). */
function storedInField(value: Node, receiver: string): boolean {
  const right = value.parent;
  const assignment = right?.type === 'expression_list' ? right.parent : undefined;
  if (assignment?.type !== 'assignment_statement' || assignment.childForFieldName('right')?.id !== right!.id) return false;
  const index = right!.namedChildren.findIndex((n) => n.id === value.id);
  const target = assignment.childForFieldName('left')?.namedChild(index);
  return target?.type === 'selector_expression' && target.childForFieldName('operand')?.text === receiver;
}

/** Whether `fn` calls through `receiver` (`t.flush()`, `t.w.Write(b)`, `use(t)`) between `from` and `to`, outside `goroutine`. */
function callsThrough(fn: Node, receiver: string, from: number, to: number, goroutine: Node): boolean {
  const through = new RegExp(`^${escapeRegExp(receiver)}\\b`);
  return fn.descendantsOfType('call_expression').some(
    (call) =>
      call.startIndex >= from &&
      call.startIndex < to &&
      !within(call, goroutine) &&
      (through.test(call.childForFieldName('function')?.text ?? '') || callArguments(call).some((a) => through.test(a.text))),
  );
}

/** The calls in a statement, also inside the func literals it holds: none of them runs before it. */
function callsMadeAfter(stmt: Node): Node[] {
  return stmt.descendantsOfType('call_expression');
}

/** The calls a statement makes itself, not those inside func literals it holds. */
export function callsIn(stmt: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node): void => {
    if (n.type === 'func_literal') return;
    if (n.type === 'call_expression') out.push(n);
    for (const c of n.namedChildren) visit(c);
  };
  visit(stmt);
  return out;
}

/** A send or close of a channel, and what the parent runs to make it: the statement, or the func literal around it. */
interface Release {
  node: Node;
  deferred: boolean;
  madeBy: Node;
}

/**
 * Sends that release: a goroutine that reaches an access only after receiving from a channel its
 * parent made, when the parent sends on (or closes) that channel only after its own access. One per
 * file model: what it reads of a goroutine or a channel is kept.
 *
 *     done := make(chan bool)
 *     go func() {                              // the spawning function
 *         for {                                err = parse(msg)
 *             select {                         …
 *             case <-done:                     defer func() { done <- true }()   // at its exit
 *                 err = ack()   // after the send
 *             case <-tick.C: …
 *
 * Every send and close of the channel must come after the parent's access in the parent's own flow (a
 * deferred one runs at its exit), outside any loop around that access; the channel must not be passed,
 * stored or sent from anywhere else. A channel field of an object the parent made (`<-al.saves`)
 * counts too, until the parent lets the object out (see publishedAt).
 */
export class ReleasingSends {
  constructor(private readonly q: GateQueries) {}

  orders(access: Node, g: FuncUnit, other: Node): boolean {
    const parentFn = flowAround(g, other);
    // A goroutine of a go statement or a group's closure (`g.Go(func…)`): either one receives first.
    if ((g.spawn?.kind !== 'go' && g.spawn?.kind !== 'group') || !parentFn) return false;
    // The goroutine's side first, from positions read once: asking a node deep in a long else-if
    // chain for its parent costs as much as the chain is deep.
    const channels = this.receivesOf(g).filter((r) => access.startIndex >= r.from && access.endIndex <= r.to);
    // The parent's access must stand in its own flow: one in a func literal runs wherever that is called.
    if (channels.length === 0 || insideDefer(other, parentFn) || insideLiteral(other, parentFn)) return false;
    return channels.some((r) => {
      if (r.ch.type === 'selector_expression') return other.endIndex <= this.publishedAt(r.ch, parentFn, g);
      // `go work(ch)` or `go func(in chan T) {…}(ch)`: the parameter stands for the parent's channel.
      const ch = this.handedChannel(r.ch, g) ?? r.ch;
      return (
        this.releasesOf(ch, parentFn, g)?.every(
          (rel) => !within(rel.node, g.node) && (rel.deferred || (rel.madeBy.startIndex >= other.endIndex && !inLoopAround(rel.madeBy, other, parentFn))),
        ) === true ||
        this.releasedByMethods(ch, parentFn, g, other)
      );
    });
  }

  /**
   * The same between sibling goroutines: g reaches `access` only after receiving from a local channel
   * that only the sibling sends on or closes, after its own access `other`, in its own flow or in a
   * func literal it makes after it (a callback it installs: `n.onState = func(st S) { states <- st }`).
   *
   *     go func() {                                  go func() {
   *         node = newNode()   // other                  for {
   *         node.onState = func(st S) { ch <- st }          if st, ok := <-ch; ok {
   *         …                                                   use(node)   // access
   *         close(ch)                                       } else { break }
   *     }()                                              …
   */
  ordersAfterSibling(access: Node, g: FuncUnit, other: Node, sibling: FuncUnit): boolean {
    if ((g.spawn?.kind !== 'go' && g.spawn?.kind !== 'group') || sibling.node.type !== 'func_literal' || sibling.spawn?.loop) return false;
    // The receives first: most goroutines make none, and the walks below cost more.
    const channels = this.receivesOf(g).filter((r) => access.startIndex >= r.from && access.endIndex <= r.to && r.ch.type === 'identifier');
    if (channels.length === 0 || !within(other, sibling.node) || insideLiteral(other, sibling.node) || insideDefer(other, sibling.node)) return false;
    return channels.some((r) => {
      const scope = enclosingFunction(this.q.declOf(r.ch)?.node);
      if (!scope || !within(g.node, scope) || !within(sibling.node, scope)) return false;
      return (
        this.releasesOf(r.ch, scope, g)?.every((rel) => {
          if (!within(rel.node, sibling.node)) return false;
          const madeBy = outermostLiteral(rel.node, sibling.node) ?? rel.node;
          return deferredBy(rel.node, sibling.node) || (madeBy.startIndex >= other.endIndex && !inLoopAround(madeBy, other, sibling.node));
        }) === true
      );
    });
  }

  /**
   * The parent's channel that g's go statement hands to the parameter `param` of g's literal, when g
   * only receives from it (`go work(ch)` with `work := func(in chan T) {…}`, or the literal called in
   * place). Another goroutine of the same literal only receives too, so the parent's sends are the
   * channel's only ones.
   */
  private handedChannel(param: Node, g: FuncUnit): Node | undefined {
    const decl = this.q.declOf(param);
    const params = g.node.type === 'func_literal' ? g.node.childForFieldName('parameters') : undefined;
    if (decl?.kind !== 'param' || !params || !within(decl.node, params)) return undefined;
    const names = params.namedChildren.filter((p) => p.type === 'parameter_declaration').flatMap((p) => fieldChildren(p, 'name'));
    const index = names.findIndex((n) => n.id === decl.node.id);
    const call = g.spawn?.site?.type === 'go_statement' ? g.spawn.site.namedChild(0) : undefined;
    const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
    if (index < 0 || params.namedChildren.some((p) => p.type === 'variadic_parameter_declaration') || !fn) return undefined;
    if (fn.id !== g.node.id && !(fn.type === 'identifier' && this.q.declOf(fn)?.init?.id === g.node.id)) return undefined;
    const arg = callArguments(call!)[index];
    if (arg?.type !== 'identifier') return undefined;
    // Within the literal the parameter is only received from.
    for (const use of g.node.descendantsOfType('identifier')) {
      if (use.text !== param.text || use.id === decl.node.id || this.q.declOf(use) !== decl) continue;
      const parent = use.parent;
      const receive = parent?.type === 'unary_expression' && parent.child(0)?.type === '<-';
      const ranged = parent?.type === 'range_clause' && parent.childForFieldName('right')?.id === use.id;
      if (!receive && !ranged) return undefined;
    }
    return arg;
  }

  /**
   * `jobs := gen.Chan()` (a channel field of an object the parent built), received by g, and fed only
   * by methods of that object the parent calls after its access (`gen.Run(ctx)`, `gen.Stop()`):
   *
   *     gen, err := NewGenerator(spec)    // builds the object and its channel, starts nothing
   *     jobs := gen.Chan()                // returns g.jobs
   *     go func() { for j := range jobs { use(ctx, j) } }()
   *     ctx = withDeadline(ctx)           // the parent's access
   *     gen.Run(ctx)                      // the only sends on g.jobs
   *
   * Before the access the parent may only call the object's other methods; the object must not be
   * passed, stored or captured, and its constructor must start no goroutine.
   */
  private releasedByMethods(ch: Node, parentFn: Node, g: FuncUnit, other: Node): boolean {
    const decl = this.q.declOf(ch);
    if (!decl || !within(decl.node, parentFn) || within(decl.node, g.node)) return false;
    const holder = decl.node.parent?.type === 'expression_list' ? decl.node.parent.parent : undefined;
    const values = holder?.type === 'short_var_declaration' ? holder.childForFieldName('right')?.namedChildren : undefined;
    const call = values?.length === 1 && holder!.childForFieldName('left')?.namedChildCount === 1 ? values[0] : undefined;
    const mc = call?.type === 'call_expression' ? methodCall(call) : undefined;
    if (!mc || mc.receiver.type !== 'identifier' || callArguments(call!).length !== 0) return false;
    const returned = this.q.returnedField?.(call!);
    const signallers = returned && this.q.fieldSignallers?.(returned.type, returned.field);
    if (!signallers || signallers.size === 0) return false;
    const object = this.q.declOf(mc.receiver);
    if (!object || object.kind === 'param' || object.kind === 'receiver' || object.kind === 'result') return false;
    if (!within(object.node, parentFn) || within(object.node, g.node)) return false;
    // The object comes from a constructor of the package that starts nothing.
    const made = object.node.parent?.type === 'expression_list' ? object.node.parent.parent : undefined;
    const madeBy = made?.type === 'short_var_declaration' ? made.childForFieldName('right')?.namedChild(0) : undefined;
    if (madeBy?.type !== 'call_expression' || !this.q.quietConstructor?.(madeBy, signallers)) return false;
    // The channel is only received from, by anyone.
    for (const use of parentFn.descendantsOfType('identifier')) {
      if (use.text !== ch.text || use.id === decl.node.id || this.q.declOf(use) !== decl) continue;
      const parent = use.parent;
      const receive = parent?.type === 'unary_expression' && parent.child(0)?.type === '<-';
      const ranged = parent?.type === 'range_clause' && parent.childForFieldName('right')?.id === use.id;
      if (!receive && !ranged) return false;
    }
    for (const use of parentFn.descendantsOfType('identifier')) {
      if (use.text !== mc.receiver.text || use.id === object.node.id || this.q.declOf(use) !== object) continue;
      // After the access, in the parent's own flow (or deferred to its exit), anything goes.
      const later = use.startIndex >= other.endIndex && !inLoopAround(use, other, parentFn);
      if (later && (insideDefer(use, parentFn) || !insideLiteral(use, parentFn))) continue;
      if (made!.childForFieldName('left')?.namedChildren.some((n) => n.id === use.id)) continue;
      // Before it, or anywhere a literal runs: only a call of a method that does not feed the channel.
      const selector = use.parent?.type === 'selector_expression' && use.parent.childForFieldName('operand')?.id === use.id ? use.parent : undefined;
      const called = selector?.parent?.type === 'call_expression' && selector.parent.childForFieldName('function')?.id === selector.id;
      if (!called || signallers.has(selector!.childForFieldName('field')?.text ?? '')) return false;
    }
    return true;
  }

  /**
   * For a receive from a channel field of an object the parent made (`<-al.saveChan`, with
   * `al.saveChan = make(chan Item)` in the parent): where the parent first lets the object out, so
   * that another function may send on the channel (a call of one of its methods, an argument, a
   * store; at a `return`, once it has returned). Nothing sends before: the goroutine uses the object
   * only after its receive, and the parent touches the channel only to make it. -1 when unsure.
   */
  private publishedAt(ch: Node, parentFn: Node, g: FuncUnit): number {
    const object = ch.childForFieldName('operand');
    const field = ch.childForFieldName('field')?.text;
    const decl = object?.type === 'identifier' ? this.q.declOf(object) : undefined;
    if (!decl || !field || !within(decl.node, parentFn) || within(decl.node, g.node) || decl.kind === 'param' || decl.kind === 'receiver') return -1;
    // The object is built here, not by a constructor that may hand the channel on (`time.NewTimer`'s C).
    if (!builtHere(decl.node, true)) return -1;
    let made = false;
    let published = Number.MAX_SAFE_INTEGER;
    // A named result leaves at any `return`, a bare one too; one before the spawn ends a call that starts no goroutine.
    const returnsAt = (ret: Node) => (ret.endIndex < g.node.startIndex && !inLoopAround(ret, g.node, parentFn) ? Number.MAX_SAFE_INTEGER : ret.endIndex);
    if (decl.kind === 'result')
      for (const ret of parentFn.descendantsOfType('return_statement')) if (!insideLiteral(ret, parentFn)) published = Math.min(published, returnsAt(ret));
    for (const use of parentFn.descendantsOfType('identifier')) {
      if (use.text !== object!.text || use.id === decl.node.id || this.q.declOf(use) !== decl) continue;
      const selector = use.parent?.type === 'selector_expression' && use.parent.childForFieldName('operand')?.id === use.id ? use.parent : undefined;
      const selected = selector?.childForFieldName('field')?.text;
      if (within(use, g.node)) {
        // The goroutine's own uses come after its receive (a receive of that field, or what it does with it after).
        if (selected === field ? !receivedOperand(selector!.parent) : use.startIndex < ch.startIndex) return -1;
        continue;
      }
      const literal = outermostLiteral(use, parentFn);
      if (literal) published = Math.min(published, literal.startIndex);
      else if (selected === field) {
        if (!madeHere(selector!)) return -1;
        made = true;
      } else if (selector && selector.parent?.type !== 'call_expression') continue; // a field read or written
      else if (assignedHere(use)) {
        if (!builtHere(use, false)) return -1;
      } else {
        const ret = use.parent?.type === 'expression_list' && use.parent.parent?.type === 'return_statement' ? use.parent.parent : undefined;
        published = Math.min(published, ret ? returnsAt(ret) : use.startIndex);
      }
    }
    return made ? published : -1;
  }

  private readonly receives = new Map<number, { ch: Node; from: number; to: number }[]>();

  /**
   * Where g has received from a channel: the body of a `case <-ch:` or of a `for v := range ch`, or
   * the rest of the block after a `<-ch` (or `v := <-ch`) statement.
   */
  private receivesOf(g: FuncUnit): { ch: Node; from: number; to: number }[] {
    let found = this.receives.get(g.node.id);
    if (found) return found;
    found = [];
    if (g.node.text.includes('<-') || g.node.text.includes('range')) {
      const nested = g.node.descendantsOfType('func_literal').filter((l) => l.id !== g.node.id);
      const inNested = (n: Node) => nested.some((l) => n.startIndex >= l.startIndex && n.endIndex <= l.endIndex);
      for (const n of g.node.descendantsOfType(['communication_case', 'expression_statement', 'assignment_statement', 'short_var_declaration', 'for_statement'])) {
        if (inNested(n)) continue;
        if (n.type === 'for_statement') {
          // Each turn of `for v := range ch` runs after a receive.
          const over = n.namedChildren.find((c) => c.type === 'range_clause')?.childForFieldName('right');
          const body = n.childForFieldName('body');
          if (over?.type === 'identifier' && body) found.push({ ch: over, from: body.startIndex, to: body.endIndex });
        } else if (n.type === 'communication_case') {
          const comm = n.childForFieldName('communication');
          const ch = receivedOperand(comm);
          if (ch && comm) found.push({ ch, from: comm.endIndex, to: n.endIndex });
        } else {
          // `<-latch`, or what it received kept: `_ = <-latch`, `v, ok := <-ch`.
          const right = n.type === 'expression_statement' ? n.namedChild(0) : n.childForFieldName('right')?.namedChildren;
          const ch = receivedOperand(Array.isArray(right) ? (right.length === 1 ? right[0] : undefined) : right);
          // The rest of its block, or of the `if` whose initializer it is (`if ok := <-ready; ok {…}`).
          const list = ch ? n.parent : null;
          if (ch && (list?.type === 'statement_list' || list?.type === 'if_statement')) found.push({ ch, from: n.endIndex, to: list.endIndex });
        }
      }
    }
    this.receives.set(g.node.id, found);
    return found;
  }

  private readonly releases = new Map<Decl, Release[] | undefined>();

  /** `go work(ch)` or `go func(in chan T) {…}(ch)`, where the call runs g's literal. */
  private handsToLiteral(call: Node | null | undefined, g: FuncUnit): boolean {
    if (call?.type !== 'call_expression' || call.parent?.type !== 'go_statement' || g.node.type !== 'func_literal') return false;
    const fn = call.childForFieldName('function');
    return fn?.id === g.node.id || (fn?.type === 'identifier' && this.q.declOf(fn)?.init?.id === g.node.id);
  }

  /**
   * The parent's sends on and closes of `ch`, each deferred, in its own flow, or in a func literal it
   * makes (that runs only once made: `eg.Go(func() error { …; close(done) })`); undefined when the
   * channel is not the parent's own local, or is used any other way (passed, stored, reassigned).
   */
  private releasesOf(ch: Node, parentFn: Node, g: FuncUnit): Release[] | undefined {
    const decl = this.q.declOf(ch);
    if (!decl || decl.node.startIndex < parentFn.startIndex || decl.node.endIndex > parentFn.endIndex || within(decl.node, g.node)) return undefined;
    if (this.releases.has(decl)) return this.releases.get(decl);
    let found: Release[] | undefined = [];
    for (const use of parentFn.descendantsOfType('identifier')) {
      if (use.text !== ch.text || use.startIndex === decl.node.startIndex || this.q.declOf(use) !== decl) continue;
      const parent = use.parent;
      if (parent?.type === 'unary_expression' && parent.child(0)?.type === '<-') continue; // a receive
      if (parent?.type === 'range_clause' && parent.childForFieldName('right')?.id === use.id) continue; // a range receives too
      // Handed to a goroutine of g's own literal, which only receives from it (handedChannel).
      if (parent?.type === 'argument_list' && this.handsToLiteral(parent.parent, g)) continue;
      const send = parent?.type === 'send_statement' && parent.childForFieldName('channel')?.id === use.id ? parent : undefined;
      const close = parent?.type === 'argument_list' && parent.parent?.childForFieldName('function')?.text === 'close' ? parent.parent : undefined;
      const release = send ?? close;
      if (!release) {
        found = undefined; // passed, stored or reassigned: others may send
        break;
      }
      found.push({ node: release, deferred: deferredBy(release, parentFn), madeBy: outermostLiteral(release, parentFn) ?? release });
    }
    if (found?.length === 0) found = undefined;
    this.releases.set(decl, found);
    return found;
  }
}

/**
 * `return ch, func() error { return scanErr }`: an accessor handed back beside a channel that g
 * closes at its end (`defer close(ch)`, or `close(ch)` as its last statement). The caller drains the
 * channel, then calls the accessor: what g did comes first, and an early call is the caller's race.
 */
export function readAfterReturnedClose(access: Node, g: FuncUnit, other: Node): boolean {
  const parentFn = flowAround(g, other);
  if (g.spawn?.kind !== 'go' || !parentFn || within(other, g.node)) return false;
  const literal = outermostLiteral(other, parentFn);
  const list = literal?.parent;
  const ret = list?.type === 'expression_list' ? list.parent : undefined;
  if (!literal || ret?.type !== 'return_statement' || insideLiteral(ret, parentFn) || within(access, literal)) return false;
  const returned = new Set(list!.namedChildren.filter((c) => c.type === 'identifier').map((c) => c.text));
  const statements = g.node.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren ?? [];
  const closed = (call: Node | null | undefined) => {
    const args = call?.type === 'call_expression' && call.childForFieldName('function')?.text === 'close' ? callArguments(call) : [];
    return args.length === 1 && args[0].type === 'identifier' && returned.has(args[0].text);
  };
  const last = statements.filter((st) => st.type !== 'comment').at(-1);
  return statements.some((st) => st.type === 'defer_statement' && closed(st.namedChild(0))) || (last?.type === 'expression_statement' && closed(last.namedChild(0)) && access.endIndex <= last.startIndex);
}

/** The channel a receive reads (`<-ch`, `case <-ch:`, `case v := <-ch:`), when it is a name or a field of one (`<-s.ch`). */
function receivedOperand(node: Node | null | undefined): Node | undefined {
  const receive = node?.type === 'receive_statement' ? node.childForFieldName('right') : node;
  if (receive?.type !== 'unary_expression' || receive.child(0)?.type !== '<-') return undefined;
  const operand = receive.childForFieldName('operand');
  if (operand?.type === 'selector_expression') return operand.childForFieldName('operand')?.type === 'identifier' ? operand : undefined;
  return operand?.type === 'identifier' ? operand : undefined;
}

/** `x.ch = make(chan T)`: the selector is the whole left side of an assignment of a new channel. */
function madeHere(selector: Node): boolean {
  const stmt = selector.parent?.type === 'expression_list' ? selector.parent.parent : undefined;
  if (stmt?.type !== 'assignment_statement' || stmt.childForFieldName('left')?.namedChildCount !== 1 || stmt.childForFieldName('left')?.namedChild(0)?.id !== selector.id) return false;
  const right = stmt.childForFieldName('right')?.namedChild(0);
  return right?.type === 'call_expression' && right.childForFieldName('function')?.text === 'make';
}

/**
 * Whether `name` gets a value built on the spot there: `&T{…}`, `T{…}` or `new(T)` (or nothing, for
 * a declaration without a value when `bare` allows it: `var al *List`, a named result).
 */
function builtHere(name: Node, bare: boolean): boolean {
  const list = name.parent;
  const holder = list?.type === 'expression_list' ? list.parent : list;
  let value: Node | null | undefined;
  if (holder?.type === 'short_var_declaration' || holder?.type === 'assignment_statement') {
    const index = list!.namedChildren.findIndex((c) => c.id === name.id);
    value = holder.childForFieldName('right')?.namedChild(index);
  } else if (holder?.type === 'var_spec') {
    const index = fieldChildren(holder, 'name').findIndex((c) => c.id === name.id);
    value = holder.childForFieldName('value')?.namedChild(index);
    if (!holder.childForFieldName('value')) return bare;
  } else return bare && holder?.type === 'parameter_declaration';
  return builtOnTheSpot(value);
}

/** `x = &T{…}`: the name is the whole left side of an assignment (it gets the object, not lets it out). */
function assignedHere(name: Node): boolean {
  const stmt = name.parent?.type === 'expression_list' ? name.parent.parent : undefined;
  return (stmt?.type === 'assignment_statement' || stmt?.type === 'short_var_declaration') && stmt.childForFieldName('left')?.id === name.parent!.id;
}

/**
 * The function of g's parent thread whose own flow holds `other`: the one that started g, or one it
 * runs in (`b.Start(func(h H) error { go …; return nil })` runs its callback in place, so the
 * release may follow in the caller's flow).
 */
export function flowAround(g: FuncUnit, other: Node): Node | undefined {
  const thread = g.spawn?.parent?.thread;
  for (let u = g.spawn?.parent; u && u.thread === thread; u = u.parent) if (within(other, u.node)) return u.node;
  return undefined;
}

/** Whether a defer statement of `fn`, at any depth, holds `node`. */
function underDefer(node: Node, fn: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) if (cur.type === 'defer_statement') return true;
  return false;
}

/** Whether `node` runs in a deferred call of `fn`: a `defer` statement of fn itself, or a func literal it defers. */
export function insideDefer(node: Node, fn: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type === 'defer_statement') return true;
    // Any other func literal runs whenever it is called: not known to be at the exit.
    if (cur.type === 'func_literal' && !(cur.parent?.type === 'call_expression' && cur.parent.parent?.type === 'defer_statement')) return false;
  }
  return false;
}

/** Whether `node` sits in a func literal of `fn` (it runs whenever that literal runs). */
export function insideLiteral(node: Node, fn: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) if (cur.type === 'func_literal') return true;
  return false;
}

/** Whether `fn` itself defers `node` to its exit (`defer close(ch)`, `defer func() { ch <- v }()`), not a literal it starts. */
function deferredBy(node: Node, fn: Node): boolean {
  const literal = outermostLiteral(node, fn);
  return literal ? literal.parent?.type === 'call_expression' && literal.parent.parent?.type === 'defer_statement' : insideDefer(node, fn);
}

/** The function (declaration, method or literal) that holds `node`. */
function enclosingFunction(node: Node | undefined): Node | undefined {
  for (let cur = node?.parent; cur; cur = cur.parent) if (cur.type === 'function_declaration' || cur.type === 'method_declaration' || cur.type === 'func_literal') return cur;
  return undefined;
}

/** The func literal of `fn` that holds `node`, outermost first; undefined when fn runs it itself. */
function outermostLiteral(node: Node, fn: Node): Node | undefined {
  let found: Node | undefined;
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) if (cur.type === 'func_literal') found = cur;
  return found;
}

/**
 * Whether fn hands a literal back without calling it: `return func() {…}`, or `closer = func() {…}`
 * for one of its named results or a field, with no call of that name in fn.
 */
function handedBackUncalled(literal: Node, fn: Node): boolean {
  const list = literal.parent;
  const stmt = list?.type === 'expression_list' ? list.parent : undefined;
  if (!stmt || insideLiteral(stmt, fn)) return false;
  if (stmt.type === 'return_statement') return true;
  if (stmt.type !== 'assignment_statement' || stmt.childForFieldName('right')?.id !== list!.id) return false;
  const target = stmt.childForFieldName('left')?.namedChild(list!.namedChildren.findIndex((c) => c.id === literal.id));
  if (!target) return false;
  const results = fn.childForFieldName('result');
  const named = results?.type === 'parameter_list' && results.descendantsOfType('identifier').some((id) => id.parent?.type === 'parameter_declaration' && id.text === target.text);
  if (target.type !== 'selector_expression' && !(target.type === 'identifier' && named)) return false;
  const text = fn.text.slice(0, literal.startIndex - fn.startIndex) + fn.text.slice(literal.endIndex - fn.startIndex);
  return !new RegExp(`(?<![\\w.])${escapeRegExp(target.text)}\\s*\\(`).test(text);
}

/** Whether a loop of `fn` holds both nodes: its next turn runs `other` again after the release. */
function inLoopAround(release: Node, other: Node, fn: Node): boolean {
  for (let cur = release.parent; cur && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type === 'for_statement' && other.startIndex >= cur.startIndex && other.endIndex <= cur.endIndex) return true;
  }
  return false;
}
