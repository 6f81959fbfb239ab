/** The pull request a workflow run is about, from the event payload GitHub writes to GITHUB_EVENT_PATH. */
import { readFile } from 'node:fs/promises';

export interface PullRequestEvent {
  owner: string;
  repo: string;
  number: number;
  baseSha: string;
  headSha: string;
}

/** Thrown for a run the action cannot review (not a pull request event, a malformed payload). */
export class ActionInputError extends Error {}

interface PayloadShape {
  pull_request?: {
    number?: unknown;
    base?: { sha?: unknown; repo?: { full_name?: unknown } };
    head?: { sha?: unknown };
  };
  repository?: { full_name?: unknown };
}

const SHA = /^[0-9a-f]{40}$/;

/**
 * Reads a pull_request (or pull_request_target) payload. Returns undefined for other events, which
 * have no base to diff against.
 */
export async function readPullRequestEvent(eventPath: string | undefined, repository?: string): Promise<PullRequestEvent | undefined> {
  if (!eventPath) throw new ActionInputError('GITHUB_EVENT_PATH is not set; run racecheck as a step of a GitHub Actions workflow');
  let payload: PayloadShape;
  try {
    payload = JSON.parse(await readFile(eventPath, 'utf8')) as PayloadShape;
  } catch (err) {
    throw new ActionInputError(`cannot read the event payload ${eventPath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const pr = payload.pull_request;
  if (!pr) return undefined;
  const fullName = pr.base?.repo?.full_name ?? payload.repository?.full_name ?? repository;
  const baseSha = pr.base?.sha;
  const headSha = pr.head?.sha;
  if (typeof fullName !== 'string' || !fullName.includes('/')) throw new ActionInputError('the event payload names no repository');
  if (typeof pr.number !== 'number' || typeof baseSha !== 'string' || !SHA.test(baseSha) || typeof headSha !== 'string' || !SHA.test(headSha)) {
    throw new ActionInputError('the pull_request payload lacks number, base.sha or head.sha');
  }
  const [owner, repo] = fullName.split('/') as [string, string];
  return { owner, repo, number: pr.number, baseSha, headSha };
}
