/**
 * Skeleton parsing: tree-sitter parses only the top-level function bodies something reads.
 *
 * Most bodies of a Go file start no goroutine, take no lock and use no atomic, so the model never
 * walks them (ModelBuilder.build) and no rule looks inside them; yet parsing them is most of the
 * parse. Before parsing, a small lexer finds the top-level function and method bodies in the text
 * (scanGoFile); the engine asks the model and every enabled rule which bodies they may read
 * (model.ts walkCandidates, Rule.bodies), and tree-sitter parses the file with the interiors of the
 * others left out (its included ranges: the tree keeps the original positions, and each left-out
 * body is an empty `block`). Whenever the lexer is unsure, the skeleton tree has an error, or a body
 * is not the empty block it should be, the file is parsed in full instead.
 *
 * What a skeleton tree does not have: the statements, and the syntax errors, inside left-out
 * bodies. No finding can depend on them; FileReport.hasSyntaxErrors says so for what was parsed
 * (AnalyzeOptions.fullParse parses everything). Code that needs the whole file, fix verification
 * and its compile checks (a fix is checked against every body, and must not break one), parses it in
 * full (index.ts fullRootOf).
 *
 * A reader of the tree that is neither the model's walk nor a rule (a new fact the model computes
 * from other functions' bodies, say) must have its bodies kept here too: walkCandidates for the model,
 * Rule.bodies for a rule. test/engine/skeleton.test.ts compares analysis on skeleton and full parses
 * over every fixture, which is where a missed reader shows.
 */
import type Parser from 'tree-sitter';
import type { ApiModels } from './models/index.js';
import { parseGo, parseGoRanges, type SourceRange } from './parse.js';

/** A top-level function or method declaration with a body, as the lexer found it. */
export interface ScannedFunction {
  /** Index of the `func` keyword. */
  readonly start: number;
  /** Index of the body's `{`. */
  readonly bodyStart: number;
  /** Index just past the body's `}`. */
  readonly bodyEnd: number;
  readonly name: string;
  /** The receiver with its parentheses (`(s *Server)`), for a method. */
  readonly receiver?: string;
}

/** A top-level type spec (`T struct{…}` of `type T struct{…}`, or one spec of a `type (…)` group). */
export interface ScannedTypeSpec {
  readonly name: string;
  /** The spec's text: its name, type parameters and type. */
  readonly text: string;
}

export interface ScannedFile {
  readonly functions: readonly ScannedFunction[];
  readonly typeSpecs: readonly ScannedTypeSpec[];
  /** The names top-level `var` declarations declare. */
  readonly varNames: readonly string[];
}

/** What a body test sees of one top-level function: its text, read without a parse. */
export class FunctionText {
  constructor(
    private readonly source: string,
    readonly scanned: ScannedFunction,
  ) {}

  /** The whole declaration, `func` to the body's `}` (what Rule.walks tests see). */
  get text(): string {
    return this.source.slice(this.scanned.start, this.scanned.bodyEnd);
  }

  /** The body, braces included (what the model's body tests see). */
  get body(): string {
    return this.source.slice(this.scanned.bodyStart, this.scanned.bodyEnd);
  }

  /** `func` up to the body: receiver, name, type parameters, parameters and results. */
  get signature(): string {
    return this.source.slice(this.scanned.start, this.scanned.bodyStart);
  }

  get name(): string {
    return this.scanned.name;
  }

  get receiver(): string | undefined {
    return this.scanned.receiver;
  }
}

/** Says whether a body may be read (then it is parsed). */
export type BodyTest = (fn: FunctionText) => boolean;

/** What the body tests of one file can know before anything is parsed: the texts of the file and its package. */
export interface SkeletonContext {
  readonly source: string;
  /** What scanGoFile found, or undefined when it gave up (the file is then parsed in full). */
  readonly scanned: ScannedFile | undefined;
  /** The texts of every file of the package, this one included. */
  readonly packageSources: readonly string[];
  /** The top-level type specs of every file of the package (a struct declared in one file, its methods in another). */
  readonly packageTypeSpecs: readonly ScannedTypeSpec[];
  readonly models: ApiModels;
}

/** The names of words (identifiers, keywords) in a text. */
const WORD = /[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*/g;

/**
 * The package's type names whose declaration mentions one of `seed` (a regexp over the spec's text),
 * or, transitively, another such type: a superset of the types whose value reaches what seed names
 * (`type T U` with U a struct holding a sync.Mutex reaches it through T's underlying type).
 */
export function typesMentioning(specs: readonly ScannedTypeSpec[], seed: RegExp): Set<string> {
  const found = new Set<string>();
  for (const s of specs) if (seed.test(s.text)) found.add(s.name);
  if (found.size === 0) return found;
  const words = specs.map((s) => new Set(s.text.slice(s.name.length).match(WORD) ?? []));
  for (let grew = true; grew; ) {
    grew = false;
    specs.forEach((s, i) => {
      if (found.has(s.name)) return;
      for (const w of words[i]) {
        if (found.has(w)) {
          found.add(s.name);
          grew = true;
          return;
        }
      }
    });
  }
  return found;
}

/** The identifiers of a receiver's text: `(s *Server[K, V])` gives s, Server, K, V. */
export function receiverWords(receiver: string | undefined): string[] {
  return receiver?.match(WORD) ?? [];
}

// ---- the lexer ----

// Go's tokens as far as the top level needs them: brackets, identifiers, and automatic semicolons.
// One file is scanned at a time, its state in module bindings rather than object properties: V8
// optimizes these loops before the rarer paths (a string, a comment) have run, and a property access
// without type feedback there would throw the optimized code away again and again.

const enum Tok {
  Eof,
  Ident,
  Literal,
  Open,
  Close,
  Semi,
  Other,
}

// Keywords after which a newline inserts no semicolon (the others, break, continue, fallthrough and
// return, end a statement like an identifier does).
const NO_SEMICOLON_AFTER = new Set([
  'case', 'chan', 'const', 'default', 'defer', 'else', 'for', 'func', 'go', 'goto', 'if', 'import',
  'interface', 'map', 'package', 'range', 'select', 'struct', 'switch', 'type', 'var',
]);

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const FORM_FEED = 12;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKTICK = 96;
const SLASH = 47;
const STAR = 42;
const BACKSLASH = 92;
const LPAREN = 40;
const RPAREN = 41;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const SEMICOLON = 59;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;

/** Thrown when the text is anything the lexer is not sure of: the file is then parsed in full. */
class Bail extends Error {}

let src = '';
let len = 0;
/** Where the lexer is. */
let pos = 0;
/** The current token: its kind, where it starts, and its bracket for Open and Close. */
let kind: Tok = Tok.Eof;
let tokStart = 0;
let tokChar = 0;
/** Whether a newline now inserts a semicolon (Go spec: the line's last token is an identifier, a literal, `)`, …). */
let lastEnds = false;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function word(): string {
  return src.slice(tokStart, pos);
}

/** The end of a "string" or 'rune' opening at `open`; -1 when it runs into a newline or the end. */
function quotedEnd(open: number, quote: number): number {
  for (let i = open + 1; i < len; i++) {
    const c = src.charCodeAt(i);
    if (c === quote) return i + 1;
    if (c === BACKSLASH) i++;
    else if (c === NL) return -1;
  }
  return -1;
}

function rawStringEnd(open: number): number {
  const close = src.indexOf('`', open + 1);
  return close < 0 ? -1 : close + 1;
}

function blockCommentEnd(open: number): number {
  const close = src.indexOf('*/', open + 2);
  return close < 0 ? -1 : close + 2;
}

// What matters inside a block: braces, and what may hide one (strings, runes, comments).
const BLOCK_SPECIAL = /[{}"'`/]/g;

/** Moves past the `{…}` block whose `{` is at `open`; then a newline ends a statement. */
function skipBlock(open: number): number {
  let depth = 1;
  const re = BLOCK_SPECIAL;
  re.lastIndex = open + 1;
  while (re.test(src)) {
    const i = re.lastIndex - 1;
    const c = src.charCodeAt(i);
    if (c === LBRACE) {
      depth++;
    } else if (c === RBRACE) {
      if (--depth === 0) {
        pos = i + 1;
        lastEnds = true;
        return pos;
      }
    } else if (c === SLASH) {
      const d = src.charCodeAt(i + 1);
      if (d === SLASH) {
        const nl = src.indexOf('\n', i);
        if (nl < 0) break;
        re.lastIndex = nl;
      } else if (d === STAR) {
        const end = blockCommentEnd(i);
        if (end < 0) break;
        re.lastIndex = end;
      }
    } else {
      const end = c === BACKTICK ? rawStringEnd(i) : quotedEnd(i, c);
      if (end < 0) break;
      re.lastIndex = end;
    }
  }
  throw new Bail();
}

function token(k: Tok, end: number, ends: boolean): Tok {
  pos = end;
  lastEnds = ends;
  return (kind = k);
}

function next(): Tok {
  for (;;) {
    tokStart = pos;
    if (pos >= len) return (kind = Tok.Eof);
    const c = src.charCodeAt(pos);
    if (c === SPACE || c === TAB || c === CR || c === FORM_FEED) {
      pos++;
      continue;
    }
    if (c === NL) {
      pos++;
      if (lastEnds) return token(Tok.Semi, pos, false);
      continue;
    }
    if (isIdentStart(c)) {
      let i = pos + 1;
      while (i < len && isIdentPart(src.charCodeAt(i))) i++;
      pos = i;
      lastEnds = !NO_SEMICOLON_AFTER.has(word());
      return (kind = Tok.Ident);
    }
    switch (c) {
      case LPAREN:
      case LBRACKET:
      case LBRACE:
        tokChar = c;
        return token(Tok.Open, pos + 1, false);
      case RPAREN:
      case RBRACKET:
      case RBRACE:
        tokChar = c;
        return token(Tok.Close, pos + 1, true);
      case SEMICOLON:
        return token(Tok.Semi, pos + 1, false);
      case DQUOTE:
      case SQUOTE: {
        const end = quotedEnd(pos, c);
        if (end < 0) throw new Bail();
        return token(Tok.Literal, end, true);
      }
      case BACKTICK: {
        const end = rawStringEnd(pos);
        if (end < 0) throw new Bail();
        return token(Tok.Literal, end, true);
      }
      case SLASH: {
        const d = src.charCodeAt(pos + 1);
        if (d === SLASH) {
          const nl = src.indexOf('\n', pos);
          pos = nl < 0 ? len : nl;
          continue;
        }
        if (d === STAR) {
          const end = blockCommentEnd(pos);
          if (end < 0) throw new Bail();
          // A general comment that spans lines acts like a newline.
          const nl = src.indexOf('\n', pos);
          pos = end;
          if (nl >= 0 && nl < end && lastEnds) return token(Tok.Semi, pos, false);
          continue;
        }
        return token(Tok.Other, pos + 1, false);
      }
      case PLUS:
      case MINUS:
        if (src.charCodeAt(pos + 1) === c) return token(Tok.Other, pos + 2, true); // ++ and -- end a statement
        return token(Tok.Other, pos + 1, false);
    }
    if (isDigit(c) || (c === DOT && isDigit(src.charCodeAt(pos + 1)))) return token(Tok.Literal, numberEnd(c), true);
    return token(Tok.Other, pos + 1, false);
  }
}

function numberEnd(first: number): number {
  const hex = first === 48 && (src.charCodeAt(pos + 1) | 32) === 120;
  let i = pos + 1;
  for (; i < len; i++) {
    const d = src.charCodeAt(i);
    if (isIdentPart(d) || d === DOT) continue;
    // An exponent's sign: 1e+9, 0x1p-2.
    const e = src.charCodeAt(i - 1) | 32;
    if ((d === PLUS || d === MINUS) && ((e === 101 && !hex) || e === 112)) continue;
    break;
  }
  return i;
}

const CLOSER: Record<number, number> = { [LPAREN]: RPAREN, [LBRACKET]: RBRACKET, [LBRACE]: RBRACE };

/** The closing brackets still expected, innermost last. */
const stack: number[] = [];

function push(): void {
  stack.push(CLOSER[tokChar]);
}

function pop(): void {
  if (stack.pop() !== tokChar) throw new Bail();
}

/** After `func`: receiver, name, signature, and the body if there is one. Returns whether a statement ended. */
function scanFunc(start: number, functions: ScannedFunction[]): boolean {
  let receiver: string | undefined;
  if (next() === Tok.Open && tokChar === LPAREN) {
    const from = tokStart;
    push();
    while (stack.length > 0) {
      const k = next();
      if (k === Tok.Eof) throw new Bail();
      if (k === Tok.Open) push();
      else if (k === Tok.Close) pop();
    }
    receiver = src.slice(from, pos);
    next();
  }
  if (kind !== Tok.Ident) throw new Bail();
  const name = word();
  // The signature: a `{` outside its brackets is the body, unless it opens a struct or interface type.
  let typeLiteral = false;
  for (;;) {
    const k = next();
    if (k === Tok.Eof) return true;
    if (stack.length === 0) {
      if (k === Tok.Semi) return true; // no body: implemented elsewhere (assembly, linkname)
      if (k === Tok.Open && tokChar === LBRACE) {
        if (typeLiteral) {
          skipBlock(tokStart);
          typeLiteral = false;
          continue;
        }
        const bodyStart = tokStart;
        const bodyEnd = skipBlock(bodyStart);
        functions.push({ start, bodyStart, bodyEnd, name, receiver });
        return false;
      }
    }
    typeLiteral = false;
    if (k === Tok.Open) push();
    else if (k === Tok.Close) pop();
    else if (k === Tok.Ident && stack.length === 0) {
      const w = word();
      typeLiteral = w === 'struct' || w === 'interface';
    }
  }
}

/** After `type`: one spec, or a parenthesized group of them. Returns whether a statement ended. */
function scanType(typeSpecs: ScannedTypeSpec[]): boolean {
  const k = next();
  if (k === Tok.Ident) {
    const name = word();
    const from = tokStart;
    for (;;) {
      const t = next();
      if (t === Tok.Eof || (t === Tok.Semi && stack.length === 0)) {
        typeSpecs.push({ name, text: src.slice(from, tokStart) });
        return true;
      }
      if (t === Tok.Open) push();
      else if (t === Tok.Close) pop();
    }
  }
  if (k !== Tok.Open || tokChar !== LPAREN) throw new Bail();
  push();
  const base = stack.length;
  let name: string | undefined;
  let from = 0;
  let expectName = true;
  for (;;) {
    const t = next();
    if (t === Tok.Eof) throw new Bail();
    if (stack.length === base) {
      if (t === Tok.Ident && expectName) {
        name = word();
        from = tokStart;
        expectName = false;
        continue;
      }
      if (t === Tok.Semi) {
        if (name !== undefined) typeSpecs.push({ name, text: src.slice(from, tokStart) });
        name = undefined;
        expectName = true;
        continue;
      }
    }
    if (t === Tok.Open) push();
    else if (t === Tok.Close) {
      pop();
      if (stack.length === base - 1) {
        if (name !== undefined) typeSpecs.push({ name, text: src.slice(from, tokStart) });
        return false;
      }
    }
  }
}

/** After `var`: the names of one spec, or of each spec of a parenthesized group. Returns whether a statement ended. */
function scanVar(varNames: string[]): boolean {
  let k = next();
  const grouped = k === Tok.Open && tokChar === LPAREN;
  if (grouped) {
    push();
    k = next();
  }
  const base = stack.length;
  // Each spec starts with its names: `a, b T = …`.
  let names = true;
  let comma = false;
  for (;; k = next()) {
    if (k === Tok.Eof) {
      if (grouped) throw new Bail();
      return true;
    }
    if (stack.length === base) {
      if (k === Tok.Semi) {
        if (!grouped) return true;
        names = true;
        comma = false;
        continue;
      }
      if (names && k === Tok.Ident && !comma) {
        varNames.push(word());
        comma = true;
        continue;
      }
      if (names && k === Tok.Other && comma && src.charCodeAt(tokStart) === 44) {
        comma = false;
        continue;
      }
      names = false;
    }
    if (k === Tok.Open) push();
    else if (k === Tok.Close) {
      pop();
      if (grouped && stack.length === base - 1) return false;
    }
  }
}

/**
 * Finds a file's top-level functions with bodies, and its top-level type specs, without parsing;
 * undefined when the text is anything the lexer is not sure of (an unterminated string or comment,
 * unbalanced brackets, a declaration it cannot read).
 */
export function scanGoFile(source: string): ScannedFile | undefined {
  const functions: ScannedFunction[] = [];
  const typeSpecs: ScannedTypeSpec[] = [];
  const varNames: string[] = [];
  src = source;
  len = source.length;
  pos = 0;
  lastEnds = false;
  stack.length = 0;
  try {
    let atStart = true;
    for (;;) {
      const k = next();
      if (k === Tok.Eof) break;
      if (k === Tok.Semi) {
        if (stack.length === 0) atStart = true;
        continue;
      }
      if (k === Tok.Ident && stack.length === 0 && atStart) {
        const w = word();
        if (w === 'func') {
          atStart = scanFunc(tokStart, functions);
          continue;
        }
        if (w === 'type') {
          atStart = scanType(typeSpecs);
          continue;
        }
        if (w === 'var') {
          atStart = scanVar(varNames);
          continue;
        }
      }
      atStart = false;
      if (k === Tok.Open) push();
      else if (k === Tok.Close) pop();
    }
    if (stack.length > 0) return undefined;
  } catch (err) {
    if (err instanceof Bail) return undefined;
    throw err;
  } finally {
    src = ''; // let the text go
  }
  return { functions, typeSpecs, varNames };
}

/** The end of the `{…}` block whose `{` is at `open` in `source` (strings and comments skipped), or -1 when unsure. */
export function blockEnd(source: string, open: number): number {
  src = source;
  len = source.length;
  try {
    return skipBlock(open);
  } catch (err) {
    if (err instanceof Bail) return -1;
    throw err;
  } finally {
    src = '';
  }
}

// ---- the parse ----

/** A parse and the bodies it left out, by the index of their `{`. */
export interface SkeletonParse {
  tree: Parser.Tree;
  /** Bodies whose statements are not in the tree, by their `{`'s index. */
  skipped: ReadonlySet<number>;
}

/** The source ranges a parse includes: all of it but the interiors of the given bodies. */
function includedRanges(src: string, bodies: readonly ScannedFunction[]): SourceRange[] {
  const ranges: SourceRange[] = [];
  let row = 0;
  let lineStart = 0;
  let scanned = 0;
  const pointAt = (index: number) => {
    for (let nl = src.indexOf('\n', scanned); nl >= 0 && nl < index; nl = src.indexOf('\n', nl + 1)) {
      row++;
      lineStart = nl + 1;
    }
    scanned = index;
    return { row, column: index - lineStart };
  };
  let from = 0;
  let fromPoint = { row: 0, column: 0 };
  for (const b of bodies) {
    const open = b.bodyStart + 1;
    const close = b.bodyEnd - 1;
    const openPoint = pointAt(open);
    ranges.push({ startIndex: from, endIndex: open, startPosition: fromPoint, endPosition: openPoint });
    from = close;
    fromPoint = pointAt(close);
  }
  ranges.push({ startIndex: from, endIndex: src.length, startPosition: fromPoint, endPosition: pointAt(src.length) });
  return ranges;
}

/**
 * Parses `src` with the bodies `keep` rejects left out, or in full when nothing would be left out,
 * the lexer gave up (scanned undefined), or the skeleton tree is not what a full parse would give
 * outside those bodies (an error, or a left-out body that is not a function's empty block).
 */
export function parseSkeleton(src: string, scanned: ScannedFile | undefined, keep: (fn: ScannedFunction) => boolean): SkeletonParse {
  // A body with nothing between its braces costs nothing to parse.
  const left = scanned?.functions.filter((f) => f.bodyEnd - f.bodyStart > 2 && !keep(f)) ?? [];
  if (left.length === 0) return { tree: parseGo(src), skipped: new Set() };
  const tree = parseGoRanges(src, includedRanges(src, left));
  const root = tree.rootNode;
  if (!root.hasError) {
    const expected = new Map(left.map((f) => [f.bodyStart, f.bodyEnd]));
    let seen = 0;
    for (const top of root.namedChildren) {
      if (top.type !== 'function_declaration' && top.type !== 'method_declaration') continue;
      const body = top.childForFieldName('body');
      const end = body ? expected.get(body.startIndex) : undefined;
      if (end === undefined) continue;
      if (body!.endIndex !== end || body!.childCount !== 2) {
        seen = -1;
        break;
      }
      seen++;
    }
    if (seen === left.length) return { tree, skipped: new Set(expected.keys()) };
  }
  return { tree: parseGo(src), skipped: new Set() };
}
