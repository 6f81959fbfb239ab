/** One pull request review from the workflow token: inline comments with ```suggestion blocks. */
import type { Octokit } from '@octokit/rest';
import { RULES } from '../engine/index.js';
import type { Finding } from '../engine/index.js';
import { docsUrl } from '../cli/docs-url.js';
import type { PullRequestEvent } from './event.js';

export interface ReviewComment {
  path: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
  body: string;
}

const MARKER = /<!-- racecheck-action:fp=([0-9a-f]+:\d+) -->/;

/** Inline comments per review; past this a review is noise, and the rest are in the annotations anyway. */
export const MAX_REVIEW_COMMENTS = 50;

/** A fence longer than any backtick run in the replacement, so the suggestion block cannot end early. */
function fence(text: string): string {
  return '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
}

export function commentBody(finding: Finding, fingerprint: string, docsBaseUrl: string): string {
  const meta = RULES.find((r) => r.id === finding.rule);
  const parts = [`**racecheck** · \`${finding.rule}\` · ${finding.severity}`, finding.message];
  if (finding.related.length > 0) {
    const where = (r: Finding['related'][number]) => (r.file === finding.file ? `line ${r.line}` : `\`${r.file}\` line ${r.line}`);
    parts.push(`Conflicting accesses:\n${finding.related.map((r) => `- ${where(r)}: ${r.message}`).join('\n')}`);
  }
  if (finding.suggestion) {
    const f = fence(finding.suggestion.replacement);
    parts.push(`${f}suggestion\n${finding.suggestion.replacement}\n${f}`);
  }
  if (finding.fixHint) parts.push(finding.fixHint);
  if (meta) parts.push(`[About \`${finding.rule}\`](${docsUrl(meta.docPath, docsBaseUrl)})`);
  parts.push(`<!-- racecheck-action:fp=${fingerprint} -->`);
  return parts.join('\n\n');
}

/** A suggestion replaces exactly the lines it covers, so the comment spans them. */
export function reviewComment(finding: Finding, fingerprint: string, docsBaseUrl: string): ReviewComment {
  const body = commentBody(finding, fingerprint, docsBaseUrl);
  const s = finding.suggestion;
  if (s && s.startLine < s.endLine) {
    return { path: finding.file, start_line: s.startLine, start_side: 'RIGHT', line: s.endLine, side: 'RIGHT', body };
  }
  return { path: finding.file, line: s ? s.endLine : finding.line, side: 'RIGHT', body };
}

/** Fingerprints of the comments this action already left on the pull request, so a re-run does not repeat them. */
export async function postedFingerprints(octokit: Octokit, pr: PullRequestEvent): Promise<Set<string>> {
  const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    per_page: 100,
  });
  const seen = new Set<string>();
  for (const c of comments) {
    const m = MARKER.exec(c.body ?? '');
    if (m) seen.add(`${c.path}\0${m[1]}`);
  }
  return seen;
}

/** posted: new inline comments; skipped: already on the pull request; omitted: over MAX_REVIEW_COMMENTS. */
export type ReviewOutcome = { posted: number; skipped: number; omitted: number } | { forbidden: string };

export function httpStatus(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : undefined;
}

/**
 * Posts one COMMENT review with an inline comment per finding not already on the pull request.
 * A 403 (a fork's read-only token, or a workflow without pull-requests: write) is an outcome, not a failure.
 */
export async function postReview(
  octokit: Octokit,
  pr: PullRequestEvent,
  findings: readonly Finding[],
  fingerprints: readonly string[],
  docsBaseUrl: string,
): Promise<ReviewOutcome> {
  try {
    const already = await postedFingerprints(octokit, pr);
    const fresh: ReviewComment[] = [];
    findings.forEach((f, i) => {
      if (!already.has(`${f.file}\0${fingerprints[i]}`)) fresh.push(reviewComment(f, fingerprints[i]!, docsBaseUrl));
    });
    const skipped = findings.length - fresh.length;
    if (fresh.length === 0) return { posted: 0, skipped, omitted: 0 };
    const comments = fresh.slice(0, MAX_REVIEW_COMMENTS);
    const omitted = fresh.length - comments.length;
    const noun = fresh.length === 1 ? 'possible data race' : 'possible data races';
    const rest = omitted > 0 ? ` The first ${comments.length} are commented inline; all are in the workflow run's annotations.` : '';
    await octokit.rest.pulls.createReview({
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      commit_id: pr.headSha,
      event: 'COMMENT',
      body: `racecheck found ${fresh.length} ${noun} in the lines this pull request changes.${rest}`,
      comments,
    });
    return { posted: comments.length, skipped, omitted };
  } catch (err) {
    if (httpStatus(err) === 403) return { forbidden: err instanceof Error ? err.message : String(err) };
    throw err;
  }
}
