/** How the App runs: queue, role, deadlines. Read once from the environment; a bad value stops startup with one line. */
export type Role = 'web' | 'worker' | 'all';

export interface OpsSettings {
  /** Queue mode when set (BullMQ on this Redis); the in-process queue otherwise. */
  redisUrl?: string;
  /** RACECHECK_ROLE: web takes webhooks and enqueues, worker runs reviews, all does both. */
  role: Role;
  /** RACECHECK_QUEUE_NAME: the BullMQ queue (and key prefix) shared by the replicas. */
  queueName: string;
  /** RACECHECK_CONCURRENCY: reviews run at once per worker process (queue mode). */
  concurrency: number;
  /** RACECHECK_QUEUE_ATTEMPTS: tries per job when GitHub answers 5xx, rate-limits or times out. */
  attempts: number;
  /** RACECHECK_QUEUE_LOCK_S: a dead worker's job is picked up again after about this long. */
  lockMs: number;
  /** RACECHECK_GITHUB_TIMEOUT_S: per GitHub request attempt. */
  githubTimeoutMs: number;
  /** RACECHECK_RUN_TIMEOUT_S: a run still going after this is stopped; older in-progress checks are completed at startup. */
  runTimeoutMs: number;
  /** RACECHECK_SHUTDOWN_TIMEOUT_S: how long SIGTERM/SIGINT waits for runs in progress. */
  shutdownTimeoutMs: number;
}

export class SettingsError extends Error {}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new SettingsError(`${name} must be a positive number of seconds, not "${raw}"`);
  return n * 1000;
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new SettingsError(`${name} must be a positive whole number, not "${raw}"`);
  return n;
}

export function opsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OpsSettings {
  const role = (env.RACECHECK_ROLE ?? 'all').trim() || 'all';
  if (role !== 'web' && role !== 'worker' && role !== 'all') throw new SettingsError(`RACECHECK_ROLE must be web, worker or all, not "${role}"`);
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (role !== 'all' && !redisUrl) throw new SettingsError(`RACECHECK_ROLE=${role} needs REDIS_URL: web and worker processes share their queue through Redis`);
  const queueName = env.RACECHECK_QUEUE_NAME?.trim() || 'racecheck';
  if (queueName.includes(':')) throw new SettingsError(`RACECHECK_QUEUE_NAME must not contain ":", not "${queueName}"`);
  return {
    ...(redisUrl ? { redisUrl } : {}),
    role,
    queueName,
    concurrency: count(env, 'RACECHECK_CONCURRENCY', 4),
    attempts: count(env, 'RACECHECK_QUEUE_ATTEMPTS', 5),
    lockMs: seconds(env, 'RACECHECK_QUEUE_LOCK_S', 30),
    githubTimeoutMs: seconds(env, 'RACECHECK_GITHUB_TIMEOUT_S', 30),
    runTimeoutMs: seconds(env, 'RACECHECK_RUN_TIMEOUT_S', 600),
    shutdownTimeoutMs: seconds(env, 'RACECHECK_SHUTDOWN_TIMEOUT_S', 8),
  };
}
