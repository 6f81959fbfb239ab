/** One pull request review from the workflow token: inline comments with ```suggestion blocks. */
import type { Octokit } from '@octokit/rest';
import type { Finding } from '../engine/index.js';
import { reviewComments, type ReviewComment } from '../report/comment.js';
import { parseFingerprint } from '../report/fingerprint.js';
import type { PullRequestEvent } from './event.js';

/** Findings commented inline per review (a multi-edit fix adds a comment per edit); past this a review is noise, and the rest are in the annotations anyway. */
export const MAX_REVIEW_COMMENTS = 50;

/**
 * The differential review already placed each finding on a line of the diff's hunks and kept a
 * fix only when every line its edits replace was added, so those are the lines the comments may use.
 */
function linesInDiff(finding: Finding): Set<number> {
  const lines = new Set([finding.line]);
  for (const e of finding.fix?.edits ?? []) for (let n = e.startLine; n <= e.endLine; n++) lines.add(n);
  return lines;
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
    const marker = parseFingerprint(c.body ?? '');
    if (marker) seen.add(`${c.path}\0${marker.fp}`);
  }
  return seen;
}

/** posted: findings newly commented inline; skipped: already on the pull request; omitted: over MAX_REVIEW_COMMENTS. */
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
    // One entry per finding: its comment, or one per edit of a multi-edit fix.
    const fresh: ReviewComment[][] = [];
    findings.forEach((f, i) => {
      if (already.has(`${f.file}\0${fingerprints[i]}`)) return;
      const forFinding = reviewComments(f, fingerprints[i]!, linesInDiff(f), docsBaseUrl);
      if (forFinding.length > 0) fresh.push(forFinding);
    });
    const skipped = findings.length - fresh.length;
    if (fresh.length === 0) return { posted: 0, skipped, omitted: 0 };
    const commented = fresh.slice(0, MAX_REVIEW_COMMENTS);
    const comments = commented.flat();
    const omitted = fresh.length - commented.length;
    const noun = fresh.length === 1 ? 'possible data race' : 'possible data races';
    const rest = omitted > 0 ? ` The first ${commented.length} are commented inline; all are in the workflow run's annotations.` : '';
    await octokit.rest.pulls.createReview({
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      commit_id: pr.headSha,
      event: 'COMMENT',
      body: `racecheck found ${fresh.length} ${noun} in the lines this pull request changes.${rest}`,
      comments,
    });
    return { posted: commented.length, skipped, omitted };
  } catch (err) {
    if (httpStatus(err) === 403) return { forbidden: err instanceof Error ? err.message : String(err) };
    throw err;
  }
}
