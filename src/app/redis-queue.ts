/**
 * Queue mode (REDIS_URL set): webhooks become BullMQ jobs, so an acknowledged delivery survives a crash or a
 * deploy and any replica can run it. The job id names the repository, pull request and head, so a redelivery
 * or a second replica receiving the same event adds nothing. One run per pull request at a time (a lock in
 * Redis), and the newest head wins: a run for an older head stops at once, a queued one posts nothing stale.
 */
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { RunAbortedError, abortReason } from './bounded-requests.js';
import { errorMessage, type Log } from './github.js';
import type { OpsSettings } from './ops-settings.js';

export interface RunJobData {
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  scope: 'diff' | 'all';
  installationId: number;
  deliveryId: string;
  /** The check run an earlier attempt created; the next attempt completes it rather than opening another. */
  checkRunId?: number;
}

export interface JobControl {
  signal: AbortSignal;
  supersededBy: () => string | undefined;
  checkRunId?: number;
  /** An earlier attempt of this job may have created a check run it did not record (it died or stalled). */
  isRetry: boolean;
  /** When the job was queued (ms since the epoch). */
  enqueuedAt: number;
  onCheckRunCreated: (id: number) => Promise<void>;
  /** Set unless this is the last attempt: errors worth another try, which the run then rethrows. */
  retryable?: (err: unknown) => boolean;
}

export type JobProcessor = (data: RunJobData, control: JobControl) => Promise<void>;

const HEAD_TTL_S = 7 * 24 * 3600;
/** Records a head as the pull request's newest unless it was seen before (a redelivery must not move it back). */
const RECORD_HEAD = `
if ARGV[2] == '1' or redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[3])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;
/** Takes the pull request's lock, or keeps it when this job already holds it (a stalled job run again). */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** How often a running job looks for a newer head of its pull request. */
const SUPERSEDE_POLL_MS = 500;
/** A job whose pull request is busy tries again after this. */
const BUSY_RETRY_MS = 250;

function pullKey(d: Pick<RunJobData, 'owner' | 'repo' | 'pullNumber'>): string {
  return `${d.owner}/${d.repo}#${d.pullNumber}`;
}

export class RedisRunQueue {
  private readonly queue: Queue<RunJobData>;
  private readonly redis: Redis;
  private worker?: Worker<RunJobData>;
  private readonly active = new Set<AbortController>();

  constructor(private readonly settings: OpsSettings & { redisUrl: string }, private readonly log: Log) {
    const onError = (err: unknown) => log.error({ err: errorMessage(err) }, 'Redis connection error (queue mode)');
    this.redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
    this.redis.on('error', onError);
    this.queue = new Queue<RunJobData>(settings.queueName, {
      connection: new Redis(settings.redisUrl, { maxRetriesPerRequest: null }),
      defaultJobOptions: {
        attempts: settings.attempts,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 24 * 3600 },
      },
    });
    this.queue.on('error', onError);
  }

  private key(kind: 'heads' | 'head' | 'lock', pull: string): string {
    return `${this.settings.queueName}:${kind}:${pull}`;
  }

  /**
   * Adds a run. `rerun` (a /racecheck command, a re-requested check) gets its own job even for a head already
   * reviewed; a pull_request event's job is one per head.
   */
  async add(data: RunJobData, options: { rerun?: boolean } = {}): Promise<void> {
    const pull = pullKey(data);
    await this.redis.eval(RECORD_HEAD, 2, this.key('heads', pull), this.key('head', pull), data.headSha, options.rerun ? '1' : '0', HEAD_TTL_S);
    const jobId = `${pull}@${data.headSha}${options.rerun ? `~${data.deliveryId}` : ''}`;
    await this.queue.add('review', data, { jobId });
  }

  /** Starts taking jobs (roles worker and all). */
  startWorker(processor: JobProcessor): void {
    const { lockMs, attempts } = this.settings;
    this.worker = new Worker<RunJobData>(this.settings.queueName, (job, token) => this.process(job, token, processor), {
      connection: new Redis(this.settings.redisUrl, { maxRetriesPerRequest: null }),
      concurrency: this.settings.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A worker killed mid-run leaves its job stalled; it is run again (up to this many times), not failed.
      maxStalledCount: attempts,
    });
    this.worker.on('error', (err) => this.log.error({ err: errorMessage(err) }, 'queue worker error'));
    this.worker.on('failed', (job, err) => this.log.error({ err: errorMessage(err), jobId: job?.id, attempts: job?.attemptsMade }, 'racecheck job failed'));
  }

  private async process(job: Job<RunJobData>, token: string | undefined, processor: JobProcessor): Promise<void> {
    const { lockMs, attempts } = this.settings;
    const pull = pullKey(job.data);
    const lock = this.key('lock', pull);
    const holder = job.id!;
    if (!(await this.redis.eval(ACQUIRE, 1, lock, holder, lockMs))) {
      // Another run of this pull request is in progress: wait without using up an attempt.
      await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
      throw new DelayedError();
    }
    this.log.debug({ jobId: job.id, attemptsMade: job.attemptsMade, stalledCounter: job.stalledCounter, checkRunId: job.data.checkRunId }, 'racecheck job started');
    const controller = new AbortController();
    this.active.add(controller);
    let newest = (await this.redis.get(this.key('head', pull))) ?? job.data.headSha;
    const supersededBy = () => (newest !== job.data.headSha ? newest : undefined);
    const renew = setInterval(() => void this.redis.eval(RENEW, 1, lock, holder, lockMs).catch(() => undefined), Math.max(100, lockMs / 3));
    const watch = setInterval(() => {
      void this.redis.get(this.key('head', pull)).then((head) => {
        if (head) newest = head;
        if (supersededBy() && !controller.signal.aborted) controller.abort(new RunAbortedError('superseded', `superseded by ${newest}`));
      }, () => undefined);
    }, SUPERSEDE_POLL_MS);
    try {
      await processor(job.data, {
        signal: controller.signal,
        supersededBy,
        ...(job.data.checkRunId !== undefined ? { checkRunId: job.data.checkRunId } : {}),
        isRetry: job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0,
        enqueuedAt: job.timestamp,
        onCheckRunCreated: async (id) => {
          if (job.data.checkRunId !== id) await job.updateData({ ...job.data, checkRunId: id });
        },
        ...(job.attemptsMade + 1 < attempts ? { retryable: retryableGitHubError } : {}),
      });
    } catch (err) {
      if (abortReason(err) === 'requeue') {
        // Shutting down: back to the queue for another worker, keeping the check run this attempt created.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      throw err;
    } finally {
      clearInterval(renew);
      clearInterval(watch);
      this.active.delete(controller);
      await this.redis.eval(RELEASE, 1, lock, holder).catch(() => undefined);
    }
  }

  /**
   * Graceful shutdown: no new jobs are taken; runs in progress get `deadlineMs`, then go back to the queue
   * (their check runs stay open for the worker that picks them up). Jobs not started stay queued.
   */
  async shutdown(deadlineMs: number, graceMs = 5000): Promise<boolean> {
    let inTime = true;
    if (this.worker) {
      const closed = this.worker.close().then(() => true);
      inTime = await Promise.race([closed, sleep(deadlineMs).then(() => false)]);
      if (!inTime) {
        for (const controller of this.active) controller.abort(new RunAbortedError('requeue', 'racecheck was shutting down; the run goes back to the queue'));
        await Promise.race([closed, sleep(graceMs)]);
      }
    }
    await this.close();
    return inTime;
  }

  /** Whether this process already ran a reconciliation of stale check runs within `windowMs` (one replica does it). */
  async claimOnce(name: string, windowMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.settings.queueName}:once:${name}`, String(process.pid), 'PX', windowMs, 'NX')) === 'OK';
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.worker?.close(true), this.queue.close()]);
    this.redis.disconnect();
  }
}

/** GitHub server errors, rate limits and timeouts: worth running the job again later. */
export function retryableGitHubError(err: unknown): boolean {
  if (abortReason(err) !== undefined) return false;
  if ((err as { timedOut?: unknown } | undefined)?.timedOut === true) return true;
  const status = (err as { status?: unknown } | undefined)?.status;
  if (typeof status !== 'number') return false;
  if (status === 429 || status >= 500) return true;
  const headers = (err as { response?: { headers?: Record<string, unknown> } }).response?.headers;
  return status === 403 && (headers?.['retry-after'] !== undefined || headers?.['x-ratelimit-remaining'] === '0');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
