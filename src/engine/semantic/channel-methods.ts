/**
 * What a method does with channels and WaitGroups held by its receiver: `func (g gate) Enter() { <-g }`
 * waits on the receiver, `func (g gate) Leave() { g <- token{} }` signals it. A caller of Enter is then
 * ordered after a goroutine's earlier call of Leave on the same value, by the memory model's
 * send-before-receive rule (a buffered channel used as a semaphore, a done channel closed by Stop).
 * Likewise `Stop() { s.wg.Wait() }` waits for a goroutine that called `Leave() { s.wg.Done() }`.
 */
import type { Node } from './model.js';

export interface ChannelOps {
  /** Channels the method blocks on receiving from: '' is the receiver itself, `done` is `r.done`. */
  receives: Set<string>;
  /** Channels it sends on or closes. */
  signals: Set<string>;
  /** The receiver's fields it calls `Wait()` on (`wg` for `s.wg.Wait()`). */
  waits: Set<string>;
  /** The receiver's fields it calls `Done()` on. */
  done: Set<string>;
  /** The receiver's channel fields it returns (`return c.quit`): a caller's `<-c.Wait()` receives from them. */
  returns: Set<string>;
}

export const NO_CHANNEL_OPS: ChannelOps = { receives: new Set(), signals: new Set(), waits: new Set(), done: new Set(), returns: new Set() };

export function channelOpsOf(method: Node): ChannelOps {
  const receiver = method.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
  const name = receiver?.childForFieldName('name')?.text;
  const body = method.childForFieldName('body');
  if (!name || name === '_' || !body) return NO_CHANNEL_OPS;
  const pathOf = (expr: Node | null | undefined): string | undefined => {
    if (!expr) return undefined;
    if (expr.type === 'identifier') return expr.text === name ? '' : undefined;
    if (expr.type !== 'selector_expression') return undefined;
    const operand = expr.childForFieldName('operand');
    return operand?.type === 'identifier' && operand.text === name ? expr.childForFieldName('field')?.text : undefined;
  };
  const ops: ChannelOps = { receives: new Set(), signals: new Set(), waits: new Set(), done: new Set(), returns: new Set() };
  const returning = returnsChannel(method);
  for (const node of body.descendantsOfType(['unary_expression', 'send_statement', 'call_expression', 'return_statement'])) {
    if (insideLiteral(node, body)) continue;
    if (node.type === 'return_statement') {
      const values = node.namedChild(0)?.namedChildren ?? [];
      const path = returning && values.length === 1 ? pathOf(values[0]) : undefined;
      if (path) ops.returns.add(path);
    } else if (node.type === 'send_statement') {
      const path = pathOf(node.childForFieldName('channel'));
      if (path !== undefined) ops.signals.add(path);
    } else if (node.type === 'call_expression') {
      const fn = node.childForFieldName('function');
      const args = node.childForFieldName('arguments')?.namedChildren ?? [];
      const path = fn?.text === 'close' && args.length === 1 ? pathOf(args[0]) : undefined;
      if (path !== undefined) ops.signals.add(path);
      const method = fn?.type === 'selector_expression' ? fn.childForFieldName('field')?.text : undefined;
      // A field's Wait or Done (`s.wg.Wait()`); the receiver's own `s.Wait()` is another method.
      const group = (method === 'Wait' || method === 'Done') && args.length === 0 ? pathOf(fn!.childForFieldName('operand')) : undefined;
      // `go s.wg.Wait()` waits on another goroutine, not in the method.
      if (group && method === 'Wait' && node.parent?.type !== 'go_statement') ops.waits.add(group);
      else if (group && method === 'Done') ops.done.add(group);
    } else if (node.child(0)?.type === '<-' && !inSelectWithDefault(node, body)) {
      const path = pathOf(node.childForFieldName('operand'));
      if (path !== undefined) ops.receives.add(path);
    }
  }
  return ops;
}

/** Whether a function's result is a channel (`chan T`, `<-chan T`). */
export function returnsChannel(fn: Node): boolean {
  return /^(?:<-\s*)?chan\b/.test(fn.childForFieldName('result')?.text ?? '');
}

/** A function's parameters by name: the argument position each takes, and whether it is a channel. */
export function paramPositions(fn: Node): Map<string, { index: number; channel: boolean }> {
  const params = fn.childForFieldName('parameters')?.namedChildren.filter((c) => c.type === 'parameter_declaration') ?? [];
  const positions = new Map<string, { index: number; channel: boolean }>();
  let index = 0;
  for (const param of params) {
    const names = param.namedChildren.filter((c) => c.type === 'identifier');
    const channel = param.childForFieldName('type')?.type === 'channel_type';
    for (const name of names.length > 0 ? names : [undefined]) {
      if (name) positions.set(name.text, { index, channel });
      index++;
    }
  }
  return positions;
}

/**
 * The channels a function waits on that its caller hands it: a channel parameter it receives from
 * (not in a select with a default case) or ranges over, in its own body (`drainErrors(t, errc, 2)`),
 * or a channel field of a parameter (`<-future.Done` for a `future *Future` parameter). Each is a
 * parameter's position and, for a field, the field's name. A call that passes such a channel waits
 * as a receive would.
 */
export function channelParamsWaitedOn(fn: Node): WaitedParam[] {
  const waited: WaitedParam[] = [];
  const body = fn.childForFieldName('body');
  const positions = paramPositions(fn);
  if (!body || positions.size === 0) return waited;
  for (const node of body.descendantsOfType(['unary_expression', 'range_clause'])) {
    if (insideLiteral(node, body)) continue;
    let channel: Node | null = null;
    if (node.type === 'range_clause') channel = node.childForFieldName('right');
    else if (node.child(0)?.type === '<-' && !inSelectWithDefault(node, body)) channel = node.childForFieldName('operand');
    if (channel?.type === 'identifier') {
      const param = positions.get(channel.text);
      if (param?.channel && !waited.some((w) => w.index === param.index && w.field === undefined)) waited.push({ index: param.index });
    } else if (channel?.type === 'selector_expression' && channel.childForFieldName('operand')?.type === 'identifier') {
      const param = positions.get(channel.childForFieldName('operand')!.text);
      const field = channel.childForFieldName('field')?.text;
      if (param && !param.channel && field && !waited.some((w) => w.index === param.index && w.field === field)) waited.push({ index: param.index, field });
    }
  }
  return waited;
}

/**
 * The positions of the channel parameters a function sends on or closes in its own body
 * (`func signal(ch chan struct{}) { close(ch) }`): a call that passes a channel there signals it.
 */
export function channelParamsSignaled(fn: Node): number[] {
  const signaled: number[] = [];
  const body = fn.childForFieldName('body');
  const positions = paramPositions(fn);
  if (!body || positions.size === 0) return signaled;
  for (const node of body.descendantsOfType(['send_statement', 'call_expression'])) {
    if (insideLiteral(node, body)) continue;
    let channel: Node | null | undefined;
    if (node.type === 'send_statement') channel = node.childForFieldName('channel');
    else if (node.childForFieldName('function')?.text === 'close') channel = node.childForFieldName('arguments')?.namedChildren[0];
    const param = channel?.type === 'identifier' ? positions.get(channel.text) : undefined;
    if (param?.channel && !signaled.includes(param.index)) signaled.push(param.index);
  }
  return signaled;
}

/** A channel a function waits on, reached through its parameter at `index` (and its `field`). */
export interface WaitedParam {
  index: number;
  field?: string;
}

/** Code in a func literal may run later or elsewhere: it is not what the method itself does. */
function insideLiteral(node: Node, body: Node): boolean {
  for (let p = node.parent; p && p.startIndex >= body.startIndex; p = p.parent) {
    if (p.type === 'func_literal') return true;
    if (p.startIndex === body.startIndex && p.endIndex === body.endIndex) return false;
  }
  return false;
}

/** A receive in a select with a default case does not wait. */
function inSelectWithDefault(node: Node, body: Node): boolean {
  for (let p = node.parent; p && p.startIndex >= body.startIndex; p = p.parent) {
    if (p.type === 'select_statement') return p.namedChildren.some((c) => c.type === 'default_case');
    if (p.type === 'func_literal') return false;
  }
  return false;
}
