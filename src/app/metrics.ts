import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { httpStatus } from './github.js';
import type { RunOutcome } from './run.js';

/** The hook API of an Octokit instance (before-after-hook); only `error` is used. */
interface HookableOctokit {
  hook: { error(name: 'request', fn: (err: unknown) => unknown): void };
}

function readVersion(): string {
  try {
    // ../../package.json from both src/app and dist/app; the Docker image copies it next to dist/.
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const VERSION = readVersion();

/**
 * The App's Prometheus metrics on a registry of their own (not prom-client's global one), so each
 * app instance, e.g. one per test, counts from zero. Labels never carry repository names.
 */
export class Metrics {
  readonly registry = new Registry();
  private processMetrics = false;

  readonly webhooks = new Counter({
    name: 'racecheck_webhooks_received_total',
    help: 'Webhook deliveries received (signature verified), by event and action.',
    labelNames: ['event', 'action'] as const,
    registers: [this.registry],
  });

  readonly runs = new Counter({
    name: 'racecheck_runs_total',
    help: 'Review runs, by outcome: the check conclusion, or "error" when the run failed.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly findings = new Counter({
    name: 'racecheck_findings_total',
    help: 'Findings reported by review runs (in the run\'s scope), by rule.',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly apiErrors = new Counter({
    name: 'racecheck_github_api_errors_total',
    help: 'GitHub API requests that failed after retries, by HTTP status ("none" for network errors). 404s include expected misses such as no config file.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly runDuration = new Histogram({
    name: 'racecheck_run_duration_seconds',
    help: 'Duration of a review run, from creating the check run to completing it.',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  webhookReceived(event: string, action: unknown): void {
    this.webhooks.inc({ event, action: typeof action === 'string' ? action : '' });
  }

  /** Times a run and counts its outcome and findings; a run that throws counts as "error". */
  async timeRun(run: () => Promise<RunOutcome>): Promise<RunOutcome> {
    const stop = this.runDuration.startTimer();
    try {
      const outcome = await run();
      this.runs.inc({ outcome: outcome.error ? 'error' : outcome.conclusion });
      for (const [rule, n] of Object.entries(outcome.findingsByRule ?? {})) this.findings.inc({ rule }, n);
      return outcome;
    } catch (err) {
      this.runs.inc({ outcome: 'error' });
      throw err;
    } finally {
      stop();
    }
  }

  /** Counts every failed request of this (per-event) Octokit; the hook is outermost, so retries count once. */
  watchOctokit(octokit: HookableOctokit): void {
    octokit.hook.error('request', (err) => {
      this.apiErrors.inc({ status: String(httpStatus(err) ?? 'none') });
      throw err;
    });
  }

  /** Process metrics (CPU, memory, event loop lag); only when served, as they start monitors. */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'racecheck_' });
  }

  /** A Probot server handler for GET /metrics and GET /healthz; returns false for anything else. */
  readonly handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '').split('?')[0];
    if (path === '/metrics') {
      const body = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    if (path === '/healthz') {
      const body = JSON.stringify({ status: 'ok', uptime: Math.round(process.uptime()), version: VERSION });
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    return false;
  };
}
