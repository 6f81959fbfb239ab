import Parser from 'tree-sitter';
import Go from 'tree-sitter-go';
import { installFastNodeAccess } from './tree-access.js';

let parser: Parser | undefined;

function goParser(): Parser {
  if (!parser) {
    installFastNodeAccess();
    parser = new Parser();
    parser.setLanguage(Go as unknown as Parser.Language);
  }
  return parser;
}

/** One parser per process: tree-sitter parsers are reusable and costly to create. */
export function parseGo(source: string): Parser.Tree {
  return goParser().parse(source);
}

/** A part of a source text to parse, by character index and (row, column in characters) point. */
export interface SourceRange {
  startIndex: number;
  endIndex: number;
  startPosition: Parser.Point;
  endPosition: Parser.Point;
}

// Text handed to tree-sitter per read. It reads from where each range starts, and the binding copies
// up to 32k characters per read: a string input (read as `source.slice(offset)`) would copy that
// much again at every range of a file with hundreds of them.
const CHUNK = 4096;

/**
 * Parses only the given ranges of `source` (sorted, not overlapping), in its own coordinates: what
 * lies between them is left out of the tree (engine/skeleton.ts).
 */
export function parseGoRanges(source: string, ranges: readonly SourceRange[]): Parser.Tree {
  let i = 0;
  const read = (offset: number): string => {
    // Reads come in order, mostly at range starts; never return '' before the end (that ends the input).
    while (i < ranges.length - 1 && ranges[i].endIndex <= offset) i++;
    while (i > 0 && ranges[i].startIndex > offset) i--;
    const range = ranges[i];
    const end = offset >= range.startIndex && offset < range.endIndex ? range.endIndex : source.length;
    return source.slice(offset, Math.min(end, offset + CHUNK));
  };
  const tree = goParser().parse(read, undefined, { includedRanges: ranges as SourceRange[] });
  // Node text comes from the tree's input: make it the string, as parseGo's trees have it.
  const withInput = tree as unknown as { input: unknown; getText: (node: { startIndex: number; endIndex: number }) => string };
  withInput.input = source;
  withInput.getText = function (this: { input: string }, node) {
    return this.input.substring(node.startIndex, node.endIndex);
  };
  return tree;
}

/**
 * The children of `node` in field `field`. Use this, not tree-sitter's `childrenForFieldName`:
 * node-tree-sitter 0.25 creates a native cursor there and never frees it (about 1.5 MB of native
 * memory per analyzed file).
 */
export function fieldChildren(node: Parser.SyntaxNode, field: string): Parser.SyntaxNode[] {
  const out: Parser.SyntaxNode[] = [];
  const count = node.childCount;
  for (let i = 0; i < count; i++) {
    if (node.fieldNameForChild(i) === field) out.push(node.child(i)!);
  }
  return out;
}
