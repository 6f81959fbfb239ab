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
 */
import type { Decl, FuncUnit, Node } from './model.js';
import { callArguments, methodCall, within } from './model.js';

const WAITING_CALL = /^([Ww]ait|[Aa]cquire|[Aa]ccept|[Rr]ecv|[Rr]eceive)([A-Z0-9_]|$)/;
/** A context is released by its cancel func, never by a call that takes it: not a gate. */
const CONTEXT_NAME = /^(ctx|context)$|Ctx$/;

export interface GateQueries {
  /** The declaration an identifier refers to; undefined when unknown. */
  declOf(ident: Node): Decl | undefined;
}

interface GateKey {
  text: string;
  decl: Decl;
}

export class Gates {
  constructor(private readonly q: GateQueries) {}

  /**
   * Whether `access`, made by goroutine `g` itself, and `other`, made by the function that started g,
   * are ordered because g reaches `access` only after a waiting call on a value that the parent calls
   * again after `other`.
   */
  orders(access: Node, g: FuncUnit, other: Node): boolean {
    if (g.spawn?.kind !== 'go' || !g.spawn.parent || !g.body) return false;
    const keys = this.waitedOn(access, g);
    if (keys.length === 0) return false;
    return this.releasedAfter(other, g.spawn.parent.node, g.node, keys);
  }

  /** The values g waits on, in its own top-level statements, before the statement holding `access`. */
  private waitedOn(access: Node, g: FuncUnit): GateKey[] {
    const list = g.body!.namedChildren.find((c) => c.type === 'statement_list');
    if (!list) return [];
    const keys: GateKey[] = [];
    for (const stmt of list.namedChildren) {
      if (access.startIndex >= stmt.startIndex && access.startIndex < stmt.endIndex) return keys;
      for (const call of callsIn(stmt)) {
        const mc = methodCall(call);
        const name = mc?.method ?? call.childForFieldName('function')?.text ?? '';
        if (!WAITING_CALL.test(name)) continue;
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
    for (let cur: Node | null = other; cur && cur.startIndex >= parentFn.startIndex && cur.id !== parentFn.id; cur = cur.parent) {
      if (cur.type === 'func_literal') return false;
      const list = cur.parent;
      if (list?.type !== 'statement_list') continue;
      for (let s = cur.nextNamedSibling; s; s = s.nextNamedSibling) {
        if (s.startIndex < goroutine.endIndex && s.endIndex > goroutine.startIndex) continue;
        if (callsIn(s).some((call) => this.releases(call, keys))) return true;
      }
    }
    return false;
  }

  private releases(call: Node, keys: GateKey[]): boolean {
    const mc = methodCall(call);
    if (mc && WAITING_CALL.test(mc.method)) return false;
    return [mc?.receiver, ...callArguments(call)].some((operand) => {
      const key = operand && this.keyOf(operand);
      return key && keys.some((k) => k.text === key.text && k.decl === key.decl);
    });
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

/**
 * Sends that release: a goroutine that reaches an access only after receiving from a channel its
 * parent made, when the parent sends on (or closes) that channel only after its own access.
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
 * stored or sent from anywhere else.
 */
export class ReleasingSends {
  constructor(private readonly q: GateQueries) {}

  orders(access: Node, g: FuncUnit, other: Node): boolean {
    const parentFn = g.spawn?.parent?.node;
    if (g.spawn?.kind !== 'go' || !parentFn || insideDefer(other, parentFn)) return false;
    return this.receivedBefore(access, g).some((ch) => this.sentOnlyAfter(ch, other, parentFn, g));
  }

  /** Channels g has received from before `access`: the `case <-ch:` around it, or a `<-ch;` statement earlier in a block around it. */
  private receivedBefore(access: Node, g: FuncUnit): Node[] {
    const out: Node[] = [];
    for (let cur: Node | null = access; cur && cur.id !== g.node.id; cur = cur.parent) {
      if (cur.type === 'func_literal') return [];
      if (cur.type === 'communication_case') {
        const ch = receivedOperand(cur.childForFieldName('communication'));
        if (ch) out.push(ch);
      }
      if (cur.parent?.type === 'statement_list') {
        for (let s = cur.previousNamedSibling; s; s = s.previousNamedSibling) {
          const ch = s.type === 'expression_statement' ? receivedOperand(s.namedChild(0)) : undefined;
          if (ch) out.push(ch);
        }
      }
    }
    return out;
  }

  /** Whether every send on and close of `ch` is the parent's own, after `other` and outside a loop around it. */
  private sentOnlyAfter(ch: Node, other: Node, parentFn: Node, g: FuncUnit): boolean {
    const decl = this.q.declOf(ch);
    if (!decl || decl.node.startIndex < parentFn.startIndex || decl.node.endIndex > parentFn.endIndex || within(decl.node, g.node)) return false;
    let releases = 0;
    for (const use of parentFn.descendantsOfType('identifier')) {
      if (use.text !== ch.text || use.startIndex === decl.node.startIndex || this.q.declOf(use) !== decl) continue;
      const parent = use.parent;
      if (parent?.type === 'unary_expression' && parent.child(0)?.type === '<-') continue; // a receive
      const send = parent?.type === 'send_statement' && parent.childForFieldName('channel')?.id === use.id ? parent : undefined;
      const close = parent?.type === 'argument_list' && parent.parent?.childForFieldName('function')?.text === 'close' ? parent.parent : undefined;
      const release = send ?? close;
      if (!release) return false; // passed, stored or reassigned: others may send
      const deferred = insideDefer(release, parentFn);
      if (!deferred && (insideLiteral(release, parentFn) || release.startIndex < other.endIndex || inLoopAround(release, other, parentFn))) return false;
      releases++;
    }
    return releases > 0;
  }
}

/** The channel a receive reads (`<-ch`, `case <-ch:`, `case v := <-ch:`), when it is a plain name. */
function receivedOperand(node: Node | null | undefined): Node | undefined {
  const receive = node?.type === 'receive_statement' ? node.childForFieldName('right') : node;
  if (receive?.type !== 'unary_expression' || receive.child(0)?.type !== '<-') return undefined;
  const operand = receive.childForFieldName('operand');
  return operand?.type === 'identifier' ? operand : undefined;
}

/** Whether `node` runs in a deferred call of `fn`: a `defer` statement of fn itself, or a func literal it defers. */
function insideDefer(node: Node, fn: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type === 'defer_statement') return true;
    // Any other func literal runs whenever it is called: not known to be at the exit.
    if (cur.type === 'func_literal' && !(cur.parent?.type === 'call_expression' && cur.parent.parent?.type === 'defer_statement')) return false;
  }
  return false;
}

/** Whether `node` sits in a func literal of `fn` (it runs whenever that literal runs). */
function insideLiteral(node: Node, fn: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) if (cur.type === 'func_literal') return true;
  return false;
}

/** Whether a loop of `fn` holds both nodes: its next turn runs `other` again after the release. */
function inLoopAround(release: Node, other: Node, fn: Node): boolean {
  for (let cur = release.parent; cur && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type === 'for_statement' && other.startIndex >= cur.startIndex && other.endIndex <= cur.endIndex) return true;
  }
  return false;
}
