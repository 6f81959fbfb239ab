/**
 * Work done after the webhook is acknowledged (GitHub waits at most 10 s for a response). Runs for one pull
 * request go one at a time, so two deliveries can't both post the same finding, and the newest head
 * requested for a pull request wins: an older run sees itself superseded and posts nothing stale.
 */
export class RunQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly newest = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();

  /**
   * Queues `job` behind earlier runs for `key` and records `headSha` as that pull request's newest head.
   * The job gets a function returning the newer head sha once one has been requested. Settles as the job does.
   */
  enqueue(key: string, headSha: string, job: (supersededBy: () => string | undefined) => Promise<void>): Promise<void> {
    this.newest.set(key, headSha);
    const supersededBy = () => {
      const latest = this.newest.get(key);
      return latest !== undefined && latest !== headSha ? latest : undefined;
    };
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = () => job(supersededBy);
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
}
