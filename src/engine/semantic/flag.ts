/**
 * Flags: a goroutine publishes its work by setting an atomic flag after it, and the code that reads
 * the work first sees the flag set.
 *
 *     go func() {                              require.Eventually(t, done.Load, time.Second, tick)
 *         defer done.Store(true) // published   use(result)   // ordered: done was seen set
 *         result = compute()
 *     }()
 *
 * By the memory model an atomic store is ordered before a load that observes it, so what the
 * goroutine wrote before the store is ordered before what follows a load that saw the flag set: the
 * body of `if done.Load() { … }`, the code after `for !done.Load() { … }`, after an early
 * `if !done.Load() { return }`, after a call the models say returns only once a condition
 * argument returned true (`require.Eventually(t, done.Load, …)`; the models' `waitsUntilTrue`), or
 * after a counted poll whose only break follows a load that saw it set, when running out of tries
 * ends the function (`for ; i < n; i++ { if done.Load() { break }; … }` then `if i == n { t.FailNow() }`).
 */
import type { FuncUnit, Node } from './model.js';
import { callArguments, nextStatement, statementsOf } from './model.js';
import { escapeRegExp } from '../regexp.js';

export interface FlagQueries {
  /** The argument positions a call's model says it waits on until they return true. */
  waitsUntilTrue(call: Node): readonly number[] | undefined;
  /** Whether a call of this function text never returns (`t.FailNow`, `os.Exit`). */
  neverReturns(fnText: string): boolean;
}

/** Method calls that set a flag: sync/atomic's types and abool-style flags. */
const SETTING_METHOD = /^(Store|Set|SetTo|Add|Swap|CompareAndSwap)$/;
const SETTING_TEXT = /\.(?:Store|Set|SetTo|Add|Swap|CompareAndSwap)\(|\batomic\.(?:Store|Add|Swap|CompareAndSwap)/;
/** Values that leave a flag unset. */
const UNSET_VALUE = /^(false|0)$/;

export class Flags {
  constructor(private readonly q: FlagQueries) {}

  /**
   * Whether `access`, made by goroutine `g` itself, and `other`, made by the thread that started g,
   * are ordered because g sets a flag after `access` that the parent sees set before `other`.
   */
  orders(access: Node, g: FuncUnit, other: Node): boolean {
    if (g.spawn?.kind !== 'go' || !g.body || !this.setsSomeFlag(g)) return false;
    const flags = setAfter(access, g.body);
    if (flags.length === 0) return false;
    const root = g.spawn.parent?.thread.node;
    return root !== undefined && flags.some((flag) => this.seenSetBefore(other, flag, root));
  }

  /**
   * Whether goroutine `g`, started in a loop's body, sets a flag after `access` that the body waits
   * to see set after the `go` statement, with no `continue` between: the loop's next turn comes after.
   */
  seenInIteration(access: Node, g: FuncUnit, loopBody: Node): boolean {
    const site = g.spawn?.site;
    if (g.spawn?.kind !== 'go' || !g.body || !site || !this.setsSomeFlag(g)) return false;
    const loads = setAfter(access, g.body).map(loadPattern);
    if (loads.length === 0) return false;
    for (let cur: Node | null = site; cur && cur.id !== loopBody.id; cur = cur.parent) {
      if (cur.parent?.type !== 'statement_list') continue;
      for (let next = cur.nextNamedSibling; next; next = next.nextNamedSibling) {
        if (loads.some((load) => this.waitsForSet(next!, load))) return true;
        if (next.type === 'continue_statement' || next.descendantsOfType('continue_statement').length > 0) return false;
      }
    }
    return false;
  }

  private readonly setting = new Map<number, boolean>();

  /** A text test, once per goroutine: walking up from each access costs as much as the tree is deep. */
  private setsSomeFlag(g: FuncUnit): boolean {
    let sets = this.setting.get(g.node.id);
    if (sets === undefined) this.setting.set(g.node.id, (sets = SETTING_TEXT.test(g.body!.text)));
    return sets;
  }

  /** Whether `other` runs only after a load of `flag` saw it set, within `root`. */
  private seenSetBefore(other: Node, flag: string, root: Node): boolean {
    const load = loadPattern(flag);
    for (let cur: Node | null = other; cur && cur.id !== root.id; cur = cur.parent) {
      const parent = cur.parent;
      if (!parent) break;
      if (parent.type === 'if_statement' && parent.childForFieldName('consequence')?.id === cur.id) {
        const cond = parent.childForFieldName('condition');
        if (cond && positive(cond, load)) return true;
      }
      if (parent.type !== 'statement_list') continue;
      for (const before of parent.namedChildren) {
        if (before.startIndex >= cur.startIndex) break;
        if (this.waitsForSet(before, load)) return true;
      }
    }
    return false;
  }

  /** A statement after which the flag was seen set: a spin loop, an early return, a waiting call. */
  private waitsForSet(stmt: Node, load: RegExp): boolean {
    if (stmt.type === 'for_statement') {
      const cond = stmt.namedChildren.find((c) => c.type !== 'block' && c.type !== 'for_clause' && c.type !== 'range_clause' && c.type !== 'comment');
      if (cond !== undefined) return negated(cond, load) && !stmt.descendantsOfType('break_statement').length;
      return this.countedPoll(stmt, load);
    }
    if (stmt.type === 'if_statement') {
      const cond = stmt.childForFieldName('condition');
      const last = statementsOf(stmt.childForFieldName('consequence')).at(-1);
      return !stmt.childForFieldName('alternative') && cond !== null && negated(cond, load) && last?.type === 'return_statement';
    }
    const call = stmt.type === 'expression_statement' ? stmt.namedChild(0) : undefined;
    if (call?.type !== 'call_expression') return false;
    const args = callArguments(call);
    return (this.q.waitsUntilTrue(call) ?? []).some((i) => args[i] !== undefined && conditionOf(args[i], load));
  }

  /**
   * `for ; i < n; i++ { if done.Load() { break }; … }` followed by `if i == n { …; t.FailNow() }`:
   * the loop's one break follows a load that saw the flag set, and the code after the check runs only
   * when the loop left by it (the counter, declared outside, stopped short of n).
   */
  private countedPoll(loop: Node, load: RegExp): boolean {
    const clause = loop.namedChildren.find((c) => c.type === 'for_clause');
    const bound = clause?.childForFieldName('condition');
    const counted = bound?.type === 'binary_expression' && bound.childForFieldName('operator')?.text === '<' ? bound : undefined;
    const counter = counted?.childForFieldName('left');
    const limit = counted?.childForFieldName('right');
    if (!clause || clause.childForFieldName('initializer') || counter?.type !== 'identifier' || !limit) return false;
    const breaks = loop.descendantsOfType('break_statement');
    if (breaks.length !== 1 || breaks[0].namedChildCount > 0 || loop.descendantsOfType(['goto_statement', 'func_literal']).length > 0) return false;
    const seen = breaks[0].parent?.parent?.parent;
    const cond = seen?.type === 'if_statement' && seen.parent?.parent?.id === loop.childForFieldName('body')?.id ? seen.childForFieldName('condition') : undefined;
    if (!cond || !positive(cond, load) || statementsOf(seen!.childForFieldName('consequence')).length !== 1) return false;
    const check = nextStatement(loop);
    const checked = check?.type === 'if_statement' && !check.childForFieldName('initializer') && !check.childForFieldName('alternative') ? check.childForFieldName('condition') : undefined;
    const ranOut = new RegExp(`^${escapeRegExp(counter.text)}\\s*(?:==|>=)\\s*${escapeRegExp(limit.text)}$`);
    return !!checked && ranOut.test(checked.text) && this.ends(check!.childForFieldName('consequence'));
  }

  /** A block whose last statement returns or calls something that never returns. */
  private ends(block: Node | null): boolean {
    const last = statementsOf(block).at(-1);
    if (last?.type === 'return_statement') return true;
    const call = last?.type === 'expression_statement' ? last.namedChild(0) : undefined;
    const fn = call?.type === 'call_expression' ? call.childForFieldName('function')?.text : undefined;
    return fn !== undefined && this.q.neverReturns(fn);
  }
}

/**
 * The flags `g` sets after `access`: a setting call in a statement that follows the one holding the
 * access in its statement list, or a deferred one in g's own body (it runs when g ends).
 */
function setAfter(access: Node, body: Node): string[] {
  const flags: string[] = [];
  for (const stmt of statementsOf(body)) {
    if (stmt.type !== 'defer_statement') continue;
    for (const call of stmt.descendantsOfType('call_expression')) {
      const flag = flagSetBy(call);
      if (flag) flags.push(flag);
    }
  }
  for (let cur: Node | null = access; cur && cur.id !== body.id; cur = cur.parent) {
    const parent = cur.parent;
    // `for range src.Events() { …; count.Add(1) }`: the range expression is read before the body runs.
    if (cur.type === 'range_clause' && parent?.type === 'for_statement') {
      for (const stmt of statementsOf(parent.childForFieldName('body'))) flags.push(...setBy(stmt));
    }
    if (parent?.type !== 'statement_list') continue;
    for (const later of parent.namedChildren) {
      if (later.startIndex > cur.startIndex) flags.push(...setBy(later));
    }
    // Only the innermost list: a later statement of an outer one may never run (a return comes first).
    break;
  }
  return flags;
}

/** The flag an expression statement sets, if it is one setting call. */
function setBy(stmt: Node): string[] {
  const call = stmt.type === 'expression_statement' ? stmt.namedChild(0) : undefined;
  const flag = call?.type === 'call_expression' ? flagSetBy(call) : undefined;
  return flag ? [flag] : [];
}

/** `done.Store(true)`, `ready.Set()`, `atomic.StoreInt32(&state, 1)`: the flag's text. */
function flagSetBy(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'selector_expression') return undefined;
  const method = fn.childForFieldName('field')?.text ?? '';
  const operand = fn.childForFieldName('operand');
  const args = callArguments(call);
  if (operand?.text === 'atomic' && /^(Store|Add|Swap|CompareAndSwap)/.test(method)) {
    const target = args[0];
    const value = args.at(-1);
    if (target?.type !== 'unary_expression' || target.child(0)?.type !== '&' || !value || UNSET_VALUE.test(value.text)) return undefined;
    return target.childForFieldName('operand')?.text;
  }
  if (!operand || !SETTING_METHOD.test(method) || !/^[\w.]+$/.test(operand.text)) return undefined;
  if (method === 'Set' ? args.length !== 0 : args.length === 0 || UNSET_VALUE.test(args.at(-1)!.text)) return undefined;
  return operand.text;
}

function loadPattern(flag: string): RegExp {
  const f = escapeRegExp(flag);
  return new RegExp(`(?:^|[^\\w.])(?:${f}\\.(?:Load|IsSet)\\(\\)|atomic\\.Load\\w*\\(\\s*&${f}\\s*\\))`);
}

/** A condition that holds only when the flag is set: `done.Load()`, `a && done.Load()`. */
function positive(cond: Node, load: RegExp): boolean {
  const text = cond.text;
  if (!load.test(text) || text.includes('||')) return false;
  return !/!\s*[\w.]+\.(Load|IsSet)\(|==\s*(false|0)\b/.test(text);
}

/** A condition that holds while the flag is unset: `!done.Load()`, `atomic.LoadInt32(&s) == 0`. */
function negated(cond: Node, load: RegExp): boolean {
  const text = cond.text.trim();
  return load.test(text) && !text.includes('&&') && !text.includes('||') && (/^!/.test(text) || /==\s*(false|0)$/.test(text));
}

/** A condition argument that returns whether the flag is set: `done.Load`, `func() bool { return done.Load() }`. */
function conditionOf(arg: Node, load: RegExp): boolean {
  if (arg.type === 'selector_expression') return load.test(`${arg.text}()`);
  if (arg.type !== 'func_literal') return false;
  const stmts = statementsOf(arg.childForFieldName('body'));
  const ret = stmts.length === 1 && stmts[0].type === 'return_statement' ? stmts[0].namedChild(0) : undefined;
  return ret !== undefined && ret !== null && positive(ret, load);
}
