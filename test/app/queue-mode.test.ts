/**
 * Queue mode end to end: real App processes (REDIS_URL set) against the fake GitHub over HTTP and one Redis.
 * Deliveries are acknowledged into Redis; a process killed with SIGKILL mid-run loses nothing, because its
 * jobs stall and another process runs them again, completing the check runs they opened.
 */
import pLimit from 'p-limit';
import { FakeGitHub, type FakeCheckRun } from '../../src/app/testing/fake-github.js';
import { goSource, pullRequestPayload } from './helpers.js';
import { requireBuild, signedDelivery, startAppProcess, waitFor, type AppProcess } from './processes.js';
import { describeWithRedis, testRedisUrl, uniqueQueueName } from './redis.js';

import { jest } from '@jest/globals';

jest.setTimeout(120_000);

const RACY = goSource('1-closure-capture.go');
const PULLS = 50;

function sha(prefix: string, n: number): string {
  return `${prefix}${n.toString(16).padStart(5, '0')}`.padEnd(40, '0');
}

function runsFor(fake: FakeGitHub, head: string): FakeCheckRun[] {
  return [...fake.checkRuns.values()].filter((r) => r.head_sha === head);
}

describeWithRedis('queue mode on Redis', () => {
  let fake: FakeGitHub;
  let origin: string;
  const processes: AppProcess[] = [];

  beforeAll(() => requireBuild());

  beforeEach(async () => {
    fake = new FakeGitHub('octo-org', 'service');
    origin = await fake.listen();
  });

  afterEach(async () => {
    for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await fake.close();
  });

  test('two processes, 200 signed webhooks for 50 PRs, one killed with SIGKILL mid-run: every head gets exactly one completed check run and at most one review', async () => {
    fake.latencyMs = 40; // a network round trip, so runs are still in flight when the kill comes
    const env = { REDIS_URL: testRedisUrl!, RACECHECK_QUEUE_NAME: uniqueQueueName('kill'), RACECHECK_QUEUE_LOCK_S: '2', RACECHECK_CONCURRENCY: '4' };
    const [a, b] = await Promise.all([startAppProcess(origin, env), startAppProcess(origin, env)]);
    processes.push(a!, b!);

    // Per pull request: opened (head 1), its redelivery to the other process, a push (head 2), its redelivery.
    const statuses: number[] = [];
    const limit = pLimit(10);
    await Promise.all(
      Array.from({ length: PULLS }, (_, i) => i + 1).map((n) =>
        limit(async () => {
          const [first, second] = [sha('a', n), sha('b', n)];
          fake.setPull(n, first, { 'run.go': [undefined, RACY] });
          const opened = pullRequestPayload('opened', first, n);
          statuses.push((await signedDelivery(a!.base, 'pull_request', opened, `open-${n}`)).status);
          statuses.push((await signedDelivery(b!.base, 'pull_request', opened, `open-${n}`)).status);
          fake.setPull(n, second, { 'run.go': [undefined, `${RACY}\n// push ${n}\n`] });
          const pushed = pullRequestPayload('synchronize', second, n);
          statuses.push((await signedDelivery(b!.base, 'pull_request', pushed, `push-${n}`)).status);
          statuses.push((await signedDelivery(a!.base, 'pull_request', pushed, `push-${n}`)).status);
        }),
      ),
    );
    expect(statuses).toHaveLength(200);
    expect(statuses.every((s) => s >= 200 && s < 300)).toBe(true);

    const heads = Array.from({ length: PULLS }, (_, i) => [sha('a', i + 1), sha('b', i + 1)]).flat();
    const done = () => heads.filter((h) => runsFor(fake, h).some((r) => r.status === 'completed')).length;
    await waitFor('some runs to complete', () => done() >= 10, 60_000);
    a!.child.kill('SIGKILL');
    expect(await a!.exited).toBe('SIGKILL');
    const doneAtKill = done();
    expect(doneAtKill).toBeLessThan(heads.length); // the kill came mid-run

    await waitFor('every head to have a completed check run and none in progress', () => done() === heads.length && [...fake.checkRuns.values()].every((r) => r.status === 'completed'), 90_000).catch((err) => {
      if (process.env.DEBUG_QUEUE_TEST) {
        for (const h of heads) if (!runsFor(fake, h).some((r) => r.status === 'completed')) console.log(h, JSON.stringify(runsFor(fake, h).map((r) => r.history)));
        console.log(b!.output().split('\n').filter((l) => !l.includes('"name":"http"') && !l.includes('"level":30')).join('\n').slice(0, 8000));
      }
      throw err;
    });
    for (const head of heads) {
      const runs = runsFor(fake, head);
      if (process.env.DEBUG_QUEUE_TEST && runs.length !== 1) {
        console.log(head, JSON.stringify(runs.map((r) => r.history.map((h) => [h.status, h.conclusion, (h.output as any)?.title, h.started_at]))));
        for (const p of [a!, b!]) console.log(p.output().split('\n').filter((l) => l.includes(head) || l.includes('"level":50') || l.includes('"level":40')).join('\n').slice(0, 6000));
      }
      expect({ head, runs: runs.length }).toEqual({ head, runs: 1 });
      expect(runs[0]!.status).toBe('completed');
      expect(fake.reviews.filter((r) => r.commit_id === head).length).toBeLessThanOrEqual(1);
    }
    // Nothing lost: each pull request's newest head fails its check, and its race was commented. The comment
    // is on the newest head's review, or on the first head's when that run posted before the push came (the
    // push then changes nothing the finding's fingerprint covers, so the newer run does not repeat it).
    for (let n = 1; n <= PULLS; n++) {
      expect(runsFor(fake, sha('b', n))[0]!.conclusion).toBe('failure');
      const reviewed = fake.reviews.filter((r) => r.pull === n && (r.commit_id === sha('a', n) || r.commit_id === sha('b', n)));
      expect({ pull: n, reviewed: reviewed.length >= 1 }).toEqual({ pull: n, reviewed: true });
    }
  });

  test('SIGTERM during a run (npm start entry, throttling through the same Redis): the process exits within the deadline and the PR still gets its review from the next process', async () => {
    const env = { REDIS_URL: testRedisUrl!, RACECHECK_QUEUE_NAME: uniqueQueueName('term'), RACECHECK_QUEUE_LOCK_S: '2', RACECHECK_SHUTDOWN_TIMEOUT_S: '2' };
    const head = sha('c', 1);
    fake.setPull(7, head, { 'run.go': [undefined, RACY] });
    // The run's file listing never answers, so the run is in progress when the signal comes.
    fake.hang('GET', /\/pulls\/7\/files$/, { times: 1 });
    const first = await startAppProcess(origin, env, 'start');
    processes.push(first);
    expect((await signedDelivery(first.base, 'pull_request', pullRequestPayload('opened', head, 7), 'term-1')).status).toBe(200);
    // The check run is created alongside the first reads: the run has started when both went out.
    await waitFor('the run to start', () => fake.requests.includes('GET /repos/octo-org/service/pulls/7/files') && runsFor(fake, head).length > 0, 20_000);
    expect(runsFor(fake, head).map((r) => r.status)).toEqual(['in_progress']);

    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    if (process.env.DEBUG_QUEUE_TEST) console.log(first.output());
    expect(Date.now() - signalledAt).toBeLessThan(2000 + 5000);
    expect(fake.reviews).toHaveLength(0);

    // The job went back to Redis with its check run; the next process completes that same check run.
    const second = await startAppProcess(origin, env, 'start');
    processes.push(second);
    await waitFor('the review', () => runsFor(fake, head).every((r) => r.status === 'completed') && fake.reviews.length === 1, 30_000);
    expect(runsFor(fake, head)).toHaveLength(1);
    expect(runsFor(fake, head)[0]!.conclusion).toBe('failure');
    expect(fake.reviews[0]!.commit_id).toBe(head);
  });
});
