/** Review comments for a finding, as the App and the Action post them. */
import { RULES, type Finding } from '../engine/index.js';
import { docsUrl } from './docs-url.js';
import { fingerprintMarker } from './fingerprint.js';

/** A review comment as "create a review" takes it. */
export interface ReviewComment {
  path: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
  body: string;
}

/** New-file line numbers a patch's hunks cover (added and context lines): where GitHub accepts comments. */
export function commentableLines(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  if (!patch) return lines;
  let next = 0;
  for (const line of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) next = Number(hunk[1]);
    else if (next === 0 || line.startsWith('\\')) continue;
    else if (line.startsWith('-')) continue;
    else lines.add(next++);
  }
  return lines;
}

/** The fenced block must outlast any backtick run inside the replacement. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

export function commentBody(finding: Finding, fp: string, docsBaseUrl: string, withSuggestion: boolean): string {
  const parts: string[] = [];
  const icon = finding.severity === 'error' ? '🛑' : finding.severity === 'warning' ? '⚠️' : 'ℹ️';
  const summary = RULES.find((r) => r.id === finding.rule)?.summary;
  parts.push(`${icon} **Possible data race** · \`${finding.rule}\` · ${finding.severity}` + (summary ? `\n_${summary}_` : ''));
  parts.push(finding.message);
  const accesses = [`- line ${finding.line} (here)`];
  for (const r of finding.related) {
    const where = r.file === finding.file ? `line ${r.line}` : `\`${r.file}\` line ${r.line}`;
    accesses.push(`- ${where}: ${r.message}`);
  }
  if (finding.related.length > 0) parts.push(`**Conflicting accesses**\n${accesses.join('\n')}`);
  if (finding.suggestion && withSuggestion) {
    const f = fence(finding.suggestion.replacement);
    parts.push(`**Suggested fix**\n${f}suggestion\n${finding.suggestion.replacement}\n${f}`);
  }
  if (finding.fixHint) parts.push(finding.fixHint);
  const meta = RULES.find((r) => r.id === finding.rule);
  if (meta) parts.push(`[About \`${finding.rule}\`](${docsUrl(meta.docPath, docsBaseUrl)})`);
  parts.push(fingerprintMarker(fp));
  return parts.join('\n\n');
}

/**
 * Places a finding on the diff. A suggestion replaces exactly the commented lines, so the comment spans
 * the suggestion's range; if that range leaves the diff, the suggestion is dropped and the comment stays
 * on the flagged line. Returns undefined when the flagged line itself is outside the diff.
 */
export function reviewComment(finding: Finding, fp: string, commentable: ReadonlySet<number>, docsBaseUrl: string): ReviewComment | undefined {
  const s = finding.suggestion;
  if (s) {
    let inDiff = true;
    for (let n = s.startLine; n <= s.endLine; n++) if (!commentable.has(n)) inDiff = false;
    if (inDiff) {
      const comment: ReviewComment = { path: finding.file, line: s.endLine, side: 'RIGHT', body: commentBody(finding, fp, docsBaseUrl, true) };
      if (s.startLine < s.endLine) Object.assign(comment, { start_line: s.startLine, start_side: 'RIGHT' });
      return comment;
    }
  }
  if (!commentable.has(finding.line)) return undefined;
  return { path: finding.file, line: finding.line, side: 'RIGHT', body: commentBody(finding, fp, docsBaseUrl, false) };
}
