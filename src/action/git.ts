/** The pull request's change, from the checkout's own git history (no API calls). */
import { execFile } from 'node:child_process';
import pLimit from 'p-limit';
import { ActionInputError } from './event.js';

function git(args: string[], cwd: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('git', args, { cwd, maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.trim().split('\n')[0] || err.message));
      else resolvePromise(stdout);
    });
  });
}

export async function topLevel(dir: string): Promise<string> {
  try {
    return (await git(['rev-parse', '--show-toplevel'], dir)).trim();
  } catch {
    throw new ActionInputError(`${dir} is not a git checkout; run actions/checkout first`);
  }
}

/** The full sha of a revision, or an error that says how to make it available. */
export async function resolveCommit(rev: string, dir: string, what: string): Promise<string> {
  try {
    return (await git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], dir)).trim();
  } catch {
    throw new ActionInputError(
      `the ${what} commit ${rev} is not in the checkout; use actions/checkout with fetch-depth: 0 so the pull request's history is there`,
    );
  }
}

/**
 * `git diff base...target`: what the pull request changes since it branched, with GitHub's three
 * context lines, so the hunks are the lines a review comment may sit on.
 */
export async function pullRequestDiff(baseSha: string, targetSha: string, dir: string): Promise<string> {
  try {
    // Explicit prefixes: a diff.noprefix or diff.mnemonicPrefix config would break path parsing.
    return await git(
      ['diff', '--no-color', '--no-ext-diff', '--src-prefix=a/', '--dst-prefix=b/', '-U3', `${baseSha}...${targetSha}`, '--'],
      dir,
    );
  } catch (err) {
    throw new ActionInputError(
      `git diff ${baseSha.slice(0, 7)}...${targetSha.slice(0, 7)} failed (${err instanceof Error ? err.message : String(err)}); ` +
        'use actions/checkout with fetch-depth: 0',
    );
  }
}

/** File contents at a commit, read from the object database so the working tree's state does not matter. */
export async function readAtCommit(sha: string, paths: readonly string[], dir: string): Promise<Map<string, string>> {
  const limit = pLimit(8);
  const entries = await Promise.all(paths.map((path) => limit(async () => [path, await git(['show', `${sha}:${path}`], dir)] as const)));
  return new Map(entries);
}
