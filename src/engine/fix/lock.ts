/** Fixes that take a named lock around an unguarded access. */
import type { FileModel, Node } from '../semantic/model.js';
import type { TextEdit } from '../types.js';

const SIMPLE_STATEMENTS = new Set(['assignment_statement', 'inc_statement', 'dec_statement', 'expression_statement', 'short_var_declaration', 'send_statement']);
// Builtins that cannot take the lock themselves.
const HARMLESS_CALLS = new Set(['len', 'cap', 'append', 'make', 'new', 'delete', 'copy']);

/**
 * The statement holding `node`, wrapped in `lock.Lock()` / `lock.Unlock()` (a `return` gets
 * `lock.Lock()` and `defer lock.Unlock()` above it). Only for a statement alone on its line, directly
 * in a block, calling nothing that could take the lock again (a deadlock); `:=` is not wrapped, since
 * its names would not be seen after the block.
 */
export function lockAroundEdit(model: FileModel, node: Node, lock: string): TextEdit | undefined {
  let stmt: Node | null = node;
  while (stmt && !SIMPLE_STATEMENTS.has(stmt.type) && stmt.type !== 'return_statement') {
    if (stmt.type === 'block' || stmt.type.endsWith('_declaration') || stmt.type === 'func_literal') return undefined;
    stmt = stmt.parent;
  }
  if (!stmt || stmt.parent?.type !== 'statement_list' && stmt.parent?.type !== 'block') return undefined;
  if (stmt.startPosition.row !== stmt.endPosition.row) return undefined;
  const calls = stmt.descendantsOfType('call_expression');
  if (calls.some((c) => !HARMLESS_CALLS.has(c.childForFieldName('function')?.text ?? ''))) return undefined;
  if (stmt.descendantsOfType('func_literal').length > 0) return undefined;
  const row = stmt.startPosition.row;
  const text = model.lines[row].replace(/\r$/, '');
  const indent = /^\s*/.exec(text)![0];
  if (indent.length !== stmt.startPosition.column) return undefined; // something else precedes it on the line
  if (stmt.type === 'return_statement') {
    return { startLine: row + 1, endLine: row + 1, replacement: `${indent}${lock}.Lock()\n${indent}defer ${lock}.Unlock()\n${text}` };
  }
  if (stmt.type === 'short_var_declaration') return undefined;
  return { startLine: row + 1, endLine: row + 1, replacement: `${indent}${lock}.Lock()\n${text}\n${indent}${lock}.Unlock()` };
}
