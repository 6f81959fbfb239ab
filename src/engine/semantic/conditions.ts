/**
 * Guards: the conditions under which an access runs, read from the `if` statements around it up to the
 * function that starts the goroutines. Two accesses guarded by conditions that cannot both hold in one
 * call never run together:
 *
 *     if needPool {                          g.Go(func() error {
 *         g.Go(func() error {                    if !needPool {
 *             db, err = connect()                    db = shared   // never in the same call
 *
 * A condition counts only when its value cannot change during the call: what it compares is neither
 * assigned in the function (besides its one declaration) nor a loop's variable around the access.
 */
import type { Node } from './model.js';

/** One fact a guard establishes: `key` (a condition's text) holds or not. */
export interface GuardAtom {
  key: string;
  holds: boolean;
  /** The expressions the fact is about, whose values must stay fixed. */
  subjects: Node[];
}

export interface Guards {
  atoms: GuardAtom[];
  /** Loops between the access and the function: their variables change from turn to turn. */
  loops: Node[];
}

/** The ancestor levels a guard search reads (model.ts's Descender gives them, outermost first). */
export interface GuardLevel {
  type: string;
  start: number;
  end: number;
  node?: Node;
}

const CONVERSION = /^(?:string|bool|byte|rune|u?int(?:8|16|32|64)?|float(?:32|64))$/;

/** More levels than this are not read: a deep else-if chain is sorted out by its branches already. */
const MAX_GUARDS = 8;

/** The conditions that hold wherever `node` runs, up to (not including) the function `top`. */
export function guardsOf(node: Node, ancestors: readonly GuardLevel[], top: Node): Guards {
  const atoms: GuardAtom[] = [];
  const loops: Node[] = [];
  let child: { start: number; end: number } = { start: node.startIndex, end: node.endIndex };
  let ifs = 0;
  for (let i = ancestors.length - 1; i >= 0 && ifs < MAX_GUARDS; i--) {
    const a = ancestors[i];
    if (a.start < top.startIndex || (a.start === top.startIndex && a.end === top.endIndex)) break;
    if (a.type === 'for_statement' && a.node) loops.push(a.node);
    if (a.type === 'if_statement' && a.node) {
      ifs++;
      const cond = a.node.childForFieldName('condition');
      const consequence = a.node.childForFieldName('consequence');
      const alternative = a.node.childForFieldName('alternative');
      const holds = consequence?.startIndex === child.start ? true : alternative?.startIndex === child.start ? false : undefined;
      // A statement before the condition (`if err := f(); err != nil`) declares anew: not a fixed value.
      if (cond && holds !== undefined && !a.node.childForFieldName('initializer')) collectAtoms(cond, holds, atoms);
    }
    child = a;
  }
  return { atoms, loops };
}

function collectAtoms(cond: Node, holds: boolean, out: GuardAtom[]): void {
  if (cond.type === 'parenthesized_expression') {
    const inner = cond.namedChild(0);
    if (inner) collectAtoms(inner, holds, out);
    return;
  }
  if (cond.type === 'unary_expression' && cond.child(0)?.type === '!') {
    const operand = cond.childForFieldName('operand');
    if (operand) collectAtoms(operand, !holds, out);
    return;
  }
  if (cond.type === 'binary_expression') {
    const op = cond.childForFieldName('operator')?.type;
    const left = cond.childForFieldName('left');
    const right = cond.childForFieldName('right');
    if (!left || !right) return;
    // `a && b` holding, or `a || b` failing, makes each part a fact of its own.
    if ((op === '&&' && holds) || (op === '||' && !holds)) {
      collectAtoms(left, holds, out);
      collectAtoms(right, holds, out);
    } else if (op === '==' || op === '!=') {
      const key = [left.text, right.text].sort().join(' == ');
      out.push({ key, holds: op === '==' ? holds : !holds, subjects: [left, right] });
    }
    return;
  }
  if (cond.type === 'identifier' || cond.type === 'selector_expression') out.push({ key: cond.text, holds, subjects: [cond] });
}

/** A fact one access's guards state and the other's deny, about values fixed for the call of `fn`. */
export function contradiction(a: Guards, b: Guards, fn: Node): GuardAtom | undefined {
  for (const x of a.atoms) {
    const y = b.atoms.find((y) => y.key === x.key && y.holds !== x.holds);
    if (y && x.subjects.every((s) => fixedIn(s, fn, [...a.loops, ...b.loops]))) return x;
  }
  return undefined;
}

/**
 * Whether an expression keeps its value through the call of `fn`: a literal, or names and field paths
 * that `fn` declares at most once and never assigns, and that no loop around the accesses declares.
 */
function fixedIn(expr: Node, fn: Node, loops: readonly Node[]): boolean {
  if (/^(?:-?\d[\w.]*|"[^"]*"|`[^`]*`|'[^']*'|true|false|nil)$/.test(expr.text)) return true;
  // A conversion of a fixed value (`string(utils.DockerCompose)`).
  if (expr.type === 'call_expression' && CONVERSION.test(expr.childForFieldName('function')?.text ?? '')) {
    const args = expr.childForFieldName('arguments')?.namedChildren ?? [];
    return args.length === 1 && fixedIn(args[0], fn, loops);
  }
  if (expr.type !== 'identifier' && expr.type !== 'selector_expression') return false;
  if (!/^[\w.]+$/.test(expr.text)) return false;
  const parts = expr.text.split('.');
  const paths = parts.map((_, i) => parts.slice(0, i + 1).join('.'));
  let declarations = 0;
  for (const stmt of fn.descendantsOfType(['assignment_statement', 'short_var_declaration', 'inc_statement', 'dec_statement', 'var_spec', 'receive_statement'])) {
    const left = stmt.type === 'var_spec' ? stmt.namedChildren.filter((c) => c.type === 'identifier') : (stmt.childForFieldName('left')?.namedChildren ?? stmt.namedChildren.slice(0, 1));
    if (!left.some((l) => paths.includes(l.text))) continue;
    // `case e := <-events:` declares as `:=` does; `case v = <-c:` assigns.
    const declares = stmt.type === 'short_var_declaration' || stmt.type === 'var_spec' || (stmt.type === 'receive_statement' && stmt.children.some((c) => c.type === ':='));
    if (!declares) return false;
    // Declared inside a loop around the accesses: a new value each turn.
    if (loops.some((loop) => stmt.startIndex >= loop.startIndex && stmt.endIndex <= loop.endIndex)) return false;
    declarations++;
  }
  if (declarations > 1) return false;
  const root = new RegExp(`(?:^|[^\\w.])${parts[0]}\\b`);
  return !loops.some((loop) => {
    const clause = loop.namedChildren.find((c) => c.type === 'range_clause' || c.type === 'for_clause');
    return clause !== undefined && root.test(clause.text);
  });
}
