/** Running git for `--base`: the diff a pull request from this branch would show. */
import { execFile } from 'node:child_process';
import { CliError } from './errors.js';

interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  missingGit: boolean;
}

function git(args: string[], cwd: string): Promise<GitResult> {
  return new Promise((resolvePromise) => {
    execFile('git', args, { cwd, maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const missingGit = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT' && !stderr;
      resolvePromise({ ok: !err, stdout, stderr, missingGit });
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.replace(/^(fatal|error): /, '') ?? '';
}

export interface BranchDiff {
  /** Absolute path of the work tree's top level; the diff's paths are relative to it. */
  topLevel: string;
  mergeBase: string;
  diff: string;
}

/** The diff from merge-base(rev, HEAD) to the working tree, in the repository containing `dir`. */
export async function diffAgainstBase(rev: string, dir: string): Promise<BranchDiff> {
  const top = await git(['rev-parse', '--show-toplevel'], dir);
  if (top.missingGit) throw new CliError('--base needs git, and git is not installed (not on PATH)');
  if (!top.ok) throw new CliError(`not a git repository: ${dir}`);
  const topLevel = top.stdout.trim();
  const base = await git(['merge-base', rev, 'HEAD'], topLevel);
  if (!base.ok) {
    const why = firstLine(base.stderr);
    throw new CliError(`cannot find a merge base of ${rev} and HEAD${why ? `: ${why}` : ' (do they share history?)'}`);
  }
  const mergeBase = base.stdout.trim();
  // Explicit prefixes: a user's diff.noprefix or diff.mnemonicPrefix config would break path parsing.
  const diff = await git(
    ['diff', '--no-color', '--no-ext-diff', '--src-prefix=a/', '--dst-prefix=b/', '-U0', mergeBase],
    topLevel,
  );
  if (!diff.ok) throw new CliError(`git diff failed: ${firstLine(diff.stderr)}`);
  return { topLevel, mergeBase, diff: diff.stdout };
}
