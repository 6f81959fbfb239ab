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
  const tree = goParser().parse(source);
  if (!tree.rootNode.hasError) return tree;
  const readable = grammarReadable(source);
  return readable === source ? tree : readingFrom(goParser().parse(readable), source);
}

// `{ ;`: a block whose first statement is empty (`go func() { ; c() }()`).
const EMPTY_FIRST_STATEMENT = /\{[ \t]*;/g;

/**
 * The text the bundled grammar reads for valid Go it would otherwise call a syntax error, with every
 * offset of the original (node text still comes from the original: readingFrom): Go 1.26's
 * `new(expr)` (withNewOfValues); a block that starts with an empty statement, its `;` blanked; and a
 * file that ends without a newline after its last declaration, given one at the end.
 */
function grammarReadable(original: string): string {
  let source = original.includes('new(') ? withNewOfValues(original) ?? original : original;
  if (source.includes(';')) source = source.replace(EMPTY_FIRST_STATEMENT, (m) => `${m.slice(0, -1)} `);
  return source.endsWith('\n') ? source : `${source}\n`;
}

/**
 * Go 1.26's `new(expr)` (`new(time.Now())`, `new(42)`), which the bundled grammar reads as a syntax
 * error that spills into the next lines. The same text with `new(` spelled `nev(` where the argument
 * cannot be a type parses as a plain call, offsets unchanged; trees of it read their node text from
 * the original (readingFrom), so every message and fix quotes `new(`. Undefined when there is none.
 */
export function withNewOfValues(source: string): string | undefined {
  if (!source.includes('new(') || source.includes('nev(')) return undefined;
  const parts: string[] = [];
  let from = 0;
  let packages: Set<string> | undefined;
  for (const m of source.matchAll(/(?<![\w.])new\(/g)) {
    const argument = source.slice(m.index! + 4, closingParen(source, m.index! + 3));
    if (MAY_BE_TYPE.test(argument) && !isCompositeLiteral(argument) && !isValueName(argument, (packages ??= importedNames(source)))) continue;
    parts.push(source.slice(from, m.index!), 'nev(');
    from = m.index! + 4;
  }
  return parts.length === 0 ? undefined : parts.join('') + source.slice(from);
}

// A type: a (qualified, instantiated) name, or a type literal. Anything else is a value.
const MAY_BE_TYPE = /^\s*(?:\*|\[|map\s*\[|chan\b|<-\s*chan\b|func\s*\(|struct\s*\{|interface\s*\{|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?(?:\[[^()]*\])?\s*$)/;

const BUILTIN_TYPES = new Set(['any', 'bool', 'byte', 'comparable', 'complex64', 'complex128', 'error', 'float32', 'float64', 'int', 'int8', 'int16', 'int32', 'int64', 'rune', 'string', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'uintptr']);

/**
 * A name that reads like a type but is a value: `n.Name` where `n` is no imported package, or
 * `s[2*i]`, `m[key]` whose index is no list of types (types and type parameters are capitalized,
 * builtin, qualified or composite; `2*i` and `key` are not).
 */
function isValueName(argument: string, packages: ReadonlySet<string>): boolean {
  const m = /^\s*([A-Za-z_]\w*)(\.[A-Za-z_]\w*)?(?:\[([^()]*)\])?\s*$/.exec(argument);
  if (!m) return false;
  if (m[2] && !packages.has(m[1])) return true;
  return m[3] !== undefined && !m[3].split(',').every((t) => isTypeArgument(t, packages));
}

function isTypeArgument(t: string, packages: ReadonlySet<string>): boolean {
  const m = /^\s*(?:\*|\[\]|map\[[^\]]*\])*\s*([A-Za-z_]\w*)(\.[A-Za-z_]\w*)?(?:\[.*\])?\s*$/.exec(t);
  if (!m) return false;
  return m[2] ? packages.has(m[1]) : /^[A-Z]/.test(m[1]) || BUILTIN_TYPES.has(m[1]);
}

/** The names a file's imports bind: aliases, and each path's last element (less `go-`, `-go`, `.vN`, `/vN`). */
function importedNames(source: string): Set<string> {
  const names = new Set<string>();
  const end = source.search(/^(?:func|type|var|const)\b/m);
  const head = end >= 0 ? source.slice(0, end) : source;
  for (const m of head.matchAll(/^\s*(?:import\s+)?(?:([A-Za-z_]\w*|\.)\s+)?"([^"]+)"/gm)) {
    if (m[1]) names.add(m[1]);
    const parts = m[2].split('/');
    let last = parts[parts.length - 1];
    if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2];
    names.add(last);
    const bare = last.replace(/\.v\d+$/, '').replace(/^go-/, '').replace(/-go$/, '');
    names.add(bare);
    names.add(bare.replace(/-/g, ''));
    names.add(bare.replace(/-/g, '_'));
  }
  return names;
}

/** `[]string{"a"}`, `T{x: 1}[0]`: a brace not opened by `struct` or `interface` starts a composite literal. */
function isCompositeLiteral(argument: string): boolean {
  for (let i = argument.indexOf('{'); i >= 0; i = argument.indexOf('{', i + 1)) {
    if (!/(?:struct|interface)\s*$/.test(argument.slice(0, i))) return true;
  }
  return false;
}

function closingParen(source: string, open: number): number {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
    else if (c === '\n' && depth === 1 && i - open > 400) break;
  }
  return open + 1;
}

/** Node text of `tree` (parsed from a same-length rewrite) read from `source`. */
function readingFrom(tree: Parser.Tree, source: string): Parser.Tree {
  const withInput = tree as unknown as { input: unknown; getText: (node: { startIndex: number; endIndex: number }) => string };
  withInput.input = source;
  withInput.getText = function (this: { input: string }, node) {
    return this.input.substring(node.startIndex, node.endIndex);
  };
  return tree;
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
export function parseGoRanges(original: string, given: readonly SourceRange[]): Parser.Tree {
  // Read as the grammar can (see parseGo); node text stays the original's.
  const source = grammarReadable(original);
  // The newline given to a file without one belongs to the range that ends the file.
  const ranges = source.length === original.length ? given : given.map((r) => (r.endIndex === original.length ? { ...r, endIndex: source.length, endPosition: { row: r.endPosition.row + 1, column: 0 } } : r));
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
  return readingFrom(tree, original);
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
