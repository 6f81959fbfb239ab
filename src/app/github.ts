import type { ProbotOctokit } from 'probot';

/** The authenticated client Probot hands each event (REST, paginate, config plugins). */
export type Octokit = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The pull request a run reviews, pinned to one head commit. */
export interface PullTarget extends RepoRef {
  pullNumber: number;
  headSha: string;
}

/** Minimal logger shape (pino's) so tests can pass a fake. */
export interface Log {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

export function httpStatus(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A 403 or 429 that is GitHub's rate limit (primary: no requests left; secondary: "You have exceeded a
 * secondary rate limit", often without retry-after), not a refused token or a missing permission.
 */
export function isRateLimit(err: unknown): boolean {
  const status = httpStatus(err);
  if (status === 429) return true;
  if (status !== 403) return false;
  const headers = (err as { response?: { headers?: Record<string, unknown> } }).response?.headers;
  return headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(errorMessage(err));
}
