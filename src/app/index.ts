import type { ApplicationFunctionOptions, Context, Probot } from 'probot';
import { analyze } from '../engine/index.js';
import { BlobCache } from './blob-cache.js';
import { CHECK_NAME } from './check-run.js';
import { canWrite, parseCommand, RefusalLimiter, REFUSAL_REACTION, USAGE } from './commands.js';
import { docsBaseUrl as docsBaseUrlFrom } from '../report/docs-url.js';
import { errorMessage, httpStatus, type Octokit, type RepoRef } from './github.js';
import { AnalysisCache, type Analyzer } from './analysis.js';
import { defaultAnalysisPool } from './analysis-pool.js';
import { runRacecheck, type RunOutcome } from './run.js';
import { deliveryLogger } from './logging.js';
import { Metrics } from './metrics.js';
import { RunQueue } from './queue.js';
import { honourRetryAfter } from './retry-after.js';
import { limitsFromEnv, type Limits } from './limits.js';
import { guardWebhooks, usesDevelopmentSecret, type GuardOptions } from './webhook-guard.js';
import { RunAbortedError, boundRequests, withRunSignal } from './bounded-requests.js';
import { opsSettingsFromEnv, type OpsSettings } from './ops-settings.js';
import { RedisRunQueue, type JobControl, type RunJobData } from './redis-queue.js';
import { reconcileStaleCheckRuns } from './reconcile.js';
import { onShutdownSignal } from './shutdown.js';
import { warmUpMainThread } from './warm-up.js';

export interface AppOptions {
  analyzer?: Analyzer;
  cache?: BlobCache;
  analysisCache?: AnalysisCache;
  docsBaseUrl?: string;
  fetchConcurrency?: number;
  /** Called after each run; tests and the bench wait on it. */
  onRunComplete?: (outcome: RunOutcome) => void;
  /** Where runs wait after the webhook is acknowledged; tests await its idle(). */
  queue?: RunQueue;
  /** Per-run limits; from RACECHECK_MAX_* by default. */
  limits?: Partial<Limits>;
  /** Prometheus metrics; a fresh registry per app by default. */
  metrics?: Metrics;
  /** Who was refused a command recently (one reaction per user per hour). */
  refusals?: RefusalLimiter;
  /** Webhook body cap and delivery dedupe window (src/app/webhook-guard.ts). */
  webhookGuard?: GuardOptions;
  /** NODE_ENV and friends; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Stops the process with one line when it must not start; tests pass a stand-in. */
  refuseToStart?: (message: string) => void;
  /** Queue mode, role, deadlines; from REDIS_URL and RACECHECK_* by default. */
  ops?: Partial<OpsSettings>;
  /** Install SIGTERM/SIGINT handlers (the default export does; tests drive shutdown themselves). */
  handleSignals?: boolean;
  /** Complete stale in-progress check runs at startup (roles worker and all). */
  reconcileOnStart?: boolean;
  /** Receives the mode and the graceful shutdown once the app is loaded (tests). */
  onStart?: (control: AppControl) => void;
}

/** What createApp's app function exposes for tests: the mode it runs in and its graceful shutdown. */
export interface AppControl {
  mode: 'embedded' | 'queue';
  shutdown(): Promise<void>;
  /** Resolves when the startup reconciliation has finished (immediately when it is off). */
  reconciled: Promise<unknown>;
}

function exitWith(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

type RunContext = Pick<Context, 'id' | 'octokit' | 'log' | 'config'>;

interface PullRef extends RepoRef {
  pullNumber: number;
}

function envNumber(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Builds the Probot app; the default export uses the real engine and env settings. */
export function createApp(options: AppOptions = {}) {
  // Worker threads when running compiled; the engine on the main thread otherwise (e.g. under ts-jest).
  const pool = options.analyzer ? undefined : defaultAnalysisPool();
  const analyzer = options.analyzer ?? pool?.analyze ?? analyze;
  const cache = options.cache ?? new BlobCache(envNumber('RACECHECK_CACHE_MB', 64) * 1024 * 1024);
  const analysisCache = options.analysisCache ?? new AnalysisCache();
  const docsBaseUrl = options.docsBaseUrl ?? docsBaseUrlFrom(process.env);
  const fetchConcurrency = options.fetchConcurrency ?? envNumber('RACECHECK_FETCH_CONCURRENCY', 8);
  // Webhooks are acknowledged at once; runs for one pull request go one at a time, the newest head winning.
  const queue = options.queue ?? new RunQueue();
  const limits = { ...limitsFromEnv(), ...options.limits };
  const metrics = options.metrics ?? new Metrics();
  const refusals = options.refusals ?? new RefusalLimiter();
  const ops: OpsSettings = { ...opsSettingsFromEnv(), ...options.ops };
  let redisQueue: RedisRunQueue | undefined;
  let draining = false;

  /** Every GitHub call gets a timeout; 403/429 with retry-after are waited out. */
  function prepare<T extends RunContext['octokit'] | Octokit>(octokit: T, log: RunContext['log']): T {
    honourRetryAfter(octokit, log);
    boundRequests(octokit, ops.githubTimeoutMs);
    return octokit;
  }

  /** One run, under its abort signal and the run deadline. */
  async function runOne(octokit: Octokit, log: RunContext['log'], loadConfig: (fileName: string) => Promise<unknown>, pull: PullRef, headSha: string, scope: 'diff' | 'all', deliveryId: string, control: Pick<JobControl, 'signal' | 'supersededBy' | 'checkRunId' | 'retryable'> & Partial<Pick<JobControl, 'onCheckRunCreated'>>): Promise<void> {
    pool?.settle();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new RunAbortedError('deadline', `racecheck stopped this run after ${ops.runTimeoutMs / 1000} s (RACECHECK_RUN_TIMEOUT_S)`)), ops.runTimeoutMs);
    const signal = AbortSignal.any([control.signal, deadline.signal]);
    try {
      const outcome = await withRunSignal(signal, () =>
        metrics.timeRun(() =>
          runRacecheck(
            {
              octokit,
              log: deliveryLogger(log, { deliveryId, ...pull }),
              loadConfig,
              analyzer,
              cache,
              analysisCache,
              docsBaseUrl,
              fetchConcurrency,
              limits,
            },
            { ...pull, headSha, scope, ...control, signal },
          ),
        ),
      );
      options.onRunComplete?.(outcome);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `job` after the handler returns (GitHub wants an answer within 10 s); failures are logged, never lost. */
  function later(context: RunContext, job: () => Promise<unknown>): void {
    // Without Redis, work accepted now would be lost when the process exits: refuse it (GitHub shows a failed delivery).
    if (draining && !redisQueue) throw new Error('racecheck is shutting down; redeliver this webhook once it is back');
    prepare(context.octokit, context.log);
    queue.detach(job, (err) => context.log.error({ err, status: httpStatus(err) }, `racecheck could not run: ${err instanceof Error ? err.message : String(err)}`));
  }

  async function review(context: RunContext & { payload: unknown }, pull: PullRef, headSha: string, scope: 'diff' | 'all', rerun = false): Promise<void> {
    if (redisQueue) {
      const installationId = (context.payload as { installation?: { id?: number } }).installation?.id;
      if (installationId === undefined) throw new Error('webhook without an installation id; nothing to queue');
      await redisQueue.add({ ...pull, headSha, scope, installationId, deliveryId: context.id }, { rerun });
      return;
    }
    const key = `${pull.owner}/${pull.repo}#${pull.pullNumber}`;
    await queue.enqueue(key, headSha, (supersededBy, signal) =>
      runOne(context.octokit as Octokit, context.log, (fileName) => context.config(fileName), pull, headSha, scope, context.id, { supersededBy, signal }),
    );
  }

  /** Re-runs on the pull request's current head, which may have moved since the triggering event. */
  async function reviewCurrentHead(context: RunContext & { payload: unknown }, pull: PullRef, scope: 'diff' | 'all'): Promise<void> {
    const { data: pr } = await context.octokit.rest.pulls.get({ owner: pull.owner, repo: pull.repo, pull_number: pull.pullNumber });
    if (pr.state !== 'open') return;
    await review(context, pull, pr.head.sha, scope, true);
  }

  /** Queue mode: a job taken by this worker, with an installation token of its own. */
  async function processJob(app: Probot, data: RunJobData, control: JobControl): Promise<void> {
    const log = app.log.child({ name: 'racecheck-worker' });
    const octokit = prepare((await app.auth(data.installationId)) as Octokit, log);
    const pull = { owner: data.owner, repo: data.repo, pullNumber: data.pullNumber };
    // An earlier attempt may have opened a check run, or even finished, and died before recording it.
    let checkRunId = control.checkRunId;
    if (checkRunId === undefined && control.isRetry) {
      const earlier = await earlierAttempt(octokit, { ...pull, headSha: data.headSha }, control.enqueuedAt);
      if (earlier?.status === 'completed') {
        log.info({ ...pull, headSha: data.headSha, checkRunId: earlier.id }, 'an earlier attempt of this job already completed its check run');
        return;
      }
      checkRunId = earlier?.id;
    }
    const { signal, supersededBy, retryable, onCheckRunCreated } = control;
    await runOne(octokit, log, (fileName) => loadRepoConfig(octokit, pull, fileName), pull, data.headSha, data.scope, data.deliveryId, {
      signal,
      supersededBy,
      onCheckRunCreated,
      ...(retryable ? { retryable } : {}),
      ...(checkRunId !== undefined ? { checkRunId } : {}),
    });
  }

  async function shutdown(): Promise<void> {
    draining = true;
    if (redisQueue) await redisQueue.shutdown(ops.shutdownTimeoutMs);
    else await queue.shutdown(ops.shutdownTimeoutMs);
  }

  return async (app: Probot, appOptions?: ApplicationFunctionOptions): Promise<void> => {
    // Probot falls back to the secret "development", which anyone can sign with.
    if ((options.env ?? process.env).NODE_ENV === 'production' && (await usesDevelopmentSecret(app))) {
      (options.refuseToStart ?? exitWith)('racecheck: refusing to start: WEBHOOK_SECRET is not set (NODE_ENV=production), so anyone could forge webhooks; set it to the secret of the GitHub App.');
      return;
    }
    guardWebhooks(app, options.webhookGuard);
    // A process that analyzes starts its workers with the server, not on its first pull request; only when
    // Probot loads the app, so a process that merely imports this module starts none.
    if (ops.role !== 'web') pool?.warm();
    // Its own part of a review (bases, comparison) compiled on the next turn of the event loop, as the
    // workers compile theirs.
    if (ops.role !== 'web' && pool) {
      setImmediate(() => {
        try {
          warmUpMainThread();
        } catch (err) {
          app.log.warn({ err: errorMessage(err) }, 'warm-up of the review failed; the first pull request will be slower');
        }
      });
    }
    if (ops.redisUrl) {
      redisQueue = new RedisRunQueue({ ...ops, redisUrl: ops.redisUrl }, app.log);
      if (ops.role !== 'web') redisQueue.startWorker((data, control) => processJob(app, data, control));
    }
    if (options.handleSignals) onShutdownSignal(shutdown, app.log);
    let reconciled: Promise<unknown> = Promise.resolve();
    if (options.reconcileOnStart && ops.role !== 'web') {
      reconciled = (async () => {
        // With replicas, one of them does it per run deadline.
        if (redisQueue && !(await redisQueue.claimOnce('reconcile', ops.runTimeoutMs))) return;
        const appOctokit = prepare((await app.auth()) as Octokit, app.log);
        const result = await reconcileStaleCheckRuns(appOctokit, async (id) => prepare((await app.auth(id)) as Octokit, app.log), ops.runTimeoutMs, app.log);
        app.log.info(result, 'startup reconciliation of in-progress check runs finished');
      })().catch((err: unknown) => app.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'startup reconciliation failed'));
    }
    app.log.info({ mode: redisQueue ? 'queue' : 'embedded', role: ops.role }, 'racecheck started');
    try {
      appOptions?.addHandler(metrics.handler);
      metrics.collectProcessMetrics();
    } catch {
      // Probot without a server (tests, the bench) has nowhere to serve /metrics; counting still works.
    }
    app.onAny(async (context) => {
      metrics.webhookReceived(context.name, (context.payload as { action?: unknown }).action);
    });

    app.on(
      ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'],
      async (context) => {
        metrics.watchOctokit(context.octokit);
        const pr = context.payload.pull_request;
        later(context, () => review(context, { ...context.repo(), pullNumber: pr.number }, pr.head.sha, 'diff'));
      },
    );

    app.on('issue_comment.created', async (context) => {
      metrics.watchOctokit(context.octokit);
      honourRetryAfter(context.octokit, context.log);
      const { issue, comment } = context.payload;
      if (!issue.pull_request || comment.user?.type === 'Bot') return;
      const command = parseCommand(comment.body);
      if (!command) return;
      const login = comment.user?.login ?? '';
      const repo = context.repo();
      // Only collaborators with write access: anyone else's command must not cost the installation writes.
      let allowed = false;
      try {
        const { data } = await context.octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: login });
        allowed = canWrite(data.permission, data.role_name);
      } catch (err) {
        if (httpStatus(err) !== 404) throw err; // 404: not a collaborator
      }
      if (!allowed) {
        if (refusals.take(`${repo.owner}/${repo.repo}\0${login}`)) {
          await context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content: REFUSAL_REACTION });
        } else {
          context.log.info({ login, pr: issue.number }, 'racecheck command refused again; no reaction (rate limit per user)');
        }
        return;
      }
      await context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content: command.kind === 'help' ? 'eyes' : 'rocket' });
      if (command.kind === 'help') {
        await context.octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: USAGE });
        return;
      }
      later(context, () => reviewCurrentHead(context, { ...repo, pullNumber: issue.number }, command.scope));
    });

    app.on('check_run.rerequested', async (context) => {
      metrics.watchOctokit(context.octokit);
      const run = context.payload.check_run;
      if (run.name !== CHECK_NAME) return;
      for (const pr of run.pull_requests) later(context, () => reviewCurrentHead(context, { ...context.repo(), pullNumber: pr.number }, 'diff'));
    });

    app.on('check_suite.rerequested', async (context) => {
      metrics.watchOctokit(context.octokit);
      for (const pr of context.payload.check_suite.pull_requests) later(context, () => reviewCurrentHead(context, { ...context.repo(), pullNumber: pr.number }, 'diff'));
    });
    options.onStart?.({ mode: redisQueue ? 'queue' : 'embedded', shutdown, reconciled });
  };
}

/** Clocks of GitHub and the worker may differ this much. */
const CLOCK_SKEW_MS = 5000;

/** Our newest check run on a head if it started after the job was queued: an earlier attempt's. */
async function earlierAttempt(octokit: Octokit, target: PullRef & { headSha: string }, enqueuedAt: number): Promise<{ id: number; status: string } | undefined> {
  const { data } = await octokit.rest.checks.listForRef({ owner: target.owner, repo: target.repo, ref: target.headSha, check_name: CHECK_NAME, filter: 'latest' });
  const newest = [...data.check_runs].sort((a, b) => b.id - a.id)[0];
  if (!newest?.started_at || Date.parse(newest.started_at) < enqueuedAt - CLOCK_SKEW_MS) return undefined;
  return { id: newest.id, status: newest.status };
}

/** `.github/<fileName>` as Probot's context.config reads it (default branch, `_extends` honoured); null when absent. */
async function loadRepoConfig(octokit: Octokit, repo: RepoRef, fileName: string): Promise<unknown> {
  const { config, files } = await octokit.config.get({ owner: repo.owner, repo: repo.repo, path: `.github/${fileName}` });
  return files.some((file) => file.config !== null) ? config : null;
}

export default createApp({ handleSignals: true, reconcileOnStart: true });
