/**
 * Request/reply handshakes between a goroutine and the function that started it:
 *
 *     go func() {                          for … {
 *         for reply := range requests {        requests <- reply   // hand over
 *             swap(buf)   // owned here        <-reply             // blocked until released
 *             close(reply) // released      }
 *         }
 *     }()
 *
 * The spawning thread sends a request and then waits on it; the goroutine touches the shared data
 * only between receiving a request and releasing it. By the memory model (a send is ordered before
 * its receive completes, a close before a receive that sees it), everything the spawning thread does
 * outside its send-to-wait windows is ordered with what the goroutine does inside its window.
 */
import type { FuncUnit, Node } from './model.js';

interface Ancestor {
  type: string;
  start: number;
  end: number;
  node?: Node;
}

/** A send of a request and the receive that waits for its release, in the spawning thread. */
interface Window {
  start: number;
  end: number;
}

export interface HandshakeQueries {
  ancestorsOf(node: Node): Ancestor[] | undefined;
  /** The declaration an identifier refers to, as an opaque identity; undefined when unknown. */
  declOf(ident: Node): unknown;
}

export class Handshakes {
  /** The parent's windows per (parent function, request channel); null when some send is not waited on. */
  private readonly windows = new Map<string, Window[] | null>();

  constructor(private readonly q: HandshakeQueries) {}

  /**
   * Whether `access`, made by goroutine `g` itself, and `other`, made by the thread that started g,
   * are ordered by a handshake.
   */
  orders(access: Node, g: FuncUnit, other: Node): boolean {
    const spawn = g.spawn;
    const parent = spawn?.parent?.thread;
    if (spawn?.kind !== 'go' || !parent || !g.body) return false;
    const held = this.heldRequest(access, g);
    if (!held) return false;
    const windows = this.waitedWindows(parent, held.channel, g);
    if (!windows) return false;
    return !windows.some((w) => other.startIndex >= w.start && other.startIndex < w.end);
  }

  /** The request channel whose handshake window holds `access`, when one does. */
  private heldRequest(access: Node, g: FuncUnit): { channel: Node } | undefined {
    const ancestors = this.q.ancestorsOf(access);
    if (!ancestors) return undefined;
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const a = ancestors[i];
      if (a.start <= g.body!.startIndex) return undefined;
      if (a.type !== 'for_statement' || !a.node) continue;
      const range = a.node.namedChildren.find((c) => c.type === 'range_clause');
      const channel = range?.childForFieldName('right');
      const left = range?.childForFieldName('left')?.namedChildren ?? [];
      if (channel?.type !== 'identifier' || left.length !== 1 || left[0].type !== 'identifier') return undefined;
      const list = a.node.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list');
      if (!list) return undefined;
      const request = left[0].text;
      // The first release of the request must come after the statement that holds the access.
      for (const stmt of list.namedChildren) {
        if (releases(stmt, request)) return undefined;
        if (access.startIndex >= stmt.startIndex && access.startIndex < stmt.endIndex) break;
      }
      const after = list.namedChildren.filter((s) => s.startIndex > access.startIndex);
      return after.some((s) => releases(s, request)) ? { channel } : undefined;
    }
    return undefined;
  }

  /** Every send on `channel` in the parent's function, each followed by a wait for its release. */
  private waitedWindows(parent: FuncUnit, channel: Node, g: FuncUnit): Window[] | null {
    const key = `${parent.node.startIndex}:${channel.startIndex}`;
    let windows = this.windows.get(key);
    if (windows !== undefined) return windows;
    windows = [];
    const decl = this.q.declOf(channel);
    for (const send of parent.node.descendantsOfType('send_statement')) {
      if (send.startIndex >= g.node.startIndex && send.endIndex <= g.node.endIndex) continue;
      const target = send.childForFieldName('channel');
      if (target?.text !== channel.text || (decl !== undefined && this.q.declOf(target) !== decl)) continue;
      const wait = waitFor(send);
      if (!wait) {
        windows = null;
        break;
      }
      windows.push({ start: send.startIndex, end: wait.endIndex });
    }
    if (windows?.length === 0) windows = null;
    this.windows.set(key, windows);
    return windows;
  }
}

/** `close(r)`, `r <- v` or `<-r` as a statement of its own: the goroutine hands the request back. */
function releases(stmt: Node, request: string): boolean {
  if (stmt.type === 'send_statement') return stmt.childForFieldName('channel')?.text === request;
  if (stmt.type !== 'expression_statement') return false;
  const expr = stmt.namedChild(0);
  if (expr?.type === 'call_expression') {
    const args = expr.childForFieldName('arguments')?.namedChildren ?? [];
    return expr.childForFieldName('function')?.text === 'close' && args.length === 1 && args[0].text === request;
  }
  return isReceiveFrom(expr, request);
}

/** The statement after `requests <- r` (past further sends on r) that blocks on `<-r`. */
function waitFor(send: Node): Node | undefined {
  const value = send.childForFieldName('value');
  if (value?.type !== 'identifier') return undefined;
  for (let s = send.nextNamedSibling; s; s = s.nextNamedSibling) {
    if (s.type === 'comment') continue;
    if (s.type === 'send_statement' && s.childForFieldName('channel')?.text === value.text) continue;
    if (s.type === 'expression_statement' && isReceiveFrom(s.namedChild(0), value.text)) return s;
    // `cutoff := <-r`, `v = <-r`
    const right = s.type === 'short_var_declaration' || s.type === 'assignment_statement' ? s.childForFieldName('right')?.namedChildren : undefined;
    if (right?.length === 1 && isReceiveFrom(right[0], value.text)) return s;
    return undefined;
  }
  return undefined;
}

function isReceiveFrom(expr: Node | null | undefined, channel: string): boolean {
  return expr?.type === 'unary_expression' && expr.child(0)?.type === '<-' && expr.childForFieldName('operand')?.text === channel;
}
