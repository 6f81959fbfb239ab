/**
 * Every GitHub call has a deadline, and a run's calls stop at once when the run is aborted (a newer head,
 * a shutdown, the run deadline). Both ride on the fetch Octokit uses, so they cover REST, GraphQL, config
 * reads and pagination alike, each attempt separately.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Why a run stopped early. `requeue`: queue mode is shutting down and the job goes back to Redis. */
export type AbortReason = 'superseded' | 'shutdown' | 'requeue' | 'deadline';

/**
 * Octokit passes errors named AbortError through unwrapped and its retry plugin does not retry them: a
 * timed-out write must not be sent again blindly (it may have been applied), and an aborted run must stop.
 */
export class RunAbortedError extends Error {
  override name = 'AbortError';
  constructor(readonly reason: AbortReason, message = `racecheck run stopped (${reason})`) {
    super(message);
  }
}

export class GitHubTimeoutError extends Error {
  override name = 'AbortError';
  readonly timedOut = true;
  constructor(method: string, url: string, timeoutMs: number) {
    super(`GitHub did not answer ${method} ${new URL(url).pathname} within ${timeoutMs / 1000} s`);
  }
}

export function isGitHubTimeout(err: unknown): err is GitHubTimeoutError {
  return err instanceof GitHubTimeoutError;
}

export function abortReason(err: unknown): AbortReason | undefined {
  return err instanceof RunAbortedError ? err.reason : undefined;
}

const runScope = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` with `signal` as the abort signal of every GitHub call it makes. */
export function withRunSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return runScope.run(signal, fn);
}

/** Runs `fn` free of the current run's signal: completing the check run of an aborted run must still go out. */
export function outsideRun<T>(fn: () => Promise<T>): Promise<T> {
  return runScope.exit(fn);
}

/** Reads (and idempotent writes) are tried this many times when GitHub does not answer in time. */
const ATTEMPTS_IDEMPOTENT = 3;

function boundedFetch(timeoutMs: number): typeof fetch {
  return async (input, init = {}) => {
    const method = (init.method ?? 'GET').toUpperCase();
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const outer = init.signal ?? undefined;
    const attempts = method === 'POST' ? 1 : ATTEMPTS_IDEMPOTENT;
    for (let attempt = 1; ; attempt++) {
      if (outer?.aborted) throw outer.reason;
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        return await fetch(input, { ...init, signal: outer ? AbortSignal.any([outer, timeout]) : timeout });
      } catch (err) {
        if (outer?.aborted) throw outer.reason;
        if (!timeout.aborted) throw err;
        if (attempt >= attempts) throw new GitHubTimeoutError(method, url, timeoutMs);
      }
    }
  };
}

interface HookableOctokit {
  hook: { wrap(name: 'request', fn: (request: (options: any) => any, options: any) => any): void };
}

const bounded = new WeakMap<object, typeof fetch>();

/**
 * What the bounding hook gives a request of `octokit` (its timeout and the current run's signal), for a
 * request sent around Octokit's hooks (the read-only GraphQL queries in files.ts).
 */
export function boundedRequestOptions(octokit: object): { fetch?: typeof fetch; signal?: AbortSignal } {
  const fetchWithTimeout = bounded.get(octokit);
  const signal = runScope.getStore();
  return { ...(fetchWithTimeout ? { fetch: fetchWithTimeout } : {}), ...(signal ? { signal } : {}) };
}

/**
 * Gives every request of `octokit` a per-attempt timeout and the current run's abort signal. Registered
 * after Octokit's plugins, so it is the outermost hook and reads the run's context before any queueing.
 */
export function boundRequests(octokit: HookableOctokit, timeoutMs: number): void {
  if (bounded.has(octokit)) return;
  const fetchWithTimeout = boundedFetch(timeoutMs);
  bounded.set(octokit, fetchWithTimeout);
  octokit.hook.wrap('request', (request, options) => {
    // An installation token is fetched once and shared by every run waiting for it: no one run may abort it.
    const shared = /\/access_tokens$/.test(String(options.url ?? ''));
    const runSignal = shared ? undefined : runScope.getStore();
    const own = options.request?.signal as AbortSignal | undefined;
    const signal = runSignal && own ? AbortSignal.any([runSignal, own]) : (runSignal ?? own);
    // before-after-hook binds the same options object to every hook in the chain: change it in place.
    options.request = { ...options.request, fetch: fetchWithTimeout, ...(signal ? { signal } : {}) };
    return request(options);
  });
}
