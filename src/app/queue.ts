import { RunAbortedError } from './bounded-requests.js';

/** A run's view of its queue: the newer head once one was requested, and the signal that stops it. */
export type QueuedJob = (supersededBy: () => string | undefined, signal: AbortSignal) => Promise<void>;

/**
 * Work done after the webhook is acknowledged (GitHub waits at most 10 s for a response), in this process
 * (the default without REDIS_URL). Runs for one pull request go one at a time, so two deliveries can't both
 * post the same finding, and the newest head requested for a pull request wins: a run in progress for an
 * older head is aborted at once, and one still waiting sees itself superseded and posts nothing stale.
 */
export class RunQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly newest = new Map<string, string>();
  private readonly running = new Map<string, { headSha: string; controller: AbortController }>();
  private readonly pending = new Set<Promise<void>>();
  private closing = false;

  /**
   * Queues `job` behind earlier runs for `key` and records `headSha` as that pull request's newest head.
   * The job gets a function returning the newer head sha once one has been requested. Settles as the job does.
   */
  enqueue(key: string, headSha: string, job: QueuedJob): Promise<void> {
    this.newest.set(key, headSha);
    const current = this.running.get(key);
    if (current && current.headSha !== headSha) current.controller.abort(new RunAbortedError('superseded', `superseded by ${headSha}`));
    const supersededBy = () => {
      const latest = this.newest.get(key);
      return latest !== undefined && latest !== headSha ? latest : undefined;
    };
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = async () => {
      const controller = new AbortController();
      // Never started before shutdown began: the job completes its check run as stopped, in one request.
      if (this.closing) controller.abort(new RunAbortedError('shutdown', 'racecheck was shutting down before this run started'));
      this.running.set(key, { headSha, controller });
      try {
        await job(supersededBy, controller.signal);
      } finally {
        if (this.running.get(key)?.controller === controller) this.running.delete(key);
      }
    };
    const result = previous.then(run, run);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) !== tail) return;
      this.tails.delete(key);
      this.newest.delete(key);
    });
    return result;
  }

  /** Runs `job` without the caller waiting; a failure goes to `onError` (it must not be lost). */
  detach(job: () => Promise<unknown>, onError: (err: unknown) => void): void {
    const done: Promise<void> = job()
      .then(() => undefined, onError)
      .catch(() => undefined)
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Resolves once every detached job, including ones they started, has finished. Tests and the bench wait on it. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Graceful shutdown: runs in progress get until `deadlineMs` to finish, then are aborted (their check runs
   * completed neutral); runs not started yet complete their check run neutral without running. Resolves
   * when all is settled or `graceMs` after the deadline, whichever is first; true if nothing was cut short.
   */
  async shutdown(deadlineMs: number, graceMs = 5000): Promise<boolean> {
    this.closing = true;
    const settled = this.idle().then(() => true);
    const inTime = await Promise.race([settled, sleep(deadlineMs).then(() => false)]);
    if (inTime) return true;
    for (const { controller } of this.running.values()) controller.abort(new RunAbortedError('shutdown', `racecheck was shutting down and stopped this run after ${deadlineMs / 1000} s`));
    await Promise.race([settled, sleep(graceMs)]);
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
