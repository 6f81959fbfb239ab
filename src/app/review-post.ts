import { randomUUID } from 'node:crypto';
import { abortReason, isGitHubTimeout } from './bounded-requests.js';
import { errorMessage, httpStatus, type Log, type Octokit, type PullTarget } from './github.js';
import type { ReviewComment } from '../report/comment.js';

/** Tries of one review POST when GitHub's answer is lost (timeout or 5xx). */
export const REVIEW_POST_ATTEMPTS = 3;

/** A timeout or a 5xx: GitHub may or may not have created the review. */
function outcomeUnknown(err: unknown): boolean {
  if (abortReason(err) !== undefined) return false;
  return isGitHubTimeout(err) || (httpStatus(err) ?? 0) >= 500;
}

async function reviewWithMarker(octokit: Octokit, target: PullTarget, marker: string): Promise<boolean> {
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { owner: target.owner, repo: target.repo, pull_number: target.pullNumber, per_page: 100 });
  return reviews.some((r) => (r.body ?? '').includes(marker));
}

/**
 * Posts one review, never two: the body carries a one-off marker, and when an attempt's outcome is unknown
 * the pull request's reviews are read first and the POST is sent again only if the marker is not there.
 * Octokit's own retries are off for this request because they would re-send without looking; a 429 is
 * sent again after a pause.
 */
export async function postReviewOnce(
  octokit: Octokit,
  target: PullTarget,
  review: { body: string; comments: ReviewComment[] },
  log: Log,
  backoffMs = 1000,
): Promise<void> {
  const marker = `<!-- racecheck-review ${randomUUID()} -->`;
  for (let attempt = 1; ; attempt++) {
    try {
      await octokit.rest.pulls.createReview({
        owner: target.owner,
        repo: target.repo,
        pull_number: target.pullNumber,
        commit_id: target.headSha,
        event: 'COMMENT',
        body: `${review.body}\n\n${marker}`,
        comments: review.comments,
        request: { retries: 0 },
      });
      return;
    } catch (err) {
      // 429: GitHub refused it, so it can go again as it is; a lost answer needs a look first.
      const refused = httpStatus(err) === 429;
      if ((!refused && !outcomeUnknown(err)) || attempt >= REVIEW_POST_ATTEMPTS) throw err;
      if (!refused) {
        log.warn({ err: errorMessage(err), status: httpStatus(err), pull: target.pullNumber, attempt }, 'review POST got no answer; checking whether GitHub created it before trying again');
        if (await reviewWithMarker(octokit, target, marker)) return;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs * attempt));
    }
  }
}
