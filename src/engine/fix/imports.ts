/** Fixes that use a package the file may not import yet. */
import type Parser from 'tree-sitter';
import type { TextEdit } from '../types.js';

/**
 * The edit that adds `import "path"` to a file, as an edit of its own (a second suggestion when the
 * import block is in the diff): the line `import (` becomes `import (` plus the new line. Undefined
 * when the path is already imported, or there is no parenthesized import block to extend.
 */
export function importEdit(root: Parser.SyntaxNode, lines: readonly string[], path: string): TextEdit | undefined | 'imported' {
  const specs = root.descendantsOfType('import_spec');
  if (specs.some((s) => s.childForFieldName('path')?.text.slice(1, -1) === path)) return 'imported';
  const block = root.namedChildren.find((n) => n.type === 'import_declaration' && n.namedChildren.some((c) => c.type === 'import_spec_list'));
  if (!block) return undefined;
  const row = block.startPosition.row;
  const text = lines[row]?.replace(/\r$/, '') ?? '';
  if (text.trim() !== 'import (') return undefined;
  return { startLine: row + 1, endLine: row + 1, replacement: `${text}\n\t"${path}"` };
}
