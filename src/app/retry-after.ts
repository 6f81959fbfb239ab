import { httpStatus, type Log } from './github.js';

/** The hook API of an Octokit instance (before-after-hook). */
interface HookableOctokit {
  hook: { error(name: 'request', fn: (err: any, options: any) => unknown): void };
  request(options: any): Promise<unknown>;
}

/** Longest `retry-after` waited for; past it the request fails and the run reports the error. */
export const MAX_RETRY_AFTER_S = 120;
const MAX_ATTEMPTS = 2;
const installed = new WeakSet<object>();

export function retryAfterSeconds(err: unknown): number | undefined {
  const headers = (err as { response?: { headers?: Record<string, unknown> } } | undefined)?.response?.headers;
  const raw = headers?.['retry-after'];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Waits out a 403/429 that carries `retry-after`, then sends the request again (at most twice).
 * Probot's throttling plugin logs secondary rate limits but does not retry them, and the retry plugin never
 * retries a 403 (and retries a 429 on its own schedule), so this hook, registered outermost, honours GitHub's
 * answer. Installed once per (per-event) Octokit.
 */
export function honourRetryAfter(octokit: HookableOctokit, log: Pick<Log, 'warn'>): void {
  if (installed.has(octokit)) return;
  installed.add(octokit);
  octokit.hook.error('request', async (err, options) => {
    const status = httpStatus(err);
    const wait = retryAfterSeconds(err);
    const attempts = Number(options?.request?.retryAfterAttempts ?? 0);
    if ((status !== 403 && status !== 429) || wait === undefined || wait > MAX_RETRY_AFTER_S || attempts >= MAX_ATTEMPTS) throw err;
    log.warn({ status, retryAfter: wait, method: options.method, url: options.url, attempt: attempts + 1 }, `GitHub asked to retry after ${wait} s (rate limit); waiting`);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    return octokit.request({ ...options, request: { ...options.request, retryAfterAttempts: attempts + 1 } });
  });
}
