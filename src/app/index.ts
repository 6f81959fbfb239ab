import type { ApplicationFunctionOptions, Context, Probot } from 'probot';
import { analyze } from '../engine/index.js';
import { BlobCache } from './blob-cache.js';
import { CHECK_NAME } from './check-run.js';
import { canWrite, parseCommand, RefusalLimiter, REFUSAL_REACTION, USAGE } from './commands.js';
import { docsBaseUrl as docsBaseUrlFrom } from '../report/docs-url.js';
import { httpStatus, type Octokit, type RepoRef } from './github.js';
import { AnalysisCache, type Analyzer } from './analysis.js';
import { defaultAnalysisPool } from './analysis-pool.js';
import { runRacecheck, type RunOutcome } from './run.js';
import { deliveryLogger } from './logging.js';
import { Metrics } from './metrics.js';
import { RunQueue } from './queue.js';
import { honourRetryAfter } from './retry-after.js';
import { limitsFromEnv, type Limits } from './limits.js';
import { guardWebhooks, usesDevelopmentSecret, type GuardOptions } from './webhook-guard.js';

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
  const analyzer = options.analyzer ?? defaultAnalysisPool()?.analyze ?? analyze;
  const cache = options.cache ?? new BlobCache(envNumber('RACECHECK_CACHE_MB', 64) * 1024 * 1024);
  const analysisCache = options.analysisCache ?? new AnalysisCache();
  const docsBaseUrl = options.docsBaseUrl ?? docsBaseUrlFrom(process.env);
  const fetchConcurrency = options.fetchConcurrency ?? envNumber('RACECHECK_FETCH_CONCURRENCY', 8);
  // Webhooks are acknowledged at once; runs for one pull request go one at a time, the newest head winning.
  const queue = options.queue ?? new RunQueue();
  const limits = { ...limitsFromEnv(), ...options.limits };
  const metrics = options.metrics ?? new Metrics();
  const refusals = options.refusals ?? new RefusalLimiter();

  /** Runs `job` after the handler returns (GitHub wants an answer within 10 s); failures are logged, never lost. */
  function later(context: RunContext, job: () => Promise<unknown>): void {
    honourRetryAfter(context.octokit, context.log);
    queue.detach(job, (err) => context.log.error({ err, status: httpStatus(err) }, `racecheck could not run: ${err instanceof Error ? err.message : String(err)}`));
  }

  async function review(context: RunContext, pull: PullRef, headSha: string, scope: 'diff' | 'all'): Promise<void> {
    const key = `${pull.owner}/${pull.repo}#${pull.pullNumber}`;
    await queue.enqueue(key, headSha, async (supersededBy) => {
      const outcome = await metrics.timeRun(() => runRacecheck(
        {
          octokit: context.octokit as Octokit,
          log: deliveryLogger(context.log, { deliveryId: context.id, ...pull }),
          loadConfig: (fileName) => context.config(fileName),
          analyzer,
          cache,
          analysisCache,
          docsBaseUrl,
          fetchConcurrency,
          limits,
        },
        { ...pull, headSha, scope, supersededBy },
      ));
      options.onRunComplete?.(outcome);
    });
  }

  /** Re-runs on the pull request's current head, which may have moved since the triggering event. */
  async function reviewCurrentHead(context: RunContext, pull: PullRef, scope: 'diff' | 'all'): Promise<void> {
    const { data: pr } = await context.octokit.rest.pulls.get({ owner: pull.owner, repo: pull.repo, pull_number: pull.pullNumber });
    if (pr.state !== 'open') return;
    await review(context, pull, pr.head.sha, scope);
  }

  return async (app: Probot, appOptions?: ApplicationFunctionOptions): Promise<void> => {
    // Probot falls back to the secret "development", which anyone can sign with.
    if ((options.env ?? process.env).NODE_ENV === 'production' && (await usesDevelopmentSecret(app))) {
      (options.refuseToStart ?? exitWith)('racecheck: refusing to start: WEBHOOK_SECRET is not set (NODE_ENV=production), so anyone could forge webhooks; set it to the secret of the GitHub App.');
      return;
    }
    guardWebhooks(app, options.webhookGuard);
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
  };
}

export default createApp();
