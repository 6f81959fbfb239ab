/**
 * The Redis the queue tests use: RACECHECK_TEST_REDIS_URL, which .ci/run sets after starting redis-server.
 * Without it the queue suites are skipped by name with the reason printed, except under CI=true, where a
 * missing or unreachable Redis fails the run.
 */
import { Redis } from 'ioredis';

export const testRedisUrl = process.env.RACECHECK_TEST_REDIS_URL?.trim() || undefined;
const inCI = process.env.CI === 'true';

/** `describe`, or `describe.skip` with the reason printed when Redis is not configured outside CI. */
export function describeWithRedis(name: string, body: () => void): void {
  if (!testRedisUrl && !inCI) {
    console.warn(`skipping "${name}": RACECHECK_TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)`);
    describe.skip(name, body);
    return;
  }
  describe(name, () => {
    beforeAll(async () => {
      if (!testRedisUrl) throw new Error('CI=true but RACECHECK_TEST_REDIS_URL is not set: the queue tests need Redis (.ci/run starts it)');
      const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
      try {
        await redis.connect();
        await redis.ping();
      } catch (err) {
        throw new Error(`Redis at ${testRedisUrl} is unreachable: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        redis.disconnect();
      }
    });
    body();
  });
}

/** A queue name of its own per test, so suites sharing one Redis never see each other's jobs. */
export function uniqueQueueName(label: string): string {
  return `rc-test-${label}-${process.pid}-${Date.now().toString(36)}`;
}
