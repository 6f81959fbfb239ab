/**
 * Checks a rule's proposed fix before it is offered: the edited file must parse as well as before,
 * re-analysis must clear the finding without raising another, and the compile checks must find
 * nothing new (engine/fix/compile-checks.ts).
 */
import type Parser from 'tree-sitter';
import type { SuggestedFix, TextEdit } from '../types.js';
import { compileViolations, declaredFunctions, newViolations, siblingCallViolations, type Signature, type Violation } from './compile-checks.js';

/** What one analysis of a file text yields, for comparing a file before and after a fix. */
export interface FileAnalysisForFix {
  root: Parser.SyntaxNode;
  /** Every rule's diagnostics on the whole file, before diff narrowing and suppression. */
  diagnostics: readonly { rule: string; message: string }[];
}

/** Applies non-overlapping whole-line edits; undefined when an edit is out of range or they overlap. */
export function applyEdits(content: string, edits: readonly TextEdit[]): string | undefined {
  const lines = content.split('\n');
  const sorted = [...edits].sort((a, b) => a.startLine - b.startLine);
  let previousEnd = 0;
  for (const e of sorted) {
    if (e.startLine < 1 || e.endLine < e.startLine || e.endLine > lines.length || e.startLine <= previousEnd) return undefined;
    previousEnd = e.endLine;
  }
  for (const e of sorted.reverse()) {
    const crlf = lines[e.endLine - 1]?.endsWith('\r') ?? false;
    const replacement = e.replacement.split('\n').map((l) => (crlf ? `${l}\r` : l));
    lines.splice(e.startLine - 1, e.endLine - e.startLine + 1, ...replacement);
  }
  return lines.join('\n');
}

function syntaxErrorCount(root: Parser.SyntaxNode): number {
  if (!root.hasError) return 0;
  let count = 0;
  const walk = (n: Parser.SyntaxNode) => {
    if (n.type === 'ERROR' || n.isMissing) count++;
    else if (n.hasError) for (const c of n.children) walk(c);
  };
  walk(root);
  return count;
}

/** A diagnostic's identity across edits: rule and message, with line numbers (which shift) left out. */
function identity(d: { rule: string; message: string }): string {
  return `${d.rule}\0${d.message.replace(/\d+/g, '#')}`;
}

function countBy(ds: readonly { rule: string; message: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of ds) counts.set(identity(d), (counts.get(identity(d)) ?? 0) + 1);
  return counts;
}

function sameSignatures(a: ReadonlyMap<string, Signature>, b: ReadonlyMap<string, Signature>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, sig] of a) {
    const other = b.get(name);
    if (!other || JSON.stringify(other) !== JSON.stringify(sig)) return false;
  }
  return true;
}

/**
 * The indices of the top-level functions whose bodies hold the edits (strictly inside, header and
 * closing brace untouched); undefined when an edit falls outside every body. Such edits leave the
 * file's package-level declarations as they were.
 */
export function touchedFunctions(root: Parser.SyntaxNode, edits: readonly TextEdit[]): Set<number> | undefined {
  const touched = new Set<number>();
  for (const e of edits) {
    const index = root.namedChildren.findIndex((top) => {
      if (top.type !== 'function_declaration' && top.type !== 'method_declaration') return false;
      const body = top.childForFieldName('body');
      return body !== null && body.startPosition.row + 1 < e.startLine && e.endLine < body.endPosition.row + 1;
    });
    if (index === -1) return undefined;
    touched.add(index);
  }
  return touched;
}

/** The original file's analysis, with its compile violations computed once for all its fixes. */
export class FixVerifier {
  private ownViolations: Violation[] | undefined;
  private readonly touchedViolations = new Map<string, Violation[]>();
  private siblingViolations: Violation[] | undefined;
  private declared: Map<string, Signature> | undefined;
  private readonly counts: Map<string, number>;
  private readonly syntaxErrors: number;

  /** `siblings`: the other files of the package, whose calls of this file's functions must still match. */
  constructor(
    private readonly content: string,
    private readonly before: FileAnalysisForFix,
    private readonly analyzeText: (content: string, edits: readonly TextEdit[]) => FileAnalysisForFix,
    private readonly siblings: readonly { path: string; root: Parser.SyntaxNode }[] = [],
  ) {
    this.counts = countBy(before.diagnostics);
    this.syntaxErrors = syntaxErrorCount(before.root);
  }

  private callsFromSiblings(declared: ReadonlyMap<string, Signature>): Violation[] {
    return this.siblings.flatMap((s) => siblingCallViolations(s.root, declared, s.path));
  }

  /**
   * Violations the edit adds: in the file itself, and in its siblings' calls of the functions it
   * declares. The siblings are unchanged, so their calls are checked again only when a signature changed.
   */
  private freshViolations(after: Parser.SyntaxNode, edits: readonly TextEdit[]): Violation[] {
    const fresh = this.ownFreshViolations(after, edits);
    if (this.siblings.length === 0) return fresh;
    const declaredBefore = (this.declared ??= declaredFunctions(this.before.root));
    const declaredAfter = declaredFunctions(after);
    if (sameSignatures(declaredBefore, declaredAfter)) return fresh;
    return [...fresh, ...newViolations((this.siblingViolations ??= this.callsFromSiblings(declaredBefore)), this.callsFromSiblings(declaredAfter))];
  }

  /**
   * Violations the edit adds in the file itself. Edits inside function bodies leave every other
   * declaration as it was, so only the functions they touch are checked again, before and after.
   */
  private ownFreshViolations(after: Parser.SyntaxNode, edits: readonly TextEdit[]): Violation[] {
    const touched = touchedFunctions(this.before.root, edits);
    if (!touched || after.namedChildCount !== this.before.root.namedChildCount) {
      return newViolations((this.ownViolations ??= compileViolations(this.before.root)), compileViolations(after));
    }
    const key = [...touched].join(',');
    let before = this.touchedViolations.get(key);
    if (!before) this.touchedViolations.set(key, (before = compileViolations(this.before.root, touched)));
    return newViolations(before, compileViolations(after, touched));
  }

  /** Undefined when the fix holds; otherwise why it is not offered, in words. */
  check(fix: SuggestedFix, target: { rule: string; message: string }): string | undefined {
    if (fix.edits.length === 0) return 'it has no edits';
    const edited = applyEdits(this.content, fix.edits);
    if (edited === undefined) return 'its edits overlap or fall outside the file';
    const after = this.analyzeText(edited, fix.edits);
    if (syntaxErrorCount(after.root) > this.syntaxErrors) return 'the edited file would not parse';
    const fresh = this.freshViolations(after.root, fix.edits);
    if (fresh.length > 0) return fresh[0].reason;
    const afterCounts = countBy(after.diagnostics);
    const targetId = identity(target);
    if ((afterCounts.get(targetId) ?? 0) >= (this.counts.get(targetId) ?? 0)) return 'the finding would remain';
    for (const d of after.diagnostics) {
      const id = identity(d);
      if ((afterCounts.get(id) ?? 0) > (this.counts.get(id) ?? 0)) return `it would raise a new finding (${d.rule}: ${d.message})`;
    }
    return undefined;
  }
}
