/**
 * removed-sync: a pull request deletes the synchronization that made unchanged code safe: a lock, a
 * copy before sharing, a per-iteration copy (before Go 1.22), a goroutine-local declaration, or a
 * join. The deleted line is the evidence, so this rule compares the base and head of a file.
 */
import type Parser from 'tree-sitter';
import type { FileDelta } from '../delta.js';
import type { DifferentialRule, RemovalDiagnostic, VersionPair } from '../rule.js';
import { compareGoVersions } from '../goversion.js';
import { fieldChildren } from '../parse.js';
import type { ApiModels } from '../models/index.js';
import { escapeRegExp } from '../regexp.js';

type Node = Parser.SyntaxNode;

const FUNCTION_TYPES = new Set(['function_declaration', 'method_declaration', 'func_literal']);
const WAIT = /^\s*(?:defer\s+)?([\w.]+?)\.Wait\(\)\s*(?:\/\/.*)?$|^\s*(?:defer\s+)?(?:_\s*=\s*)?<-\s*([\w.]+)\s*(?:\/\/.*)?$/;
// A slice copied by appending it to an empty one (`append([]string{}, s...)`, `append([]T(nil), s...)`, `append(s[:0:0], s...)`).
const APPEND_COPY = /\bappend\(\s*(?:\[\][\w.*]+(?:\{\}|\(nil\))|[\w.]+\[:0:0\])\s*,\s*([\w.]+)\.\.\.\s*\)/;
const COPY_CALL = new RegExp(`\\b(Copy|Clone|DeepCopy|DeepCopyInto|Dup)\\(\\)|\\b(?:maps|slices)\\.Clone\\(|${APPEND_COPY.source}`);
const SELF_COPY = /^\s*([\w, ]+?)\s*:=\s*([\w, ]+?)\s*(?:\/\/.*)?$/;
const LOCAL_DECL = /^\s*(?:var\s+(\w+(?:\s*,\s*\w+)*)\b|(\w+(?:\s*,\s*\w+)*)\s*:=)/;
const MUTATING_METHODS = new Set(['Set', 'Add', 'Del', 'Delete', 'Store', 'Append', 'Insert', 'Put', 'Reset', 'Sort', 'Write', 'WriteString', 'Push', 'Remove', 'Clear']);

const lineOf = (n: Node) => n.startPosition.row + 1;
const collapse = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();
const quote = (text: string) => '`' + text.trim().replace(/`/g, "'") + '`';

function* descendants(node: Node): Generator<Node> {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
}

/** Top-level functions and methods with their line ranges. */
function functionsOf(tree: Parser.Tree): Node[] {
  return tree.rootNode.namedChildren.filter((n) => n.type === 'function_declaration' || n.type === 'method_declaration');
}

function enclosing(functions: readonly Node[], line: number): Node | undefined {
  return functions.find((f) => lineOf(f) <= line && line <= f.endPosition.row + 1);
}

function statementsOf(block: Node | null | undefined): Node[] {
  if (!block) return [];
  const list = block.namedChildren.find((c) => c.type === 'statement_list');
  return (list ? list.namedChildren : block.namedChildren).filter((c) => c.type !== 'comment');
}

function importNames(tree: Parser.Tree): Set<string> {
  const names = new Set<string>();
  for (const node of descendants(tree.rootNode)) {
    if (node.type !== 'import_spec') continue;
    const alias = node.childForFieldName('name')?.text;
    const path = node.childForFieldName('path')?.text.replace(/"/g, '') ?? '';
    names.add(alias ?? path.split('/').pop()!.replace(/^go-/, '').replace(/[.-].*$/, ''));
  }
  return names;
}

function lockCall(stmt: Node): { mutex: string; acquire: boolean } | undefined {
  if (stmt.type !== 'expression_statement') return undefined;
  const call = stmt.namedChild(0);
  if (call?.type !== 'call_expression') return undefined;
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'selector_expression') return undefined;
  const method = fn.childForFieldName('field')?.text ?? '';
  const mutex = fn.childForFieldName('operand')?.text ?? '';
  if (method === 'Lock' || method === 'RLock') return { mutex, acquire: true };
  if (method === 'Unlock' || method === 'RUnlock') return { mutex, acquire: false };
  return undefined;
}

function terminates(block: Node | null): boolean {
  const last = statementsOf(block).at(-1);
  if (!last) return false;
  if (['return_statement', 'break_statement', 'continue_statement', 'goto_statement'].includes(last.type)) return true;
  return last.type === 'expression_statement' && /^(panic|log\.Fatal\w*|t\.Fatal\w*|os\.Exit)\(/.test(last.text);
}

/**
 * The mutexes held at each line, by a walk of each function's statements: a Lock() holds its mutex
 * for the statements after it, an Unlock() releases it (inside a branch that does not leave the
 * block, conservatively for the rest too); a function literal starts with nothing held.
 */
function locksHeld(tree: Parser.Tree): Map<number, Set<string>> {
  const held = new Map<number, Set<string>>();
  const mark = (from: number, to: number, locks: ReadonlySet<string>) => {
    for (let line = from; line <= to; line++) held.set(line, new Set(locks));
  };
  const walkBlock = (block: Node | null, entry: ReadonlySet<string>): Set<string> => {
    const current = new Set(entry);
    for (const stmt of statementsOf(block)) {
      const lock = lockCall(stmt);
      if (lock) {
        mark(lineOf(stmt), stmt.endPosition.row + 1, current);
        if (lock.acquire) current.add(lock.mutex);
        else current.delete(lock.mutex);
        continue;
      }
      walkStatement(stmt, current);
    }
    return current;
  };
  const walkStatement = (stmt: Node, current: Set<string>) => {
    const blocks = stmt.namedChildren.filter((c) => c.type === 'block');
    const nested = [...blocks, ...stmt.namedChildren.filter((c) => ['expression_case', 'default_case', 'communication_case', 'type_case', 'if_statement'].includes(c.type))];
    if (nested.length === 0 && stmt.type !== 'labeled_statement') {
      mark(lineOf(stmt), stmt.endPosition.row + 1, current);
      for (const lit of descendants(stmt)) if (lit.type === 'func_literal') walkFunction(lit);
      return;
    }
    mark(lineOf(stmt), lineOf(stmt), current);
    for (const child of stmt.namedChildren) {
      if (child.type === 'block') {
        const after = walkBlock(child, current);
        if (!terminates(child)) for (const m of current) if (!after.has(m)) current.delete(m);
      } else if (['expression_case', 'default_case', 'communication_case', 'type_case'].includes(child.type)) {
        const after = walkBlock(child, current);
        if (!terminates(child)) for (const m of current) if (!after.has(m)) current.delete(m);
      } else if (child.type === 'if_statement' || child.type === 'labeled_statement') {
        walkStatement(child, current);
      } else {
        for (const lit of descendants(child)) if (lit.type === 'func_literal') walkFunction(lit);
      }
    }
  };
  const walkFunction = (fn: Node) => {
    walkBlock(fn.childForFieldName('body'), new Set());
  };
  for (const node of descendants(tree.rootNode)) {
    if (node.type === 'function_declaration' || node.type === 'method_declaration') walkFunction(node);
  }
  return held;
}

/** Names declared inside a function (parameters, results, receiver, locals). */
function localNames(fn: Node): Set<string> {
  const names = new Set<string>();
  for (const n of descendants(fn)) {
    if (n.type === 'parameter_declaration' || n.type === 'var_spec' || n.type === 'const_spec') {
      for (const name of fieldChildren(n, 'name')) names.add(name.text);
    } else if (n.type === 'short_var_declaration' || n.type === 'range_clause') {
      const left = n.childForFieldName('left');
      for (const id of left?.namedChildren ?? []) if (id.type === 'identifier') names.add(id.text);
    }
  }
  return names;
}

const NOT_SHARED = new Set(['nil', 'true', 'false', 'iota', '_', 'len', 'cap', 'append', 'make', 'new', 'delete', 'copy', 'panic']);

/** Shared state a statement touches: fields of non-package operands, and package-level names. */
function sharedAccesses(stmt: Node, imports: ReadonlySet<string>, locals: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const n of descendants(stmt)) {
    if (n.type === 'func_literal') continue;
    if (n.type === 'selector_expression') {
      const operand = n.childForFieldName('operand');
      const parent = n.parent;
      // A method call is not itself a field access (its receiver's fields are the callee's business).
      if (parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === n.id) continue;
      if (operand?.type === 'identifier' && imports.has(operand.text)) continue;
      if (/Lock|Unlock/.test(n.childForFieldName('field')?.text ?? '')) continue;
      found.push(n.text);
    } else if (n.type === 'identifier' && !locals.has(n.text) && !NOT_SHARED.has(n.text) && !imports.has(n.text)) {
      const parent = n.parent;
      const role = parent?.type;
      const isOperand =
        (role === 'index_expression' && parent!.childForFieldName('operand')?.id === n.id) ||
        ((role === 'expression_list' || role === 'inc_statement' || role === 'dec_statement') &&
          ['assignment_statement', 'inc_statement', 'dec_statement'].includes((role === 'expression_list' ? parent!.parent?.type : role) ?? '')) ||
        (role === 'range_clause');
      if (isOperand) found.push(n.text);
    }
  }
  return [...new Set(found)];
}

const STATEMENT = /_statement$|^short_var_declaration$|^var_declaration$/;

/** The outermost statement that starts on each line (a whole `if` rather than its condition), in one walk. */
function statementsByLine(tree: Parser.Tree): Map<number, Node> {
  const byLine = new Map<number, Node>();
  for (const n of descendants(tree.rootNode)) {
    if (!STATEMENT.test(n.type)) continue;
    const line = lineOf(n);
    const best = byLine.get(line);
    if (!best || n.startIndex < best.startIndex || (n.startIndex === best.startIndex && n.endIndex > best.endIndex)) byLine.set(line, n);
  }
  return byLine;
}

/** Field selectors that start on a line (not method callees, not package members), innermost last. */
function accessNodesOnLine(tree: Parser.Tree, line: number, imports: ReadonlySet<string>): Node[] {
  const found: Node[] = [];
  const row = line - 1;
  let node: Node | null = tree.rootNode.descendantForPosition({ row, column: 0 });
  // Climb to the outermost node that starts on this line, then look inside it.
  while (node?.parent && node.parent.startPosition.row === row && node.parent.type !== 'source_file') node = node.parent;
  const roots = node ? [node, ...(node.parent?.namedChildren.filter((c) => c.startPosition.row === row && c.id !== node!.id) ?? [])] : [];
  for (const root of roots) {
    for (const n of descendants(root)) {
      if (n.type !== 'selector_expression' || n.startPosition.row !== row) continue;
      const parent = n.parent;
      if (parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === n.id) continue;
      const operand = n.childForFieldName('operand');
      if (operand?.type === 'identifier' && imports.has(operand.text)) continue;
      found.push(n);
    }
  }
  return found;
}

function accessesOnLine(tree: Parser.Tree, line: number, imports: ReadonlySet<string>): string[] {
  return [...new Set(accessNodesOnLine(tree, line, imports).map((n) => n.text))];
}

/** A head function the patch changes: the lines it deletes there (with where they sat) and adds. */
interface Changed {
  fn: Node;
  deleted: { baseLine: number; text: string; headPosition: number }[];
  added: number[];
}

/** The head functions the patch changes, each with its deletions and additions. */
function changedFunctions(delta: FileDelta, headFunctions: readonly Node[]): Changed[] {
  const byFn = new Map<Node, Changed>();
  const entry = (fn: Node) => byFn.get(fn) ?? (byFn.set(fn, { fn, deleted: [], added: [] }), byFn.get(fn)!);
  for (const run of delta.deletions) {
    const fn = headFunctions.find((f) => lineOf(f) < run.headPosition && run.headPosition <= f.endPosition.row + 1);
    if (fn) for (const l of run.lines) entry(fn).deleted.push({ ...l, headPosition: run.headPosition });
  }
  for (const line of delta.added) {
    const fn = enclosing(headFunctions, line);
    if (fn) entry(fn).added.push(line);
  }
  return [...byFn.values()];
}

/** Last segments of the shared names accessed anywhere in head while some lock is held. */
function namesAccessedUnderLock(tree: Parser.Tree, held: ReadonlyMap<number, ReadonlySet<string>>, statements: ReadonlyMap<number, Node>, imports: ReadonlySet<string>): Set<string> {
  const names = new Set<string>();
  for (const fn of functionsOf(tree)) {
    const locals = localNames(fn);
    for (let line = lineOf(fn) + 1; line <= fn.endPosition.row; line++) {
      if ((held.get(line)?.size ?? 0) === 0) continue;
      const stmt = statements.get(line);
      if (stmt) for (const name of sharedAccesses(stmt, imports, locals)) names.add(lastSegment(name));
    }
  }
  return names;
}

const lastSegment = (name: string) => name.replace(/\[.*$/, '').split('.').pop()!;


function lockedIn(text: string, mutex: string): boolean {
  return new RegExp(`${escapeRegExp(mutex)}\\.R?Lock\\(\\)`).test(text);
}

function lostLocks(pair: VersionPair, changed: readonly Changed[], report: (d: RemovalDiagnostic) => void): void {
  const { delta } = pair;
  const baseHeld = locksHeld(pair.baseTree);
  const headHeld = locksHeld(pair.headTree);
  const imports = importNames(pair.headTree);
  const headStatements = statementsByLine(pair.headTree);
  const statementAt = (_fn: Node, line: number) => headStatements.get(line);
  let guardedInHead: Set<string> | undefined;
  const lockAdded = (mutex: string) => [...delta.added].some((l) => lockedIn(delta.headLines[l - 1] ?? '', mutex));
  const headText = delta.head;
  const deletedFields = delta.deletions.flatMap((d) => d.lines).filter((l) => /^\s*(?:\w+\s+)?(?:\*?sync\.)?(?:RW)?Mutex\s*(?:\/\/.*)?$/.test(l.text));
  // What each deleted lock guarded in the base, by the last segment of each name (`items` of `s.items`).
  const baseStatements = statementsByLine(pair.baseTree);
  const baseFunctions = functionsOf(pair.baseTree);
  const guardedByDeleted = new Map<string, Set<string>>();
  const deletedLocks: { mutex: string; baseLine: number; text: string }[] = [];
  for (const run of delta.deletions) {
    for (const l of run.lines) {
      const m = /^\s*(?:defer\s+)?([\w.()[\]*]+?)\.R?Lock\(\)/.exec(l.text);
      if (!m) continue;
      deletedLocks.push({ mutex: m[1]!, baseLine: l.baseLine, text: l.text });
      const fn = enclosing(baseFunctions, l.baseLine);
      if (!fn) continue;
      const names = guardedByDeleted.get(m[1]!) ?? new Set<string>();
      const locals = localNames(fn);
      for (let line = lineOf(fn) + 1; line <= fn.endPosition.row; line++) {
        const stmt = baseHeld.get(line)?.has(m[1]!) ? baseStatements.get(line) : undefined;
        if (stmt && !lockCall(stmt)) for (const name of sharedAccesses(stmt, imports, locals)) names.add(lastSegment(name));
      }
      guardedByDeleted.set(m[1]!, names);
    }
  }
  for (const { fn, deleted, added } of changed) {
    const locals = localNames(fn);
    const byMutex = new Map<string, number[]>();
    // Code the PR rewrote: an added line that touches what a deleted lock guarded, now without it.
    if (!/Locked$/.test(fn.childForFieldName('name')?.text ?? '')) {
      for (const line of [...added].sort((a, b) => a - b)) {
        const now = headHeld.get(line) ?? new Set<string>();
        const names = accessesOnLine(pair.headTree, line, imports).map(lastSegment);
        for (const [mutex, guarded] of guardedByDeleted) {
          if (now.has(mutex) || lockedIn(delta.headLines[line - 1] ?? '', mutex)) continue;
          if (names.some((n) => guarded.has(n) && !mutex.endsWith(n))) (byMutex.get(mutex) ?? byMutex.set(mutex, []).get(mutex)!).push(line);
        }
      }
    }
    for (let line = lineOf(fn) + 1; line < fn.endPosition.row + 1; line++) {
      const baseLine = delta.headToBase[line] ?? 0;
      if (baseLine === 0) continue;
      const before = baseHeld.get(baseLine);
      if (!before || before.size === 0) continue;
      // Lost: held in the base and not in the head, and not replaced by a lock the base did not take here.
      const now = headHeld.get(line) ?? new Set<string>();
      if ([...now].some((m) => !before.has(m))) continue;
      const lost = [...before].filter((m) => !now.has(m));
      if (lost.length === 0) continue;
      const stmt = statementAt(fn, line);
      if (!stmt || lockCall(stmt)) continue;
      const accessed = sharedAccesses(stmt, imports, locals);
      if (accessed.length === 0) continue;
      for (const mutex of lost) {
        // A PR that also adds locks of this mutex is moving them: the access races only if its state is
        // still accessed under a lock somewhere (narrowing a lock to the state that needs it is fine).
        if (lockAdded(mutex)) {
          guardedInHead ??= namesAccessedUnderLock(pair.headTree, headHeld, headStatements, imports);
          if (!accessed.some((name) => guardedInHead!.has(lastSegment(name)))) continue;
        }
        (byMutex.get(mutex) ?? byMutex.set(mutex, []).get(mutex)!).push(line);
      }
    }
    for (const [mutex, unordered] of byMutex) {
      const lines = [...new Set(unordered)].sort((x, y) => x - y);
      const escaped = escapeRegExp(mutex);
      const call = new RegExp(`^\\s*(?:defer\\s+)?${escaped}\\.(R?)(Lock|Unlock)\\(\\)`);
      // The removal to quote: a lock deleted in this function, else an unlock it moved, else a lock deleted elsewhere.
      const movedUnlock = added.find((l) => call.exec(delta.headLines[l - 1] ?? '')?.[2] === 'Unlock');
      const removedLock =
        deleted.find((d) => call.exec(d.text)?.[2] === 'Lock') ??
        deleted.find((d) => call.test(d.text)) ??
        (movedUnlock === undefined ? deletedLocks.find((d) => d.mutex === mutex) : undefined);
      // Or the access itself moved out of the critical section (deleted inside it, added after it).
      const firstText = collapse(delta.headLines[lines[0]! - 1]);
      const movedOut = delta.added.has(lines[0]!) ? deleted.find((d) => collapse(d.text) === firstText) : undefined;
      if (!removedLock && movedUnlock === undefined && !movedOut) continue;
      const first = lines[0]!;
      const stmt = statementAt(fn, first) ?? accessNodesOnLine(pair.headTree, first, imports)[0]!;
      const guarded = guardedByDeleted.get(mutex);
      const names = delta.added.has(first)
        ? accessesOnLine(pair.headTree, first, imports).filter((n) => guarded?.has(lastSegment(n)))
        : sharedAccesses(stmt, imports, locals);
      const stillUsed = lockedIn(headText, mutex);
      const what = movedOut
        ? `This pull request moves ${quote(movedOut.text)} (was line ${movedOut.baseLine}) out of the section \`${mutex}\` guards, so ${names.map(quote).slice(0, 2).join(' and ')} here is no longer guarded`
        : removedLock
        ? `This pull request removes ${quote(removedLock.text)} (was line ${removedLock.baseLine}), which guarded ${names.map(quote).slice(0, 2).join(' and ')} here`
        : `This pull request moves ${quote(delta.headLines[movedUnlock! - 1]!)} up to line ${movedUnlock}, so ${names.map(quote).slice(0, 2).join(' and ')} here is no longer guarded`;
      const field = deletedFields[0];
      const others = stillUsed
        ? `: the access now runs without the lock while other code still takes \`${mutex}\``
        : field
          ? ` (it also removes the mutex ${quote(field.text)}, was line ${field.baseLine}): the access is now unsynchronized`
          : ': the access is now unsynchronized';
      report({
        line: first,
        column: stmt.startPosition.column + 1,
        endLine: first,
        endColumn: stmt.startPosition.column + 1 + (delta.headLines[first - 1]?.trim().length ?? 0),
        message: `${what}${others}. Keep the lock around it, or show why no other goroutine can reach it.`,
        related: lines.slice(1, 4).map((line) => ({ line, message: 'also guarded before this pull request, unguarded now' })),
        removed: movedOut
          ? { line: movedOut.baseLine, text: movedOut.text.trim() }
          : removedLock
            ? { line: removedLock.baseLine, text: removedLock.text.trim() }
            : { line: movedUnlock!, text: delta.headLines[movedUnlock! - 1]!.trim() },
      });
    }
  }
}

/** Statements after `from` in `fn` that write through `name` (a field, an element, or a mutating method). */
function firstWriteThrough(fn: Node, name: string, from: number): Node | undefined {
  const rooted = (text: string) => text === name || text.startsWith(name + '.') || text.startsWith(name + '[');
  let best: Node | undefined;
  for (const n of descendants(fn)) {
    if (lineOf(n) < from || (best && n.startIndex >= best.startIndex)) continue;
    let hit = false;
    if (n.type === 'assignment_statement' || n.type === 'inc_statement' || n.type === 'dec_statement') {
      const left = n.type === 'assignment_statement' ? n.childForFieldName('left')?.namedChildren ?? [] : [n.namedChild(0)!];
      hit = left.some((l) => l.text !== name && rooted(l.text));
    } else if (n.type === 'call_expression') {
      const fnNode = n.childForFieldName('function');
      if (fnNode?.type === 'selector_expression') {
        const method = fnNode.childForFieldName('field')?.text ?? '';
        hit = MUTATING_METHODS.has(method) && rooted(fnNode.childForFieldName('operand')?.text ?? '');
      } else if (fnNode?.text === 'delete' || fnNode?.text === 'copy') {
        hit = rooted(n.childForFieldName('arguments')?.namedChild(0)?.text ?? '');
      } else if (fnNode?.text === 'append') {
        // Appending writes the slice's array past its length when it has room: the original's, once the copy is gone.
        const first = n.childForFieldName('arguments')?.namedChild(0)?.text ?? '';
        hit = first !== '' && rooted(first);
      }
    }
    if (hit) best = n;
  }
  return best;
}

/** The innermost loop of `fn` around head line `line`. */
function loopAround(fn: Node, line: number): Node | undefined {
  let best: Node | undefined;
  for (const n of descendants(fn)) {
    if (n.type === 'for_statement' && lineOf(n) <= line && n.endPosition.row + 1 >= line && (!best || n.startIndex > best.startIndex)) best = n;
  }
  return best;
}

/** Whether the value `name` (`cfg`, `w.cfg`) is the same one every turn of `loop`: declared outside it and never given a new value in it. */
function keptAcrossTurns(loop: Node, name: string): boolean {
  const root = escapeRegExp(name.split('.')[0]!);
  const text = loop.text;
  // Declared in the loop (`cfg :=`, `var cfg`, `for _, cfg := range`), or assigned whole there (`cfg = load()`).
  if (new RegExp(`(?<![\\w.])${root}\\s*(?:,[^=\\n]*)?:=|\\bvar\\s+${root}\\b|,\\s*${root}\\s*:?=`).test(text)) return false;
  return !new RegExp(`(?<![\\w.])${escapeRegExp(name)}\\s*=(?!=)`).test(text);
}

function lostCopies(pair: VersionPair, changed: readonly Changed[], report: (d: RemovalDiagnostic) => void): void {
  for (const { fn, deleted, added } of changed) {
    for (const d of deleted) {
      if (!COPY_CALL.test(d.text) || /^\s*\/\//.test(d.text)) continue;
      const assigned = new RegExp(`^\\s*([\\w.]+)\\s*:?=\\s*\\*?(?:(?:maps|slices)\\.Clone\\(\\s*([\\w.]+)\\s*\\)|([\\w.]+)\\.(?:Copy|Clone|DeepCopy|Dup)\\(\\)|${APPEND_COPY.source})`).exec(d.text);
      const argument = /([\w.]+)\.(?:Copy|Clone|DeepCopy|Dup)\(\)/.exec(d.text) ?? APPEND_COPY.exec(d.text);
      const source = assigned ? (assigned[2] ?? assigned[3] ?? assigned[4])! : argument?.[1];
      if (!source) continue;
      const target = assigned?.[1];
      // Whatever the copy used to be written through, the original is written through now.
      const names = [...new Set([source, ...(target ? [target] : [])])];
      // Names that alias the original after the removed line (`for _, g := range job.Groups`, `group = g`).
      for (let round = 0; round < 3; round++) {
        for (const n of descendants(fn)) {
          if (lineOf(n) < d.headPosition) continue;
          const aliasing = n.type === 'short_var_declaration' || n.type === 'assignment_statement' || n.type === 'range_clause';
          if (!aliasing) continue;
          const right = n.childForFieldName('right')?.text ?? '';
          if (!names.some((name) => new RegExp(`^&?${escapeRegExp(name)}(?:$|[.[])`).test(right))) continue;
          for (const id of n.childForFieldName('left')?.namedChildren ?? []) {
            if (id.type === 'identifier' && id.text !== '_' && !names.includes(id.text)) names.push(id.text);
          }
        }
      }
      let write: Node | undefined;
      for (const name of names) {
        const w = firstWriteThrough(fn, name, d.headPosition);
        if (w && (!write || w.startIndex < write.startIndex)) write = w;
      }
      // `out <- cfg.DeepCopy()` in a loop that also writes `cfg`: the next turn's write changes what this
      // turn handed on, wherever it stands in the loop.
      let nextTurn = false;
      if (!write && !target) {
        const loop = loopAround(fn, d.headPosition);
        if (loop && keptAcrossTurns(loop, source)) {
          write = firstWriteThrough(loop, source, 0);
          nextTurn = write !== undefined;
        }
      }
      if (!write) continue;
      // The copy is still made, or made again on another line: nothing was removed.
      if (new RegExp(`${escapeRegExp(source)}\\.(?:Copy|Clone|DeepCopy|Dup)\\(\\)`).test(fn.text)) continue;
      if ([...fn.text.matchAll(new RegExp(APPEND_COPY.source, 'g'))].some((m) => m[1] === source)) continue;
      if (added.some((l) => COPY_CALL.test(pair.delta.headLines[l - 1] ?? ''))) continue;
      const line = lineOf(write);
      report({
        line,
        column: write.startPosition.column + 1,
        endLine: line,
        endColumn: write.startPosition.column + 1 + write.text.split('\n')[0]!.length,
        message: nextTurn
          ? `This pull request removes the copy in ${quote(d.text)} (was line ${d.baseLine}): each turn of the loop now hands on the original ${quote(source)}, and this write on the next turn changes it while whoever received it may still be reading it. Keep the copy, or hand on a new value each turn.`
          : `This pull request removes the copy in ${quote(d.text)} (was line ${d.baseLine}), so this write changes the original ${quote(source)}, which other goroutines may still be reading. Keep the copy, or show that \`${source}\` is not shared.`,
        related: [],
        removed: { line: d.baseLine, text: d.text.trim() },
      });
    }
  }
}

/** The `go` statement, `X.Go(…)` call or parallel `t.Run` whose closure is `lit`, if any. */
function spawnOf(lit: Node, models: ApiModels): Node | undefined {
  let n = lit.parent;
  if (n?.type === 'argument_list') n = n.parent;
  if (n?.type !== 'call_expression') return undefined;
  if (n.parent?.type === 'go_statement') return n.parent;
  const callee = n.childForFieldName('function');
  if (callee?.type !== 'selector_expression') return undefined;
  // The models (bundled and the user's) say which methods run a callback concurrently (errgroup's Go) or as a
  // subtest (t.Run); a base and head compared here carry no receiver types, so by name alone.
  const index = (n.childForFieldName('arguments')?.namedChildren ?? []).findIndex((a) => a.startIndex === lit.startIndex);
  const mode = models.callbackModeByName(callee.childForFieldName('field')?.text ?? '', index);
  if (mode === 'concurrent') return n;
  if (mode === 'subtest' && /\.Parallel\(\)/.test(lit.text)) return n;
  return undefined;
}

function innermostLiteral(fn: Node, line: number): Node | undefined {
  let best: Node | undefined;
  for (const n of descendants(fn)) {
    if (n.type === 'func_literal' && lineOf(n) < line && line <= n.endPosition.row + 1 && (!best || n.startIndex > best.startIndex)) best = n;
  }
  return best;
}

const identifierUses = (node: Node, name: string) => [...descendants(node)].filter((n) => n.type === 'identifier' && n.text === name);

function lostLocals(pair: VersionPair, changed: readonly Changed[], report: (d: RemovalDiagnostic) => void): void {
  // Unknown counts as per-iteration, as for loop-var-capture: no claim without a known pre-1.22 version.
  const perIteration = pair.goVersion === undefined || compareGoVersions(pair.goVersion, '1.22') >= 0;
  for (const { fn, deleted } of changed) {
    for (const d of deleted) {
      const self = SELF_COPY.exec(d.text);
      if (self) {
        const names = self[1]!.split(',').map((s) => s.trim());
        const values = self[2]!.split(',').map((s) => s.trim());
        if (perIteration || names.join() !== values.join()) continue;
        // A per-iteration copy: the loop still starts concurrent code that reads the loop variable.
        for (const name of names) {
          const use = concurrentUseAfter(fn, name, d.headPosition, pair.models);
          if (!use) continue;
          report({
            ...spanOfNode(use),
            message: `This pull request removes the per-iteration copy ${quote(d.text)} (was line ${d.baseLine}), so this concurrent closure reads the loop variable \`${name}\`, which the loop keeps changing (before Go 1.22 it is one variable for all iterations). Keep the copy, or move the module to Go 1.22.`,
            related: [],
            removed: { line: d.baseLine, text: d.text.trim() },
          });
          break;
        }
        continue;
      }
      const decl = LOCAL_DECL.exec(d.text);
      if (!decl) continue;
      const lit = innermostLiteral(fn, d.headPosition);
      if (!lit || !spawnOf(lit, pair.models)) continue;
      // A name still assigned inside the goroutine, and now declared outside it.
      let name = '';
      let assignment: Node | undefined;
      for (const candidate of (decl[1] ?? decl[2])!.split(',').map((n) => n.trim())) {
        if (candidate === '_' || localNames(lit).has(candidate) || !localNames(fn).has(candidate)) continue;
        assignment = identifierUses(lit.childForFieldName('body')!, candidate).find((id) => {
          const list = id.parent;
          const stmt = list?.type === 'expression_list' ? list.parent : undefined;
          return stmt?.type === 'assignment_statement' && stmt.childForFieldName('left')?.id === list!.id;
        });
        name = candidate;
        if (assignment) break;
      }
      if (!assignment) continue;
      report({
        ...spanOfNode(assignment),
        message: `This pull request removes the goroutine's own ${quote(d.text)} (was line ${d.baseLine}), so this assignment now writes the enclosing function's \`${name}\`, which other goroutines also use. Keep a local declaration in the goroutine.`,
        related: [],
        removed: { line: d.baseLine, text: d.text.trim() },
      });
    }
  }
}

function spanOfNode(n: Node) {
  return { line: lineOf(n), column: n.startPosition.column + 1, endLine: n.endPosition.row + 1, endColumn: n.endPosition.column + 1 };
}

/** The first read of `name` after `from` inside a goroutine or parallel subtest closure. */
function concurrentUseAfter(fn: Node, name: string, from: number, models: ApiModels): Node | undefined {
  for (const lit of descendants(fn)) {
    if (lit.type !== 'func_literal' || lineOf(lit) < from - 1 || !spawnOf(lit, models)) continue;
    const use = identifierUses(lit, name)[0];
    if (use) return use;
  }
  return undefined;
}

function lostJoins(pair: VersionPair, changed: readonly Changed[], report: (d: RemovalDiagnostic) => void): void {
  const { delta } = pair;
  let statements: Map<number, Node> | undefined;
  const statementAt = (_fn: Node, line: number) => (statements ??= statementsByLine(pair.headTree)).get(line);
  for (const { fn, deleted, added } of changed) {
    for (const d of deleted) {
      const wait = WAIT.exec(d.text);
      if (!wait) continue;
      const joined = (wait[1] ?? wait[2])!;
      const escaped = escapeRegExp(joined);
      // Moved, not removed, when the join still comes first; a join moved into a branch below does not.
      let line = d.headPosition;
      while (line <= fn.endPosition.row && !statementAt(fn, line)) line++;
      if (added.some((l) => l < line && new RegExp(`${escaped}\\.Wait\\(\\)|<-\\s*${escaped}\\b`).test(delta.headLines[l - 1] ?? ''))) continue;
      // The goroutines it waited for are still started and still counted.
      const spawns = /\bgo\s+(?:func\b|[\w.]+\()|\.Go\(/.test(fn.text) || new RegExp(`${escaped}\\.(?:Add|Done|Go)\\(|close\\(${escaped}\\)|${escaped}\\s*<-`).test(delta.head);
      if (!spawns) continue;
      const stmt = statementAt(fn, line);
      if (!stmt) continue;
      report({
        line,
        column: stmt.startPosition.column + 1,
        endLine: line,
        endColumn: stmt.startPosition.column + 1 + (delta.headLines[line - 1]?.trim().length ?? 0),
        message: `This pull request removes ${quote(d.text)} (was line ${d.baseLine}), so this line no longer waits for the goroutines \`${joined}\` joined, and reads what they may still be writing. Keep the join before using their results.`,
        related: [],
        removed: { line: d.baseLine, text: d.text.trim() },
      });
    }
  }
}

export const removedSync: DifferentialRule = {
  meta: {
    id: 'removed-sync',
    summary: 'a pull request removes a lock, copy, per-iteration copy, goroutine-local declaration or join that unchanged code relied on',
    defaultSeverity: 'error',
    fixable: false,
    docPath: 'docs/rules/removed-sync.md',
  },
  compare(pair, report) {
    if (pair.delta.deletions.length === 0) return;
    const all = changedFunctions(pair.delta, functionsOf(pair.headTree));
    lostLocks(pair, all, report);
    const changed = all.filter((c) => c.deleted.length > 0);
    lostCopies(pair, changed, report);
    lostLocals(pair, changed, report);
    lostJoins(pair, changed, report);
  },
};

