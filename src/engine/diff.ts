import parseDiff from 'parse-diff';
import type { Finding } from './types.js';

/** One file of a unified diff, reduced to what the engine needs. */
export interface DiffFile {
  /** New path ("b/" side), or the old path for a deletion. */
  path: string;
  deleted: boolean;
  /** 1-based line numbers, in the new file, of the lines the diff adds. */
  addedLines: Set<number>;
  /** This file's hunks as patch text (what GitHub's "list pull request files" calls `patch`). */
  patch: string;
}

export class DiffParseError extends Error {}

function addedLinesOf(file: parseDiff.File): Set<number> {
  const added = new Set<number>();
  for (const chunk of file.chunks) {
    for (const change of chunk.changes) {
      if (change.type === 'add') added.add(change.ln);
    }
  }
  return added;
}

function stripPrefix(path: string | undefined): string | undefined {
  if (!path || path === '/dev/null') return undefined;
  return path.replace(/^[ab]\//, '');
}

/**
 * Parses a whole unified diff (`git diff` output). Throws DiffParseError when the text has
 * content but no file sections, since that means it is not a diff at all.
 */
export function parseUnifiedDiff(text: string): DiffFile[] {
  const files = parseDiff(text);
  const result: DiffFile[] = [];
  for (const file of files) {
    const to = stripPrefix(file.to);
    const from = stripPrefix(file.from);
    const path = to ?? from;
    if (!path) continue;
    const patch = file.chunks.map((c) => [c.content, ...c.changes.map((change) => change.content)].join('\n')).join('\n');
    result.push({ path, deleted: file.deleted === true || to === undefined, addedLines: addedLinesOf(file), patch });
  }
  if (result.length === 0 && text.trim().length > 0) {
    throw new DiffParseError('the input has no file sections ("--- a/…" / "+++ b/…"): is it a unified diff?');
  }
  return result;
}

/** Added lines of a single file's patch, as GitHub's "list pull request files" returns it (hunks only). */
export function addedLinesFromPatch(patch: string | undefined): Set<number> {
  if (!patch) return new Set();
  const files = parseDiff(patch);
  const added = new Set<number>();
  for (const file of files) for (const n of addedLinesOf(file)) added.add(n);
  return added;
}

/**
 * A finding as a review of the diff shows it: kept when one of its accesses (the flagged one or a
 * related one in the same file) is on an added line, and anchored there, since GitHub accepts
 * inline comments only on lines inside the diff. Its fix survives only when every line each of its
 * edits replaces was added, for the same reason: a fix is offered whole or not at all.
 */
export function anchorInDiff(finding: Finding, added: ReadonlySet<number>): Finding | undefined {
  let anchored: Finding;
  if (added.has(finding.line)) {
    anchored = finding;
  } else {
    const line = finding.related.filter((r) => r.file === finding.file).map((r) => r.line).find((l) => added.has(l));
    if (line === undefined) return undefined;
    anchored = { ...finding, line, column: 1, endLine: line, endColumn: 1 };
  }
  const fix = anchored.fix;
  if (fix && (anchored !== finding || !fix.edits.every((e) => everyLineAdded(e.startLine, e.endLine, added)))) {
    const { fix: _dropped, ...rest } = anchored;
    return rest;
  }
  return anchored;
}

export function everyLineAdded(start: number, end: number, added: ReadonlySet<number>): boolean {
  for (let line = start; line <= end; line++) if (!added.has(line)) return false;
  return true;
}

/**
 * Findings narrowed to a diff, per file: each anchored with anchorInDiff. A race between two accesses is
 * often reported from both sides; when only one side is in the diff both land on that line, so a moved
 * finding is dropped where an unmoved finding of the same rule already sits. Input order is kept.
 */
export function narrowToDiff(findings: readonly Finding[], addedLines: ReadonlyMap<string, ReadonlySet<number>>): Finding[] {
  const kept: { finding: Finding; moved: boolean }[] = [];
  const flagged = new Set<string>();
  const seen = new Set<string>();
  for (const f of findings) {
    const added = addedLines.get(f.file);
    const anchored = added ? anchorInDiff(f, added) : undefined;
    if (!anchored) continue;
    const key = `${anchored.file}:${anchored.line}:${anchored.column}:${anchored.rule}:${anchored.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const moved = anchored.line !== f.line;
    if (!moved) flagged.add(`${f.file}:${f.rule}:${f.line}`);
    kept.push({ finding: anchored, moved });
  }
  return kept.filter(({ finding, moved }) => !moved || !flagged.has(`${finding.file}:${finding.rule}:${finding.line}`)).map((k) => k.finding);
}
