/**
 * Bounded GitHub calls, over HTTP against the fake GitHub (the real Probot server, embedded mode): a review
 * POST that never answers, a newer head while a run is stalled, stale check runs at startup, and SIGTERM
 * with a run in progress (a real process).
 */
import { jest } from '@jest/globals';
import { pino } from 'pino';
import { ProbotOctokit, type Server } from 'probot';
import { createApp, type AppControl, type AppOptions } from '../../src/app/index.js';
import { FakeGitHub } from '../../src/app/testing/fake-github.js';
import { startLocalApp } from '../../src/app/testing/local-server.js';
import { goSource, privateKey, pullRequestPayload } from './helpers.js';
import { requireBuild, SECRET, signedDelivery, startAppProcess, waitFor } from './processes.js';

jest.setTimeout(120_000);

const RACY = goSource('1-closure-capture.go');
const HEAD1 = '1'.repeat(40);
const HEAD2 = '2'.repeat(40);
const REVIEW_POST = 'POST /repos/octo-org/service/pulls/7/reviews';

let fake: FakeGitHub;
let server: Server | undefined;
let base: string;
let control: AppControl | undefined;

async function start(options: AppOptions): Promise<void> {
  const local = await startLocalApp(createApp({ ...options, onStart: (c) => (control = c) }), {
    githubOrigin: await fake.listen(),
    privateKey: privateKey(),
    webhookSecret: SECRET,
    probot: {
      log: pino({ level: 'fatal' }),
      // Probot's 1 s spacing of writes is not what is under test here.
      Octokit: ProbotOctokit.defaults((o: any) => ({ ...o, throttle: { ...o.throttle, enabled: false } })),
    },
  });
  server = local.server;
  base = local.base;
}

beforeEach(() => {
  fake = new FakeGitHub('octo-org', 'service');
  control = undefined;
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await fake.close();
});

function reviewPosts(): number {
  return fake.requests.filter((r) => r === REVIEW_POST).length;
}

describe('the check run is created alongside the reads', () => {
  test('while its POST is stalled the files are listed and fetched; no review goes out without it', async () => {
    await start({ ops: { githubTimeoutMs: 1500 } });
    fake.setPull(7, HEAD1, { 'run.go': [undefined, RACY] });
    fake.hang('POST', /\/check-runs$/);
    expect((await signedDelivery(base, 'pull_request', pullRequestPayload('opened', HEAD1), 'stalled-check')).status).toBe(200);
    await waitFor('the contents to be fetched', () => fake.requests.includes('POST /graphql'), 20_000);
    expect(fake.checkRuns.size).toBe(0);
    // The creation times out (1.5 s) and is not retried, being a POST: the run ends without a review.
    await new Promise((r) => setTimeout(r, 2500));
    expect(fake.requests.filter((r) => r.endsWith('/check-runs'))).toHaveLength(1);
    expect(fake.reviews).toHaveLength(0);
    expect(fake.checkRuns.size).toBe(0);
  });
});

describe('a review POST that never answers', () => {
  test('GitHub created the review but the answer was lost: the POST times out, the review is found, nothing is posted twice', async () => {
    await start({ ops: { githubTimeoutMs: 400 } });
    fake.setPull(7, HEAD1, { 'run.go': [undefined, RACY] });
    fake.hang('POST', /\/pulls\/7\/reviews$/, { apply: true });
    const sent = Date.now();
    expect((await signedDelivery(base, 'pull_request', pullRequestPayload('opened', HEAD1), 'hang-1')).status).toBe(200);
    await waitFor('the check run to complete', () => fake.checkRun()?.status === 'completed', 60_000);
    expect(fake.checkRun()!.conclusion).toBe('failure');
    expect(fake.reviews).toHaveLength(1);
    expect(reviewPosts()).toBe(1);
    expect(fake.requests).toContain('GET /repos/octo-org/service/pulls/7/reviews');
    // Bounded: well under a minute even on a loaded machine, not the 20 minutes of unbounded retries the issue measured.
    expect(Date.now() - sent).toBeLessThan(60_000);
  });

  test('the review was not created: it is sent again once, and exactly one review exists', async () => {
    await start({ ops: { githubTimeoutMs: 400 } });
    fake.setPull(7, HEAD1, { 'run.go': [undefined, RACY] });
    fake.hang('POST', /\/pulls\/7\/reviews$/, { apply: false });
    expect((await signedDelivery(base, 'pull_request', pullRequestPayload('opened', HEAD1), 'hang-2')).status).toBe(200);
    await waitFor('the check run to complete', () => fake.checkRun()?.status === 'completed', 60_000);
    expect(fake.checkRun()!.conclusion).toBe('failure');
    expect(reviewPosts()).toBe(2);
    expect(fake.reviews).toHaveLength(1);
  });

  test('never answering at all: the check run is completed as failed after the tries, with no review', async () => {
    await start({ ops: { githubTimeoutMs: 300 } });
    fake.setPull(7, HEAD1, { 'run.go': [undefined, RACY] });
    fake.hang('POST', /\/pulls\/7\/reviews$/, { times: 10 });
    expect((await signedDelivery(base, 'pull_request', pullRequestPayload('opened', HEAD1), 'hang-3')).status).toBe(200);
    await waitFor('the check run to complete', () => fake.checkRun()?.status === 'completed', 60_000);
    expect(fake.checkRun()!.conclusion).toBe('failure');
    expect(fake.checkRun()!.output?.summary).toContain('did not answer POST');
    expect(reviewPosts()).toBe(3);
    expect(fake.reviews).toHaveLength(0);
  });

  test('a newer head supersedes the stalled run at once: it is reviewed well before the stalled POST would time out', async () => {
    await start({ ops: { githubTimeoutMs: 30_000 } });
    fake.setPull(7, HEAD1, { 'run.go': [undefined, RACY] });
    fake.hang('POST', /\/pulls\/7\/reviews$/);
    expect((await signedDelivery(base, 'pull_request', pullRequestPayload('opened', HEAD1), 'stall-1')).status).toBe(200);
    await waitFor('the first review POST', () => reviewPosts() === 1, 10_000);

    fake.setPull(7, HEAD2, { 'run.go': [undefined, `${RACY}\n// second push\n`] });
    expect((await signedDelivery(base, 'pull_request', pullRequestPayload('synchronize', HEAD2), 'stall-2')).status).toBe(200);
    // 10 s is a third of the 30 s timeout the stalled POST is still waiting out.
    await waitFor('the newer head to be reviewed', () => fake.reviews.some((r) => r.commit_id === HEAD2) && [...fake.checkRuns.values()].at(-1)?.status === 'completed', 10_000);
    const [first, second] = [...fake.checkRuns.values()];
    await waitFor('the stalled run to be completed', () => first!.status === 'completed', 5000);
    expect(first!.head_sha).toBe(HEAD1);
    expect(first!.conclusion).toBe('neutral');
    expect(first!.output?.title).toBe(`Superseded by ${HEAD2.slice(0, 7)}`);
    expect(second!.head_sha).toBe(HEAD2);
    expect(second!.conclusion).toBe('failure');
    expect(fake.reviews).toHaveLength(1);
  });
});

test('a GraphQL tree query that never answers times out like every GitHub call: the package is skipped with why, the review still lands', async () => {
  await start({ ops: { githubTimeoutMs: 300 } });
  // A modified file, so its contents are fetched over GraphQL too (and then over REST).
  fake.setPull(7, HEAD1, { 'run.go': ['package main\n', RACY] });
  fake.setFile(HEAD1, 'other.go', 'package main\n');
  fake.hang('POST', /^\/graphql$/, { times: 10 });
  expect((await signedDelivery(base, 'pull_request', pullRequestPayload('opened', HEAD1), 'hang-graphql')).status).toBe(200);
  await waitFor('the check run to complete', () => fake.checkRun()?.status === 'completed', 20_000);
  // The contents query and the tree query, each tried three times (reads are), then given up.
  expect(fake.requests.filter((r) => r === 'POST /graphql')).toHaveLength(6);
  expect(fake.requests.filter((r) => /\/contents\/run\.go$/.test(r))).toEqual(['GET /repos/octo-org/service/contents/run.go']);
  expect(fake.reviews).toHaveLength(1);
  expect(fake.checkRun()!.output?.summary).toMatch(/- `\.`: GitHub's tree query failed \((500: )?GitHub did not answer POST \/(api\/)?graphql within 0\.3 s\)/);
});

test('startup reconciliation completes our check runs left in progress longer than the run deadline, and only those', async () => {
  fake.setPull(7, HEAD1, { 'run.go': [undefined, RACY] });
  fake.setPull(8, HEAD2, { 'run.go': [undefined, RACY] });
  const stale = fake.handle({ method: 'POST', path: '/repos/octo-org/service/check-runs', query: new URLSearchParams(), headers: {}, body: { name: 'racecheck', head_sha: HEAD1, status: 'in_progress', started_at: new Date(Date.now() - 3600_000).toISOString() } }, '');
  const fresh = fake.handle({ method: 'POST', path: '/repos/octo-org/service/check-runs', query: new URLSearchParams(), headers: {}, body: { name: 'racecheck', head_sha: HEAD2, status: 'in_progress', started_at: new Date().toISOString() } }, '');
  await start({ reconcileOnStart: true, ops: { runTimeoutMs: 600_000 } });
  await control!.reconciled;
  const staleRun = fake.checkRuns.get((stale.body as { id: number }).id)!;
  expect(staleRun.status).toBe('completed');
  expect(staleRun.conclusion).toBe('neutral');
  expect(staleRun.output?.summary).toContain('RACECHECK_RUN_TIMEOUT_S=600');
  expect(staleRun.output?.summary).toContain('/racecheck');
  expect(fake.checkRuns.get((fresh.body as { id: number }).id)!.status).toBe('in_progress');
});

test('SIGTERM during a run without Redis: the process exits within the deadline and the check run is completed neutral, saying to comment /racecheck', async () => {
  requireBuild();
  const origin = await fake.listen();
  fake.setPull(7, HEAD1, { 'run.go': [undefined, RACY] });
  fake.hang('GET', /\/pulls\/7\/files$/);
  const app = await startAppProcess(origin, { RACECHECK_SHUTDOWN_TIMEOUT_S: '1' });
  try {
    expect((await signedDelivery(app.base, 'pull_request', pullRequestPayload('opened', HEAD1), 'term-embedded')).status).toBe(200);
    // The check run is created alongside the first reads: the run has started when both went out.
    await waitFor('the run to start', () => fake.requests.includes('GET /repos/octo-org/service/pulls/7/files') && fake.checkRun() !== undefined, 20_000);
    expect(fake.checkRun()!.status).toBe('in_progress');
    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(1000 + 5000);
    const run = fake.checkRun()!;
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('neutral');
    expect(run.output?.summary).toContain('`/racecheck`');
    expect(fake.checkRuns.size).toBe(1);
  } finally {
    if (app.child.exitCode === null) app.child.kill('SIGKILL');
  }
});
