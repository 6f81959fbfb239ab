/**
 * The reverse edge of an unbuffered channel: a receive is synchronized before the completion of the
 * send it takes (the Go memory model). When a goroutine is a channel's only sender, sending as plain
 * statements of its body, and the function that started it is its only receiver, receiving as plain
 * statements of its own flow, the k-th send pairs with the k-th receive:
 *
 *     ch := make(chan int)
 *     go func() {                          if sent { … }   // before the first receive
 *         ch <- 0                          v := <-ch
 *         sent = true  // after the first send completes
 *     }()
 *
 * The parent's access with fewer than k receives before it comes before the goroutine's access
 * after its k-th send.
 */
import type { Decl, FuncUnit, Node } from './model.js';
import { callArguments, insideLoopOf, statementsOf, within } from './model.js';
import { flowAround, insideDefer, insideLiteral } from './gate.js';

export interface UnbufferedQueries {
  /** The declaration an identifier refers to; undefined when unknown. */
  declOf(ident: Node): Decl | undefined;
}

/** Where a channel's receives stand in the parent's flow; undefined when the channel is not the pair's own. */
type Receives = number[] | undefined;

export class UnbufferedReceives {
  private readonly receives = new Map<Decl, Receives>();

  constructor(private readonly q: UnbufferedQueries) {}

  orders(access: Node, g: FuncUnit, other: Node): boolean {
    const spawn = g.spawn;
    if (spawn?.kind !== 'go' || spawn.loop || spawn.site?.type !== 'go_statement' || !g.body) return false;
    const parentFn = flowAround(g, other);
    if (!parentFn || insideLiteral(other, parentFn) || insideDefer(other, parentFn) || insideLoopOf(other, parentFn)) return false;
    // The goroutine's sends that complete before its access, by channel.
    const sent = new Map<Decl, number>();
    for (const stmt of statementsOf(g.body)) {
      if (stmt.endIndex > access.startIndex) break;
      const channel = stmt.type === 'send_statement' ? stmt.childForFieldName('channel') : undefined;
      const decl = channel?.type === 'identifier' ? this.q.declOf(channel) : undefined;
      if (decl) sent.set(decl, (sent.get(decl) ?? 0) + 1);
    }
    for (const [decl, k] of sent) {
      const receives = this.receivesOf(decl, parentFn, g);
      if (receives && receives.filter((end) => end <= other.startIndex).length < k) return true;
    }
    return false;
  }

  /**
   * The ends of the parent's receives of an unbuffered channel it made, when g is its only sender
   * (plain statements of its body, and perhaps a close) and the parent its only receiver (plain receives of its own flow,
   * outside any loop or select); undefined otherwise.
   */
  private receivesOf(decl: Decl, parentFn: Node, g: FuncUnit): Receives {
    if (this.receives.has(decl)) return this.receives.get(decl);
    let found: Receives = undefined;
    const init = decl.init;
    const made = init?.type === 'call_expression' && init.childForFieldName('function')?.text === 'make';
    const args = made ? callArguments(init) : [];
    if (made && (args.length === 1 || (args.length === 2 && args[1].text === '0')) && within(decl.node, parentFn) && !within(decl.node, g.node)) {
      found = [];
      const sends = new Set(statementsOf(g.body).filter((s) => s.type === 'send_statement').map((s) => s.childForFieldName('channel')?.id));
      for (const use of parentFn.descendantsOfType('identifier')) {
        if (use.text !== decl.name || use.id === decl.node.id || this.q.declOf(use) !== decl) continue;
        if (within(use, g.node)) {
          // Its sends, and a close after them (a receive that sees the close pairs with no send).
          if (sends.has(use.id) || closes(use)) continue;
          found = undefined;
          break;
        }
        const receive = use.parent?.type === 'unary_expression' && use.parent.child(0)?.type === '<-' ? use.parent : undefined;
        if (!receive || !plainReceive(receive) || insideLiteral(receive, parentFn) || insideDefer(receive, parentFn) || insideLoopOf(receive, parentFn)) {
          found = undefined;
          break;
        }
        found.push(receive.endIndex);
      }
    }
    this.receives.set(decl, found);
    return found;
  }
}

/** `<-ch` as a statement, or the value of a declaration or assignment (also an `if` initializer): not a select's case. */
function plainReceive(receive: Node): boolean {
  const parent = receive.parent;
  if (parent?.type === 'expression_statement') return true;
  const stmt = parent?.type === 'expression_list' ? parent.parent : undefined;
  return (stmt?.type === 'short_var_declaration' || stmt?.type === 'assignment_statement') && stmt.parent?.type !== 'communication_case';
}

/** `close(ch)` as a statement. */
function closes(use: Node): boolean {
  const call = use.parent?.type === 'argument_list' ? use.parent.parent : undefined;
  return call?.type === 'call_expression' && call.childForFieldName('function')?.text === 'close' && call.parent?.type === 'expression_statement';
}
