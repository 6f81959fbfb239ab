/** Review comments for a finding, as the App and the Action post them. */
import { RULES, type Finding } from '../engine/index.js';
import { docsUrl } from './docs-url.js';
import { fingerprintMarker } from './fingerprint.js';
import { inlineCode } from './markdown.js';

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

/** A ```suggestion block replacing the commented lines with `replacement`. */
function suggestionBlock(replacement: string): string {
  const f = fence(replacement);
  return `${f}suggestion\n${replacement}\n${f}`;
}

/**
 * The main comment of a finding. With `withFix`, it explains the whole fix and carries its first
 * edit; the other edits follow as comments of their own (editComment).
 */
export function commentBody(finding: Finding, fp: string, docsBaseUrl: string, withFix: boolean): string {
  const parts: string[] = [];
  const icon = finding.severity === 'error' ? '🛑' : finding.severity === 'warning' ? '⚠️' : 'ℹ️';
  const summary = RULES.find((r) => r.id === finding.rule)?.summary;
  parts.push(`${icon} **Possible data race** · \`${finding.rule}\` · ${finding.severity}` + (summary ? `\n_${summary}_` : ''));
  parts.push(finding.message);
  const accesses = [`- line ${finding.line} (here)`];
  for (const r of finding.related) {
    const where = r.file === finding.file ? `line ${r.line}` : `${inlineCode(r.file)} line ${r.line}`;
    accesses.push(`- ${where}: ${r.message}`);
  }
  if (finding.threads && finding.threads.length > 0) {
    // The interleaving, goroutine by goroutine: where each starts, the calls on its way, its access.
    const at = (step: { file: string; line: number }) =>
      step.file === finding.file ? (step.line === finding.line ? `line ${step.line} (here)` : `line ${step.line}`) : `${inlineCode(step.file)} line ${step.line}`;
    const threads = finding.threads.map(
      (t, i) => `${i + 1}. ${t.description}\n` + t.steps.map((step) => `   - ${at(step)}: ${step.message}`).join('\n'),
    );
    parts.push(`**How the goroutines get there**\n${threads.join('\n')}`);
  } else if (finding.related.length > 0) parts.push(`**Conflicting accesses**\n${accesses.join('\n')}`);
  const fix = finding.fix;
  if (fix && withFix) {
    const n = fix.edits.length;
    const lines = (e: { startLine: number; endLine: number }) => (e.startLine === e.endLine ? `line ${e.startLine}` : `lines ${e.startLine}–${e.endLine}`);
    const together =
      n === 1
        ? ''
        : `\n\nThe fix takes ${n} edits, applied together (add them to one batch): this one, and the suggestions on ${fix.edits
            .slice(1)
            .map(lines)
            .join(', ')}. Any one alone does not compile or does not fix the race.`;
    parts.push(`**Suggested fix**${n === 1 ? '' : ` (edit 1 of ${n})`}: ${fix.message}${together}\n${suggestionBlock(fix.edits[0].replacement)}`);
  }
  if (finding.fixHint) parts.push(finding.fixHint);
  const meta = RULES.find((r) => r.id === finding.rule);
  if (meta) parts.push(`[About \`${finding.rule}\`](${docsUrl(meta.docPath, docsBaseUrl)})`);
  parts.push(fingerprintMarker(fp));
  return parts.join('\n\n');
}

/** A follow-up comment carrying edit `index` (0-based, > 0) of a multi-edit fix. */
function editCommentBody(finding: Finding, fp: string, index: number): string {
  const fix = finding.fix!;
  return [
    `**Suggested fix, edit ${index + 1} of ${fix.edits.length}** for the \`${finding.rule}\` finding on line ${finding.line}: ${fix.message} Apply it together with the other edits.`,
    suggestionBlock(fix.edits[index].replacement),
    fingerprintMarker(fp),
  ].join('\n\n');
}

function spanComment(path: string, startLine: number, endLine: number, body: string): ReviewComment {
  const comment: ReviewComment = { path, line: endLine, side: 'RIGHT', body };
  if (startLine < endLine) Object.assign(comment, { start_line: startLine, start_side: 'RIGHT' });
  return comment;
}

/**
 * Places a finding on the diff. Each edit of its fix replaces exactly the lines its comment spans, so a
 * fix becomes one comment per edit, the first explaining the whole fix. A fix is offered whole or not
 * at all: if any edit leaves the diff, there is one comment on the flagged line, without a fix. Returns
 * nothing when the flagged line itself is outside the diff.
 */
export function reviewComments(finding: Finding, fp: string, commentable: ReadonlySet<number>, docsBaseUrl: string): ReviewComment[] {
  const fix = finding.fix;
  if (fix && fix.edits.length > 0) {
    const inDiff = fix.edits.every((e) => {
      for (let n = e.startLine; n <= e.endLine; n++) if (!commentable.has(n)) return false;
      return true;
    });
    if (inDiff) {
      return fix.edits.map((e, i) =>
        spanComment(finding.file, e.startLine, e.endLine, i === 0 ? commentBody(finding, fp, docsBaseUrl, true) : editCommentBody(finding, fp, i)),
      );
    }
  }
  if (!commentable.has(finding.line)) return [];
  return [{ path: finding.file, line: finding.line, side: 'RIGHT', body: commentBody(finding, fp, docsBaseUrl, false) }];
}
