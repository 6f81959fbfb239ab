/**
 * The racecheck GitHub Action: reviews the workflow's pull request with no App installed. It diffs
 * base...head in the checkout, analyzes the touched lines, and either writes SARIF for code scanning
 * or prints annotations and posts a review with the workflow token. action.yml runs this file.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Octokit } from '@octokit/rest';
import { emptyFixStats, loadModelsFile, ModelError, parseUnifiedDiff, placeForReview } from '../engine/index.js';
import type { AnalysisResult, Finding, ModelEntry, ReviewedFinding } from '../engine/index.js';
import { packageVersion, reviewChangesByGoVersion } from '../cli/main.js';
import { isSkippedDir } from '../cli/files.js';
import { escapeData, formatGithub, summaryLine } from '../cli/format.js';
import type { RunSummary } from '../cli/format.js';
import { formatSarif } from '../cli/sarif.js';
import { docsBaseUrl } from '../report/docs-url.js';
import { failsOn, isFailOn, type FailOn } from '../report/fail-on.js';
import { ActionInputError, readPullRequestEvent } from './event.js';
import type { PullRequestEvent } from './event.js';
import { pullRequestDiff, readAtCommit, resolveCommit, topLevel } from './git.js';
import { postReview } from './review.js';
import { fingerprintFindings } from '../report/fingerprint.js';

export type Env = Record<string, string | undefined>;

export interface ActionDeps {
  stdout: { write(text: string): unknown };
  /** Where a relative working-directory or sarif-file is resolved when GITHUB_WORKSPACE is unset. */
  cwd?: string;
}

export type Mode = 'sarif' | 'review';
export type { FailOn };

export interface ActionInputs {
  mode: Mode;
  token: string | undefined;
  sarifFile: string;
  failOn: FailOn;
  workingDirectory: string;
  path: string;
  /** Model files (racecheck --models), relative to working-directory. */
  models: string[];
}

/** Inputs as action.yml passes them (INPUT_<NAME>, dashes kept as underscores). */
export function readInputs(env: Env): ActionInputs {
  const input = (name: string) => env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`]?.trim() || undefined;
  const mode = input('mode') ?? 'sarif';
  if (mode !== 'sarif' && mode !== 'review') throw new ActionInputError(`input mode must be sarif or review (got ${mode})`);
  const failOn = input('fail-on') ?? 'error';
  if (!isFailOn(failOn)) {
    throw new ActionInputError(`input fail-on must be error, warning or never (got ${failOn})`);
  }
  return {
    mode,
    token: input('github-token'),
    sarifFile: input('sarif-file') ?? 'racecheck.sarif',
    failOn,
    workingDirectory: input('working-directory') ?? '.',
    path: input('path') ?? '.',
    models: (input('models') ?? '').split(/[\n,]/).map((p) => p.trim()).filter((p) => p !== ''),
  };
}

/** 1 when a finding is at or above fail-on's severity. */
export function exitStatus(findings: readonly Finding[], failOn: FailOn): number {
  return failsOn(findings, failOn) ? 1 : 0;
}

/** The diff's .go files under `prefix` (repo-relative, '' for all), skipping vendor/ and testdata/. */
function touchedGoFiles(diff: string, prefix: string) {
  return parseUnifiedDiff(diff)
    .filter((f) => !f.deleted && f.path.endsWith('.go'))
    .filter((f) => prefix === '' || f.path === prefix || f.path.startsWith(prefix + '/'))
    .filter((f) => !f.path.split('/').slice(0, -1).some(isSkippedDir));
}

interface Analysis {
  pr: PullRequestEvent;
  root: string;
  summary: RunSummary;
  contents: Map<string, string>;
}

async function analyzePullRequest(pr: PullRequestEvent, inputs: ActionInputs, workspace: string): Promise<Analysis> {
  const started = performance.now();
  const workDir = resolve(workspace, inputs.workingDirectory);
  const root = await topLevel(workDir);
  const scope = relative(root, resolve(workDir, inputs.path));
  if (scope.startsWith('..') || isAbsolute(scope)) throw new ActionInputError(`input path ${inputs.path} is outside the repository ${root}`);
  const base = await resolveCommit(pr.baseSha, root, 'base');
  // Review comments must sit on head's lines; SARIF describes what is checked out (the merge commit
  // by default), which is the commit upload-sarif attributes it to.
  const target = inputs.mode === 'review' ? await resolveCommit(pr.headSha, root, 'head') : await resolveCommit('HEAD', root, 'checked-out');
  const touched = touchedGoFiles(await pullRequestDiff(base, target, root), scope.split(sep).join('/'));
  const contents = await readAtCommit(target, touched.map((f) => f.path), root);
  const sources = touched.map((f) => ({ path: f.path, content: contents.get(f.path)!, patch: f.patch, absolutePath: join(root, f.path) }));
  // What the pull request introduces, its base rebuilt from the patch (see src/engine/differential.ts).
  const models = loadModels(inputs.models, workDir);
  const result: AnalysisResult = await reviewChangesByGoVersion(sources, 'introduced', undefined, undefined, undefined, models.length > 0 ? models : undefined);
  return { pr, root, contents, summary: { result, elapsedMs: performance.now() - started } };
}

/** The user's model files; a bad one is an input error with the loader's one-line message. */
function loadModels(paths: readonly string[], workDir: string): ModelEntry[] {
  try {
    return paths.flatMap((p) => loadModelsFile(resolve(workDir, p)));
  } catch (err) {
    if (err instanceof ModelError) throw new ActionInputError(`input models: ${err.message}`);
    throw err;
  }
}

async function setOutputs(env: Env, outputs: Record<string, string>): Promise<void> {
  if (!env.GITHUB_OUTPUT) return;
  await appendFile(env.GITHUB_OUTPUT, Object.entries(outputs).map(([k, v]) => `${k}=${v}\n`).join(''));
}

async function writeSarif(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Runs the action; returns the exit status (0 pass, 1 findings at or above fail-on, 2 could not run). */
export async function runAction(env: Env, deps: ActionDeps): Promise<number> {
  const log = (line: string) => deps.stdout.write(line + '\n');
  try {
    const inputs = readInputs(env);
    const workspace = env.GITHUB_WORKSPACE || deps.cwd || process.cwd();
    const sarifPath = resolve(workspace, inputs.sarifFile);
    const docsBase = docsBaseUrl(env);
    const pr = await readPullRequestEvent(env.GITHUB_EVENT_PATH, env.GITHUB_REPOSITORY);
    if (!pr) {
      log(`::notice::racecheck reviews pull requests; the ${env.GITHUB_EVENT_NAME ?? 'current'} event has none, so nothing was checked`);
      if (inputs.mode === 'sarif') {
        // An empty log keeps a following upload-sarif step from failing on a missing file.
        const empty: RunSummary = { result: { findings: [], suppressed: {}, files: [], fixes: emptyFixStats() }, elapsedMs: 0 };
        await writeSarif(sarifPath, formatSarif(empty, { version: packageVersion(), contents: new Map(), srcRoot: workspace, docsBaseUrl: docsBase }));
        await setOutputs(env, { findings: '0', 'sarif-file': sarifPath });
      } else {
        await setOutputs(env, { findings: '0' });
      }
      return 0;
    }

    const { root, summary, contents } = await analyzePullRequest(pr, inputs, workspace);
    const findings = summary.result.findings;
    for (const report of summary.result.files) {
      if (report.error) log(`::warning file=${report.file}::${escapeData(`racecheck could not analyze this file: ${report.error}`)}`);
    }

    if (inputs.mode === 'sarif') {
      await writeSarif(sarifPath, formatSarif(summary, { version: packageVersion(), contents, srcRoot: root, docsBaseUrl: docsBase }));
      log(summaryLine(summary));
      log(`racecheck: wrote ${sarifPath}`);
      await setOutputs(env, { findings: String(findings.length), 'sarif-file': sarifPath });
    } else {
      // Annotations first: they stand even when the review cannot be posted.
      deps.stdout.write(formatGithub(summary));
      if (findings.length > 0) await review(pr, summary, contents, inputs.token, env, docsBase, log);
      await setOutputs(env, { findings: String(findings.length) });
    }
    return exitStatus(findings, inputs.failOn);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    log(`::error::${escapeData(err instanceof ActionInputError ? `racecheck: ${message}` : `racecheck failed: ${message}`)}`);
    return 2;
  }
}

async function review(
  pr: PullRequestEvent,
  summary: RunSummary,
  contents: ReadonlyMap<string, string>,
  token: string | undefined,
  env: Env,
  docsBase: string,
  log: (line: string) => void,
): Promise<void> {
  if (!token) {
    log('::notice::racecheck has no github-token, so it reported its findings as annotations only');
    return;
  }
  const octokit = new Octokit({
    auth: token,
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    userAgent: `racecheck-action/${packageVersion()}`,
    // Failed requests are reported by the caller as workflow commands, not as stack-like console lines.
    log: { debug: () => undefined, info: () => undefined, warn: (m: string) => log(`::debug::${escapeData(m)}`), error: () => undefined },
  });
  const findings = summary.result.findings as ReviewedFinding[];
  // Fingerprints of the flagged code; each comment sits on its anchor line (annotation only without one).
  const fingerprints = fingerprintFindings(findings, contents);
  const placed = findings.map((f, i) => ({ finding: placeForReview(f), fp: fingerprints[i]! })).filter((p): p is { finding: Finding; fp: string } => p.finding !== undefined);
  let outcome;
  try {
    outcome = await postReview(octokit, pr, placed.map((p) => p.finding), placed.map((p) => p.fp), docsBase);
  } catch (err) {
    // The annotations are already out; a failed review should not turn the step into "could not run".
    log(`::warning::${escapeData(`racecheck could not post a review: ${err instanceof Error ? err.message : String(err)}`)}`);
    return;
  }
  if ('forbidden' in outcome) {
    log(
      '::notice::' +
        escapeData(
          `racecheck could not post a review (403: ${outcome.forbidden}). The token needs pull-requests: write, ` +
            'which pull requests from forks do not get; the findings are reported as annotations only.',
        ),
    );
  } else if (outcome.posted === 0) {
    log(`racecheck: all ${outcome.skipped} findings are already commented on this pull request`);
  } else {
    const omitted = outcome.omitted > 0 ? ` (${outcome.omitted} more only as annotations)` : '';
    log(`racecheck: posted a review with ${outcome.posted} inline comment${outcome.posted === 1 ? '' : 's'}${omitted}`);
  }
}

/** True when this module is the process's entry point (node dist/action/main.js), not an import. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await runAction(process.env, { stdout: process.stdout });
}
