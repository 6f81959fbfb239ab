import pLimit from 'p-limit';
import { placeForReview, type AnalyzeOptions, type Finding, type ReviewedFinding, type ReviewScope } from '../engine/index.js';
import { combine, reviewFile, reviewPackage, type AnalysisCache, type Analyzer, type FileAnalysis, type FileReview } from './analysis.js';
import { BlobCache } from './blob-cache.js';
import { CHECK_NAME, ANNOTATIONS_PER_REQUEST, conclusionFor, notReviewedAnnotation, summaryFor, titleFor, toAnnotation, type Annotation, type Conclusion, type NotReviewed } from './check-run.js';
import { commentableLines, reviewComments, type ReviewComment } from '../report/comment.js';
import { CONFIG_FILE, parseConfig, type RacecheckConfig } from './config.js';
import { dirOf, fetchGoFiles, fetchSiblings, listPullFiles, readGoMod, selectGoFiles, type GoFile } from './files.js';
import { fingerprintFindings, markResolved, parseFingerprint } from '../report/fingerprint.js';
import { type Log, type Octokit, type PullTarget, errorMessage, httpStatus, isRateLimit } from './github.js';
import { goVersionFromGoMod } from '../engine/goversion.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { oneLine } from '../report/markdown.js';
import { abortReason, outsideRun, type AbortReason } from './bounded-requests.js';
import { postReviewOnce } from './review-post.js';

export interface RunDeps {
  octokit: Octokit;
  log: Log;
  /** Reads .github/racecheck.yml (Probot's context.config); null when there is none. */
  loadConfig: (fileName: string) => Promise<unknown>;
  analyzer: Analyzer;
  cache: BlobCache;
  analysisCache: AnalysisCache;
  docsBaseUrl: string;
  fetchConcurrency: number;
  limits?: Limits;
}

export interface RunRequest extends PullTarget {
  /** 'diff': the repository's configured scope (introduced by default); 'all': whole files (`/racecheck all`). */
  scope: 'diff' | 'all';
  /** The newer head sha once one was pushed: this run then stops and posts nothing for its stale head. */
  supersededBy?: () => string | undefined;
  /** Aborts the run's GitHub calls; its reason (a RunAbortedError) says why and how the check is completed. */
  signal?: AbortSignal;
  /** A check run this job created on an earlier attempt (queue mode): completed instead of a new one. */
  checkRunId?: number;
  onCheckRunCreated?: (id: number) => unknown;
  /** Queue mode: errors the job will retry; the run then leaves its check in progress for the next attempt. */
  retryable?: (err: unknown) => boolean;
}

export interface RunOutcome {
  checkRunId?: number;
  conclusion: Conclusion;
  posted: number;
  alreadyCommented: number;
  resolved: number;
  reviewRejected: boolean;
  error?: string;
  /** The newer head sha that superseded this run. */
  superseded?: string;
  /** Findings in the run's scope, by rule id (for metrics). */
  findingsByRule?: Record<string, number>;
}

/** "List pull request files" stops at this many. */
const MAX_LISTED_FILES = 3000;
/** The patch of a file added with this content: every line new. */
function wholeFilePatch(content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  return `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}${content.endsWith('\n') ? '' : '\n\\ No newline at end of file'}`;
}

/** Files skipped on purpose (by convention or config); any other skip leaves part of the change unreviewed. */
const INTENTIONAL_SKIPS = new Set(['vendored', 'testdata', 'ignored by config', 'generated', 'binary']);
const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

interface ExistingComment {
  id: number;
  path: string;
  body: string;
  fp: string;
}

async function listOurComments(octokit: Octokit, target: PullTarget): Promise<ExistingComment[]> {
  const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
    owner: target.owner,
    repo: target.repo,
    pull_number: target.pullNumber,
    per_page: 100,
  });
  const ours: ExistingComment[] = [];
  for (const c of comments) {
    // Only our own comments count: a human quoting one would carry the marker too.
    if (c.user?.type !== 'Bot') continue;
    const marker = parseFingerprint(c.body);
    if (marker && !marker.resolved) ours.push({ id: c.id, path: c.path, body: c.body, fp: marker.fp });
  }
  return ours;
}

type Settled<T> = { value: T } | { error: unknown };

/** A promise that never rejects, so a call can start early and its failure be handled where it is awaited. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then((value) => ({ value }), (error: unknown) => ({ error }));
}

async function unwrap<T>(p: Promise<Settled<T>>): Promise<T> {
  const r = await p;
  if ('error' in r) throw r.error;
  return r.value;
}

/** Reviews one pull request head: check run, analysis, one review, resolved-comment updates. Never leaves the check in progress. */
export async function runRacecheck(deps: RunDeps, req: RunRequest): Promise<RunOutcome> {
  const { octokit, log } = deps;
  const started = performance.now();
  const repo = { owner: req.owner, repo: req.repo };
  const outcome: RunOutcome = { conclusion: 'neutral', posted: 0, alreadyCommented: 0, resolved: 0, reviewRejected: false };
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const supersededText = (newer: string) => ({
    title: `Superseded by ${newer.slice(0, 7)}`,
    summary: `Superseded by ${newer}: a newer commit was pushed before this run finished, so racecheck reviews that one instead and posted nothing for ${req.headSha}.`,
  });
  const abortedText = (reason: AbortReason, message: string) =>
    reason === 'superseded'
      ? supersededText(req.supersededBy?.() ?? 'a newer commit')
      : {
          title: reason === 'deadline' ? 'racecheck ran out of time' : 'racecheck was stopped before finishing',
          summary: `${message}. Nothing was posted for ${req.headSha}. Comment \`/racecheck\` on the pull request to run it again.`,
        };

  /** Completes the run in one request without analysis: the check an earlier attempt opened, or a new one. */
  const completeAtOnce = async (output: { title: string; summary: string }): Promise<number> => {
    const fields = { status: 'completed', conclusion: 'neutral', completed_at: new Date().toISOString(), output } as const;
    if (req.checkRunId !== undefined) {
      await outsideRun(() => octokit.rest.checks.update({ ...repo, check_run_id: req.checkRunId!, ...fields }));
      return req.checkRunId;
    }
    const { id } = (await outsideRun(() => octokit.rest.checks.create({ ...repo, name: CHECK_NAME, head_sha: req.headSha, ...fields }))).data;
    await req.onCheckRunCreated?.(id);
    return id;
  };

  // The App is shutting down and this run never started: say so in one request.
  if (req.signal?.aborted && abortReason(req.signal.reason) === 'shutdown') {
    const checkRunId = await completeAtOnce(abortedText('shutdown', 'racecheck was shutting down before this run started'));
    return { ...outcome, checkRunId };
  }

  // Queued behind a run for this pull request while a newer commit arrived: one request, no analysis.
  const newerAtStart = req.supersededBy?.();
  if (newerAtStart) {
    const checkRunId = await completeAtOnce(supersededText(newerAtStart));
    log.info({ pull: req.pullNumber, headSha: req.headSha, supersededBy: newerAtStart }, 'run superseded before it started');
    return { ...outcome, checkRunId, superseded: newerAtStart };
  }

  // The check run is created while the reads and the analysis go on, and joined before the first write
  // that needs it: creating it may wait out Probot's 1 s spacing of an installation's writes. Outside
  // the run's abort signal: a creation GitHub got must be known, so that the check is completed.
  const creation: Promise<Settled<{ id: number }>> | undefined =
    req.checkRunId !== undefined
      ? undefined
      : settle(
          outsideRun(() => octokit.rest.checks.create({ ...repo, name: CHECK_NAME, head_sha: req.headSha, status: 'in_progress', started_at: new Date().toISOString() })).then(async ({ data }) => {
            // Queue mode records it at once, so a retry after a crash completes this check instead of opening another.
            await req.onCheckRunCreated?.(data.id);
            return { id: data.id };
          }),
        );
  if (!creation) await req.onCheckRunCreated?.(req.checkRunId!);
  const checkRun = async (): Promise<{ id: number }> => {
    const check = creation ? await unwrap(creation) : { id: req.checkRunId! };
    outcome.checkRunId = check.id;
    return check;
  };
  // Reads that need no check run go out with it.
  const configRead = settle(deps.loadConfig(CONFIG_FILE));
  const pullReads = settle(Promise.all([listPullFiles(octokit, req), readGoMod(octokit, req), listOurComments(octokit, req)]));

  const complete = async (conclusion: Conclusion, title: string, summary: string, annotations: Annotation[] = []) =>
    octokit.rest.checks.update({
      ...repo,
      check_run_id: (await checkRun()).id,
      status: 'completed',
      conclusion,
      completed_at: new Date().toISOString(),
      // GitHub expects a details page for action_required; the docs explain the config file.
      ...(conclusion === 'action_required' ? { details_url: deps.docsBaseUrl } : {}),
      output: { title, summary, ...(annotations.length > 0 ? { annotations } : {}) },
    });

  /** Completes the check as superseded when a newer head has been requested; true if so. */
  const stopIfSuperseded = async (): Promise<boolean> => {
    const newer = req.supersededBy?.();
    if (!newer) return false;
    const { title, summary } = supersededText(newer);
    await complete('neutral', title, summary);
    outcome.superseded = newer;
    log.info({ pull: req.pullNumber, headSha: req.headSha, supersededBy: newer }, 'run superseded by a newer head');
    return true;
  };

  try {
    let config: RacecheckConfig;
    try {
      const parsed = parseConfig(await unwrap(configRead));
      if (!parsed.ok) throw new Error(parsed.error);
      config = parsed.config;
    } catch (err) {
      if (httpStatus(err) !== undefined) throw err; // a GitHub failure, not a bad file
      log.warn({ err: errorMessage(err) }, 'invalid racecheck configuration');
      outcome.conclusion = 'action_required';
      await complete('action_required', 'Invalid racecheck configuration', `racecheck did not run: ${errorMessage(err)}\n\nFix \`.github/${CONFIG_FILE}\` and push, or comment \`/racecheck\`.`);
      return outcome;
    }

    // Independent reads went out together (above) to keep webhook-to-review latency low.
    const [prFiles, goMod, existing] = await unwrap(pullReads);
    const { selected: selectable, skipped } = selectGoFiles(prFiles, config.ignore);
    const limitsHit: string[] = [];
    const selected = selectable.slice(0, limits.maxFiles);
    if (selectable.length > limits.maxFiles) {
      for (const f of selectable.slice(limits.maxFiles)) skipped.push({ path: f.filename, reason: 'past the file limit' });
      limitsHit.push(`Only the first ${limits.maxFiles} of ${selectable.length} Go files were analyzed (RACECHECK_MAX_FILES=${limits.maxFiles}); the rest are listed as skipped.`);
    }
    if (await stopIfSuperseded()) return outcome;
    const goVersion = goMod ? goVersionFromGoMod(goMod) : undefined;
    const options: AnalyzeOptions = {
      rules: config.rules,
      reviewingChanges: true,
      ...(goVersion ? { goVersion } : {}),
      ...(config.models.length > 0 ? { models: config.models } : {}),
    };
    const scope: ReviewScope = req.scope === 'all' ? 'all' : config.scope;
    // Each package is analyzed whole: the changed files of a directory together, with the directory's other
    // .go files (fetched at the head with one tree query per directory, alongside the changed files) as
    // context. One analysis serves both the annotations (every finding) and the review (compared with the
    // base where the head has findings). A directory whose other files are over the budget, or could not be
    // fetched, is reviewed file by file, and the summary says so.
    const analyses = new Map<string, FileAnalysis>();
    const reviews = new Map<string, FileReview>();
    const fetchOptions = {
      concurrency: deps.fetchConcurrency,
      maxFileBytes: limits.maxFileBytes,
      onGraphqlError: (err: unknown) => log.warn({ err: errorMessage(err), status: httpStatus(err) }, 'GraphQL file fetch failed; fetching those files over REST'),
    };
    // GitHub leaves the patch out of very large diffs: an added file is then new in every line.
    const statusOf = new Map(prFiles.map((f) => [f.filename, f.status]));
    const notReviewed: NotReviewed[] = [];
    const changedPaths = new Set(selected.map((f) => f.filename));
    const dirs = [...new Set(selected.map((f) => dirOf(f.filename)))];
    const treeLimit = pLimit(deps.fetchConcurrency);
    const siblingsOf = new Map(
      dirs.map((dir) => {
        const siblings = treeLimit(() => fetchSiblings(octokit, req, dir, changedPaths, { budgetBytes: limits.packageBytes, maxFileBytes: limits.maxFileBytes }));
        siblings.catch(() => undefined); // awaited below; only an aborted run rejects
        return [dir, siblings] as const;
      }),
    );
    const fetched = await fetchGoFiles(octokit, req, selected, deps.cache, fetchOptions);
    const withPatch = (f: GoFile): GoFile => (f.patch === undefined && statusOf.get(f.path) === 'added' ? { ...f, patch: wholeFilePatch(f.content) } : f);
    const byDir = new Map<string, GoFile[]>();
    for (const f of fetched.files) {
      const dir = dirOf(f.path);
      (byDir.get(dir) ?? byDir.set(dir, []).get(dir)!).push(withPatch(f));
    }
    /** Directories reviewed without the rest of their package, and why. */
    const withoutPackage: { dir: string; reason: string }[] = [];
    let contextFiles = 0;
    const keep = (results: Map<string, FileReview>) => {
      for (const [path, r] of results) {
        analyses.set(path, r.head);
        reviews.set(path, r);
      }
    };
    const fileByFile = (files: readonly GoFile[]) => Promise.all(files.map((f) => reviewFile(f, options, scope, deps.analyzer, deps.analysisCache).then((r) => keep(new Map([[f.path, r]])))));
    const analyzing = [...byDir].map(async ([dir, files]) => {
      const siblings = await siblingsOf.get(dir)!;
      if ('fallback' in siblings) {
        withoutPackage.push({ dir, reason: siblings.fallback });
        if (siblings.failed) log.warn({ dir, reason: siblings.fallback }, 'GraphQL tree query failed; reviewing the directory file by file');
        return fileByFile(files);
      }
      if (siblings.files.length === 0 && files.length === 1) return fileByFile(files); // the whole package is this file
      const results = await reviewPackage(files, siblings.files, options, scope, deps.analyzer, deps.analysisCache);
      // A package that ran out of time is tried again file by file: its other files may be what made it slow.
      const late = files.filter((f) => results.get(f.path)?.head.report.timedOut);
      if (late.length > 0 && siblings.files.length > 0) {
        withoutPackage.push({ dir, reason: `its analysis with the package's ${siblings.files.length === 1 ? 'other file' : `${siblings.files.length} other files`} passed the deadline` });
        for (const f of late) results.delete(f.path);
        keep(results);
        return fileByFile(late);
      }
      contextFiles += siblings.files.length;
      keep(results);
    });
    for (const a of analyzing) a.catch(() => undefined); // awaited below; this only stops an unhandled rejection meanwhile
    const fetchedAt = performance.now();
    let siblingsAt = fetchedAt;
    await Promise.all([...siblingsOf.values()].map((p) => p.then(() => (siblingsAt = Math.max(siblingsAt, performance.now())), () => undefined)));
    await Promise.all(analyzing);
    const analysisTailMs = performance.now() - Math.max(fetchedAt, siblingsAt);
    withoutPackage.sort((a, b) => a.dir.localeCompare(b.dir));
    skipped.push(...fetched.skipped);
    log.debug({ ...fetched.stats, skipped: skipped.length }, 'fetched Go files');
    const whole = combine(fetched.files, analyses);

    const inScope: ReviewedFinding[] = [];
    const headOnly: { file: string; reason: string }[] = [];
    let preExistingNotShown = 0;
    for (const f of fetched.files) {
      const r = reviews.get(f.path);
      if (!r) continue;
      inScope.push(...r.review.findings);
      preExistingNotShown += r.review.preExistingNotShown;
      if (r.headOnly) headOnly.push({ file: f.path, reason: r.headOnly });
      for (const [rule, n] of Object.entries(r.review.suppressed)) whole.suppressed[rule] = (whole.suppressed[rule] ?? 0) + n;
    }
    const result = { ...whole, findings: inScope };
    // A file GitHub sent without a patch (very large diffs) whose changed lines are unknown is named, not passed.
    for (const f of fetched.files) {
      if (f.patch === undefined && statusOf.get(f.path) !== 'added' && req.scope === 'diff') notReviewed.push({ file: f.path, reason: 'not reviewed: GitHub sent no diff' });
    }
    for (const f of whole.files) {
      if (f.timedOut) notReviewed.push({ file: f.file, reason: `not reviewed: analysis passed its ${f.elapsedMs < 1000 ? `${Math.round(f.elapsedMs)} ms` : `${Math.round(f.elapsedMs / 1000)} s`} deadline and was stopped` });
    }

    const contents = new Map(fetched.files.map((f) => [f.path, f.content]));
    const bySeverity = (a: Finding, b: Finding) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.file.localeCompare(b.file) || a.line - b.line;
    const allReported: ReviewedFinding[] = [...result.findings].sort(bySeverity);
    const reported = allReported.slice(0, limits.maxFindings);
    if (allReported.length > limits.maxFindings) {
      limitsHit.push(`${allReported.length} findings; only the ${limits.maxFindings} most severe are reported (RACECHECK_MAX_FINDINGS=${limits.maxFindings}).`);
    }
    const reportedFps = fingerprintFindings(reported, contents);
    const wholeFps = fingerprintFindings(whole.findings, contents);
    const existingFps = new Set(existing.map((c) => c.fp));

    const commentable = new Map(fetched.files.map((f) => [f.path, commentableLines(f.patch)]));
    let comments: ReviewComment[] = [];
    let notPosted: Finding[] = [];
    // max_comments counts findings: a multi-edit fix's follow-up comments come with its first.
    let commentedFindings = 0;
    reported.forEach((finding, i) => {
      const fp = reportedFps[i]!;
      if (existingFps.has(fp)) {
        outcome.alreadyCommented++;
        return;
      }
      // On the access when it is in a hunk, else on the change in its function that made it; else annotation only.
      const placed = placeForReview(finding);
      const forFinding = placed && commentedFindings < config.maxComments ? reviewComments(placed, fp, commentable.get(finding.file) ?? new Set(), deps.docsBaseUrl) : [];
      if (forFinding.length > 0) {
        comments.push(...forFinding);
        commentedFindings++;
      } else notPosted.push(finding);
    });

    let reviewNote: string | undefined;
    // No review goes out without its check run.
    await checkRun();
    // Nothing goes out for a head that is no longer the pull request's newest.
    if (await stopIfSuperseded()) return outcome;
    if (comments.length > 0) {
      try {
        await postReviewOnce(
          octokit,
          req,
          { body: `racecheck found ${commentedFindings} new data-race hazard${commentedFindings === 1 ? '' : 's'} in this change. Details are in the \`${CHECK_NAME}\` check.`, comments },
          log,
        );
        outcome.posted = commentedFindings;
      } catch (err) {
        if (httpStatus(err) !== 422) throw err;
        // Usually a comment line GitHub doesn't consider part of the diff (e.g. the PR moved on).
        log.warn({ err: errorMessage(err), pull: req.pullNumber, headSha: req.headSha }, 'review rejected with 422; reporting in the check run only');
        outcome.reviewRejected = true;
        reviewNote = `GitHub rejected the review (422: ${oneLine(errorMessage(err))}), so these findings are reported in this check only.`;
        notPosted = reported.filter((_, i) => !existingFps.has(reportedFps[i]!));
        comments = [];
      }
    }

    // A comment is resolved when its finding is gone from a file we analyzed, or its file left the change.
    const presentFps = new Set([...reportedFps, ...wholeFps]);
    // A file whose analysis failed or stopped early may have lost findings that are really still there.
    const analyzedOk = new Set(result.files.filter((f) => !f.error && !f.overBudget).map((f) => f.file));
    const stillChanged = new Set(prFiles.filter((f) => f.status !== 'removed').map((f) => f.filename));
    const gone = existing.filter((c) => !presentFps.has(c.fp) && (analyzedOk.has(c.path) || !stillChanged.has(c.path)));
    const limit = pLimit(deps.fetchConcurrency);
    await Promise.all(
      gone.map((c) =>
        limit(async () => {
          await octokit.rest.pulls.updateReviewComment({ ...repo, comment_id: c.id, body: markResolved(c.body, c.fp, req.headSha) });
          outcome.resolved++;
        }),
      ),
    );

    // Every head finding, and what the change removed (which no single version shows).
    const annotatable = [...whole.findings, ...reported.filter((f) => !whole.findings.some((w) => w.rule === f.rule && w.line === f.line && w.file === f.file))];
    const annotated = annotatable.length > limits.maxFindings ? [...annotatable].sort(bySeverity).slice(0, limits.maxFindings) : annotatable;
    if (annotated.length < annotatable.length) limitsHit.push(`Annotations: ${limits.maxFindings} of ${annotatable.length} (RACECHECK_MAX_FINDINGS).`);
    // Not reviewed at all, stopped early, failed, or left out by a limit: a pass would claim more than was checked.
    const partial: NotReviewed[] = [
      ...notReviewed,
      ...result.files.filter((f) => f.overBudget && !f.timedOut).map((f) => ({ file: f.file, reason: 'analysis stopped early at its time budget; some rules did not run' })),
      ...result.files.filter((f) => f.error).map((f) => ({ file: f.file, reason: `analysis failed: ${f.error}` })),
    ];
    const leftOut = skipped.filter((f) => !INTENTIONAL_SKIPS.has(f.reason));
    const incomplete = partial.length > 0 || leftOut.length > 0 || prFiles.length >= MAX_LISTED_FILES;
    const conclusion = conclusionFor(reported, config.failOn, incomplete);
    const title = titleFor(reported, partial.length + leftOut.length);
    const summary = summaryFor({
      scope,
      reported,
      outsideScope: Math.max(0, annotatable.length - reported.length),
      preExistingNotShown,
      headOnly,
      posted: outcome.posted,
      alreadyCommented: outcome.alreadyCommented,
      notPosted,
      maxComments: config.maxComments,
      resolved: outcome.resolved,
      analyzed: fetched.files.map((f) => f.path),
      fileListTruncated: prFiles.length >= MAX_LISTED_FILES,
      skipped,
      suppressed: result.suppressed,
      engineErrors: result.files.filter((f) => f.error).map((f) => ({ file: f.file, error: f.error! })),
      overBudget: result.files.filter((f) => f.overBudget && !f.timedOut).map((f) => f.file),
      notReviewed,
      reviewNote,
      limitsHit,
      packages: { analyzed: byDir.size - withoutPackage.length, contextFiles, withoutPackage },
      elapsedMs: performance.now() - started,
    });

    // GitHub takes 50 annotations per request; all but the last batch go out while the run is in progress.
    const annotations = [...partial.map(notReviewedAnnotation), ...annotated.map(toAnnotation)];
    const batches: Annotation[][] = [];
    for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
    for (const batch of batches.slice(0, -1)) {
      await octokit.rest.checks.update({ ...repo, check_run_id: (await checkRun()).id, output: { title, summary, annotations: batch } });
    }
    await complete(conclusion, title, summary, batches.at(-1));
    outcome.conclusion = conclusion;
    outcome.findingsByRule = {};
    for (const f of reported) outcome.findingsByRule[f.rule] = (outcome.findingsByRule[f.rule] ?? 0) + 1;
    log.info(
      {
        pull: req.pullNumber,
        headSha: req.headSha,
        files: fetched.files.length,
        ...fetched.stats,
        findings: whole.findings.length,
        posted: outcome.posted,
        packages: byDir.size,
        contextFiles,
        withoutPackage: withoutPackage.length,
        fetchMs: Math.round(fetchedAt - started),
        siblingsMs: Math.round(siblingsAt - started),
        analysisAfterFetchMs: Math.round(analysisTailMs),
        totalMs: Math.round(performance.now() - started),
      },
      'racecheck run finished',
    );
    return outcome;
  } catch (err) {
    const reason = abortReason(err) ?? (req.signal?.aborted ? abortReason(req.signal.reason) : undefined);
    // Settled first, so a job returned to the queue carries the check run it opened.
    const created = creation ? await creation : undefined;
    // No check run could be opened: the run fails as one that never started (there is nothing to complete).
    if (created && 'error' in created && reason === undefined) throw created.error;
    if (reason === 'requeue' || (reason === undefined && req.retryable?.(err))) throw err; // the job runs again and completes this check
    if (reason !== undefined) {
      const { title, summary } = abortedText(reason, errorMessage(req.signal?.reason ?? err));
      if (reason === 'superseded') outcome.superseded = req.supersededBy?.();
      log.info({ pull: req.pullNumber, headSha: req.headSha, reason }, 'racecheck run stopped early');
      await outsideRun(() => complete('neutral', title, summary)).catch((completeErr: unknown) => log.error({ err: completeErr }, 'could not complete the check run of a stopped run'));
      return outcome;
    }
    const status = httpStatus(err);
    // A rate limit (often a secondary one without retry-after) is not a permission problem: say which it is.
    const rateLimited = isRateLimit(err);
    // 401/403 without retry-after: a revoked or expired token, or a permission the installation lacks.
    const denied = !rateLimited && (status === 401 || status === 403);
    log.error(
      { err, status, pull: req.pullNumber, headSha: req.headSha },
      rateLimited
        ? `racecheck run failed: GitHub's rate limit (${status}); the installation made too many requests`
        : denied
          ? `racecheck run failed: GitHub denied access (${status}); check the installation's token and permissions`
          : 'racecheck run failed',
    );
    outcome.conclusion = 'failure';
    outcome.error = errorMessage(err);
    const summary = rateLimited
      ? `GitHub rate-limited this installation (${status}: ${oneLine(errorMessage(err))}). Nothing is wrong with the token or its permissions; ` +
        `wait a few minutes before re-running.`
      : denied
        ? `GitHub refused a request (${status}: ${oneLine(errorMessage(err))}). The installation's token was rejected or lacks a permission racecheck needs ` +
          `(Pull requests: read and write, Contents: read, Checks: write). An owner can review them in the app's installation settings.`
        : `The run failed: ${oneLine(errorMessage(err))}`;
    const failedTitle = rateLimited ? 'racecheck was rate-limited by GitHub' : denied ? 'racecheck was denied access by GitHub' : 'racecheck could not complete';
    try {
      await complete('failure', failedTitle, `${summary}\n\nComment \`/racecheck\` or re-run the check to try again.`);
    } catch (completeErr) {
      log.error({ err: completeErr }, 'could not complete the check run after a failure');
    }
    return outcome;
  }
}
