/**
 * Turn-taking over an unbuffered channel between a goroutine and the function that started it:
 *
 *     ch := make(chan string)
 *     go func() {                                for {
 *         for {                                      ch <- prompt          // hands the turn over
 *             line := read(<-ch)   // its turn       select {
 *             prompt = …                             case line := <-ch:    // the turn is back
 *             ch <- line           // hands back         prompt = …
 *         }                                          case <-quit:
 *     }()                                                return
 *                                                    }
 *                                                }
 *
 * When only these two use the channel, the parent starts with the turn, and on every path each side's
 * operations on it alternate (the parent sends then receives, the goroutine receives then sends or
 * closes), the k-th send of one side can only be the k-th receive of the other. By the memory model an
 * access made while one side holds the turn is then ordered with every access the other side makes
 * while it holds the turn.
 */
import type { Decl, FuncUnit, Node } from './model.js';
import { statementsOf, within } from './model.js';
import { flowAround, insideDefer, insideLiteral } from './gate.js';

/** Phases as a bit set: the side holds the turn, the other side does, or (the goroutine) it closed the channel. */
const MINE = 1;
const THEIRS = 2;
const DONE = 4;
/** More than the loop fixpoint can need: each turn of it adds a bit of three or stops. */
const MAX_LOOP_PASSES = 5;

type OpKind = 'send' | 'receive' | 'close';

export interface TurnQueries {
  /** The declaration an identifier refers to; undefined when unknown. */
  declOf(ident: Node): Decl | undefined;
}

/** A side's phases at the entry of each statement it runs (a loop: at its head). */
type Entries = Map<number, number>;

interface Turns {
  goroutine: Entries;
  parent: Entries;
  /** The channel operations, by the node that performs them. */
  ops: Map<number, OpKind>;
}

export class TurnTaking {
  private readonly turns = new Map<string, Turns | null>();

  constructor(private readonly q: TurnQueries) {}

  /** Whether `access`, made by goroutine g in its own body, and `other`, made by its parent, fall in turns of one channel. */
  orders(access: Node, g: FuncUnit, other: Node): boolean {
    const spawn = g.spawn;
    const site = spawn?.site;
    if (spawn?.kind !== 'go' || spawn.loop || site?.type !== 'go_statement' || !g.body || g.node.type !== 'func_literal') return false;
    // The cheap test first: walking up from a site deep in a long else-if chain costs the depth.
    const channels = this.channelsOf(g);
    if (channels.length === 0) return false;
    if (!within(access, g.body) || insideLiteral(access, g.node)) return false;
    const parentFn = flowAround(g, other);
    if (!parentFn || !within(site, parentFn) || insideLiteral(site, parentFn) || insideLiteral(other, parentFn) || insideDefer(other, parentFn)) return false;
    const parentBody = parentFn.childForFieldName('body');
    if (!parentBody) return false;
    for (const decl of channels) {
      const turns = this.turnsOf(decl, parentFn, parentBody, g, site);
      if (turns && phaseAt(turns.goroutine, turns.ops, access) === MINE && phaseAt(turns.parent, turns.ops, other) === MINE) return true;
    }
    return false;
  }

  private readonly channels = new Map<FuncUnit, Decl[]>();

  /** The local channels the goroutine sends on, receives from or closes. */
  private channelsOf(g: FuncUnit): Decl[] {
    const known = this.channels.get(g);
    if (known) return known;
    const found = new Set<Decl>();
    // The text first: each identifier's parent costs the depth of a site deep in an else-if chain.
    const identifiers = /<-|\bclose\(/.test(g.body!.text) ? g.body!.descendantsOfType('identifier') : [];
    for (const ident of identifiers) {
      if (!opOf(ident)) continue;
      const decl = this.q.declOf(ident);
      if (decl && !decl.packageLevel) found.add(decl);
    }
    this.channels.set(g, [...found]);
    return this.channels.get(g)!;
  }

  /** Each side's phases, when the channel is the pair's own and both sides keep the turns; null otherwise. */
  private turnsOf(decl: Decl, parentFn: Node, parentBody: Node, g: FuncUnit, site: Node): Turns | null {
    const key = `${decl.node.startIndex}:${g.node.startIndex}`;
    const known = this.turns.get(key);
    if (known !== undefined) return known;
    let found: Turns | null = null;
    const ops = this.opsOf(decl, parentFn, g, site);
    if (ops) {
      const goroutine = walk(g.body!, THEIRS, ops, site);
      const parent = goroutine && walk(parentBody, MINE, ops, site);
      if (goroutine && parent) found = { goroutine, parent, ops };
    }
    this.turns.set(key, found);
    return found;
  }

  /**
   * The operations on an unbuffered channel the parent made, when all its uses are plain operations:
   * the goroutine's in its own body (not deferred, not in a func literal), the parent's in its own
   * flow after the go statement.
   */
  private opsOf(decl: Decl, parentFn: Node, g: FuncUnit, site: Node): Map<number, OpKind> | undefined {
    const init = decl.init;
    if (init?.type !== 'call_expression' || init.childForFieldName('function')?.text !== 'make') return undefined;
    const args = init.childForFieldName('arguments')?.namedChildren ?? [];
    if (args[0]?.type !== 'channel_type' || !(args.length === 1 || (args.length === 2 && args[1].text === '0'))) return undefined;
    if (!within(decl.node, parentFn) || within(decl.node, g.node) || insideLiteral(decl.node, parentFn)) return undefined;
    const ops = new Map<number, OpKind>();
    for (const use of parentFn.descendantsOfType('identifier')) {
      if (use.text !== decl.name || use.id === decl.node.id || this.q.declOf(use) !== decl) continue;
      const op = opOf(use);
      if (!op) return undefined;
      if (within(use, g.node)) {
        if (insideLiteral(use, g.node) || insideDefer(use, g.node)) return undefined;
      } else if (insideLiteral(use, parentFn) || insideDefer(use, parentFn) || use.startIndex < site.endIndex || underGo(use, parentFn)) return undefined;
      ops.set(op.node.id, op.kind);
    }
    return ops.size > 0 ? ops : undefined;
  }
}

/** The operation an identifier is the channel of: `ch <- v`, `<-ch`, or `close(ch)` as a statement. */
function opOf(ident: Node): { node: Node; kind: OpKind } | undefined {
  const parent = ident.parent;
  if (!parent) return undefined;
  if (parent.type === 'send_statement' && parent.childForFieldName('channel')?.id === ident.id) return { node: parent, kind: 'send' };
  if (parent.type === 'unary_expression' && parent.child(0)?.type === '<-') return { node: parent, kind: 'receive' };
  const call = parent.type === 'argument_list' ? parent.parent : undefined;
  if (call?.type === 'call_expression' && call.childForFieldName('function')?.text === 'close' && parent.namedChildren.length === 1 && call.parent?.type === 'expression_statement') {
    return { node: call, kind: 'close' };
  }
  return undefined;
}

/** Whether `node` sits in a go statement of `fn` (its arguments are evaluated there, its literal runs elsewhere). */
function underGo(node: Node, fn: Node): boolean {
  for (let cur = node.parent; cur && cur.id !== fn.id; cur = cur.parent) if (cur.type === 'go_statement') return true;
  return false;
}

/** One step of the turns: undefined when the operation breaks them (a send without the turn, a receive with it). */
function step(phases: number, kind: OpKind): number | undefined {
  if (phases === 0) return 0;
  if (kind === 'receive') return phases === THEIRS ? MINE : undefined;
  if (phases !== MINE) return undefined;
  return kind === 'send' ? THEIRS : DONE;
}

/** The operations under `node` in the order they run (a send's own last), or those a header holds. */
function opsUnder(node: Node, ops: Map<number, OpKind>, stop?: (n: Node) => boolean): { node: Node; kind: OpKind }[] {
  const found: { node: Node; kind: OpKind }[] = [];
  const visit = (n: Node): void => {
    if (stop?.(n)) return;
    for (const c of n.namedChildren) visit(c);
    const kind = ops.get(n.id);
    if (kind) found.push({ node: n, kind });
  };
  visit(node);
  return found;
}

interface Jumps {
  loop: boolean;
  breaks: number;
  continues: number;
}

/** A side's phases at each statement of `body`, starting with `start`; undefined when the turns break. */
function walk(body: Node, start: number, ops: Map<number, OpKind>, skip: Node): Entries | undefined {
  const entries: Entries = new Map();
  const jumps: Jumps[] = [];
  let failed = false;
  const record = (n: Node, phases: number): void => {
    entries.set(n.id, (entries.get(n.id) ?? 0) | phases);
  };
  const apply = (phases: number, list: { kind: OpKind }[]): number => {
    for (const op of list) {
      const next = step(phases, op.kind);
      if (next === undefined) {
        failed = true;
        return 0;
      }
      phases = next;
    }
    return phases;
  };
  const hasOps = (n: Node): boolean => opsUnder(n, ops).length > 0;
  const isStatement = (n: Node): boolean => n.type.endsWith('_statement') || n.type === 'block' || n.type === 'statement_list';

  const seq = (list: Node[], phases: number): number => {
    for (const s of list) if (s.type !== 'comment') phases = stmt(s, phases);
    return phases;
  };
  const cases = (n: Node, phases: number): number => {
    const frame: Jumps = { loop: false, breaks: 0, continues: 0 };
    jumps.push(frame);
    let out = 0;
    let defaulted = false;
    for (const c of n.namedChildren) {
      if (c.type === 'default_case') defaulted = true;
      if (c.type !== 'expression_case' && c.type !== 'type_case' && c.type !== 'default_case' && c.type !== 'communication_case') continue;
      let entry = phases;
      const comm = c.type === 'communication_case' ? c.childForFieldName('communication') : undefined;
      if (comm) {
        record(comm, phases);
        entry = apply(phases, opsUnder(comm, ops));
      } else if (c.namedChildren.some((v) => !isStatement(v) && hasOps(v))) failed = true;
      const list = c.namedChildren.find((v) => v.type === 'statement_list');
      out |= list ? seq(list.namedChildren, entry) : entry;
    }
    jumps.pop();
    // A switch without a default may run no case; a select always runs one.
    return out | frame.breaks | (n.type !== 'select_statement' && !defaulted ? phases : 0);
  };
  const innermost = (loop: boolean): Jumps | undefined => {
    for (let i = jumps.length - 1; i >= 0; i--) if (!loop || jumps[i].loop) return jumps[i];
    return undefined;
  };

  const stmt = (n: Node, phases: number): number => {
    if (failed) return 0;
    record(n, phases);
    switch (n.type) {
      case 'block':
        return seq(statementsOf(n), phases);
      case 'statement_list':
        return seq(n.namedChildren, phases);
      case 'labeled_statement': {
        const inner = n.namedChildren.find((c) => c.type !== 'label_name');
        return inner ? stmt(inner, phases) : phases;
      }
      case 'if_statement': {
        const init = n.childForFieldName('initializer');
        let head = init ? stmt(init, phases) : phases;
        const cond = n.childForFieldName('condition');
        if (cond) head = apply(head, opsUnder(cond, ops));
        const consequence = n.childForFieldName('consequence');
        const alternative = n.childForFieldName('alternative');
        return (consequence ? stmt(consequence, head) : head) | (alternative ? stmt(alternative, head) : head);
      }
      case 'for_statement': {
        const body = n.childForFieldName('body');
        const header = n.namedChildren.filter((c) => c.id !== body?.id);
        if (header.some(hasOps) || !body) {
          failed = true;
          return 0;
        }
        const endless = header.length === 0 || header.every((c) => c.type === 'for_clause' && !c.childForFieldName('condition'));
        let head = phases;
        let frame: Jumps = { loop: true, breaks: 0, continues: 0 };
        for (let pass = 0; pass < MAX_LOOP_PASSES; pass++) {
          frame = { loop: true, breaks: 0, continues: 0 };
          jumps.push(frame);
          const out = stmt(body, head);
          jumps.pop();
          const next = head | out | frame.continues;
          if (next === head) break;
          head = next;
        }
        record(n, head);
        return (endless ? 0 : head) | frame.breaks;
      }
      case 'expression_switch_statement':
      case 'type_switch_statement': {
        const header = n.namedChildren.filter((c) => !c.type.endsWith('_case'));
        let head = phases;
        for (const h of header) head = isStatement(h) ? stmt(h, head) : apply(head, opsUnder(h, ops));
        return cases(n, head);
      }
      case 'select_statement':
        return cases(n, phases);
      case 'return_statement':
        apply(phases, opsUnder(n, ops));
        return 0;
      case 'break_statement':
      case 'continue_statement': {
        const frame = innermost(n.type === 'continue_statement');
        if (n.namedChildren.length > 0 || !frame) {
          failed = true;
          return 0;
        }
        if (n.type === 'break_statement') frame.breaks |= phases;
        else frame.continues |= phases;
        return 0;
      }
      case 'goto_statement':
      case 'fallthrough_statement':
        failed = true;
        return 0;
      case 'go_statement':
      case 'defer_statement':
        // The uses were checked: none runs in another goroutine or at exit, so these hold no operation.
        return n.id === skip.id || !hasOps(n) ? phases : ((failed = true), 0);
      default:
        return apply(phases, opsUnder(n, ops));
    }
  };
  stmt(body, start);
  return failed ? undefined : entries;
}

/**
 * A side's phase where `access` runs: that of the innermost statement recorded around it, past the
 * operations of that statement that run before it (a receive before it, or one whose value it is
 * assigned; never the statement's own send, which comes after its value).
 */
function phaseAt(entries: Entries, ops: Map<number, OpKind>, access: Node): number | undefined {
  let holder: Node | null = access;
  while (holder && !entries.has(holder.id)) holder = holder.parent;
  if (!holder) return undefined;
  let phases = entries.get(holder.id)!;
  const nested = (n: Node): boolean => n.id !== holder!.id && entries.has(n.id);
  const left = holder.childForFieldName('left');
  for (const op of opsUnder(holder, ops, nested)) {
    if (op.node.id === holder.id) continue;
    const before = op.node.endIndex <= access.startIndex || (left !== null && within(access, left) && op.kind === 'receive');
    if (!before) continue;
    const next = step(phases, op.kind);
    if (next === undefined) return undefined;
    phases = next;
  }
  return phases;
}
