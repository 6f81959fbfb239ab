/**
 * Test servers: a goroutine a test starts to play the server on a network endpoint the test opened.
 *
 *     ln, _ := net.Listen("tcp", ":0")
 *     go func() {
 *         conn, err := ln.Accept()   // waits for the test's client
 *         called = true              // then answers it
 *         conn.Write(reply)
 *     }()
 *     reply := ask(ln.Addr())        // the request, and its response
 *     check(called)
 *
 * Past its wait for a peer, such a goroutine answers only the test's own client: like a handler a
 * test serves (Spawn.sequential), what it does then is ordered with the test's code by each request
 * and its response. Which types are endpoints, and which of their methods wait for a peer, is models
 * data (`peerWaits`).
 */
import type { TypeRef } from './typeref.js';
import type { Decl, FuncUnit, Node } from './model.js';
import { methodCall, runsInPlace } from './model.js';
import { callsIn } from './gate.js';

export interface TestServerQueries {
  /** The declaration an identifier refers to; undefined when unknown. */
  declOf(ident: Node): Decl | undefined;
  /** The methods of an endpoint type that wait for a peer (the models' `peerWaits`). */
  peerWaits(type: TypeRef): readonly string[] | undefined;
}

/** Statements that run their calls unconditionally, with no block of their own. */
const SIMPLE_STATEMENTS = new Set(['expression_statement', 'assignment_statement', 'short_var_declaration', 'var_declaration']);
const ASSIGNMENTS = new Set(['assignment_statement', 'short_var_declaration']);

export class TestServers {
  constructor(private readonly q: TestServerQueries) {}

  /**
   * Whether `access`, made by goroutine `g` itself in test code, comes after g waited for a peer on an
   * endpoint its parent opened: then it is ordered with the parent's code.
   */
  orders(access: Node, g: FuncUnit): boolean {
    if (g.spawn?.kind !== 'go' || !g.body) return false;
    const list = g.body.namedChildren.find((c) => c.type === 'statement_list');
    return list ? this.waitsBefore(access, list, g) : false;
  }

  /** Whether, in `list`, a statement before the one holding `access`, or that statement's own call, waits for a peer. */
  private waitsBefore(access: Node, list: Node, g: FuncUnit): boolean {
    for (const stmt of list.namedChildren) {
      // `func() { conn, err := ln.Accept(); … }()`: a block run in place, as its statements would be.
      const inPlace = calledInPlace(stmt);
      if (access.startIndex < stmt.startIndex || access.startIndex >= stmt.endIndex) {
        if (SIMPLE_STATEMENTS.has(stmt.type) && callsIn(stmt).some((call) => this.waitsForPeer(call, g))) return true;
        if (inPlace && this.waitsBefore(stmt, inPlace, g)) return true;
        continue;
      }
      if (inPlace) return this.waitsBefore(access, inPlace, g);
      // `conn, err = ln.Accept()`: the targets are written once the wait is over.
      if (ASSIGNMENTS.has(stmt.type)) return assigns(stmt, access) && this.waitsForPeer(stmt.childForFieldName('right')?.namedChild(0) ?? null, g);
      // A serving loop: each round waits before it goes on.
      if (stmt.type === 'for_statement') {
        const inner = stmt.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list');
        return inner ? this.waitsBefore(access, inner, g) : false;
      }
      return false;
    }
    return false;
  }

  /** `ln.Accept()`, `pc.ReadFrom(buf)`: a waiting method called on an endpoint declared outside g. */
  private waitsForPeer(call: Node | null, g: FuncUnit): boolean {
    const mc = call && methodCall(call);
    if (!mc || mc.receiver.type !== 'identifier') return false;
    const decl = this.q.declOf(mc.receiver);
    if (!decl || (decl.node.startIndex >= g.node.startIndex && decl.node.endIndex <= g.node.endIndex)) return false;
    return this.q.peerWaits(decl.type)?.includes(mc.method) ?? false;
  }
}

/** The statements of a block a statement runs in place (see runsInPlace). */
function calledInPlace(stmt: Node): Node | undefined {
  const call = stmt.type === 'expression_statement' ? stmt.namedChild(0) : null;
  const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
  if (!fn || !runsInPlace(fn)) return undefined;
  return fn.childForFieldName('body')?.namedChildren.find((c) => c.type === 'statement_list');
}

/** Whether `access` is one of the names an assignment's left side writes. */
function assigns(stmt: Node, access: Node): boolean {
  const left = stmt.childForFieldName('left');
  return !!left && access.startIndex >= left.startIndex && access.endIndex <= left.endIndex;
}
