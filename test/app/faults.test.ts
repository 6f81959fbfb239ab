/** GitHub failing in the ways it does: 5xx, rate limits with retry-after, 404s from force-pushes, bad tokens. */
import type { AnalyzeOptions, Finding, SourceFile } from '../../src/engine/index.js';
import type { FakeGitHub } from '../../src/app/testing/fake-github.js';
import { HEAD, pullRequestPayload, setup, teardown } from './helpers.js';

afterEach(teardown);

const BASE = 'package main\n\nfunc Foo() {}\n';

/** Flags each line containing `RACE` as a closure-write error. */
function markerAnalyzer(files: SourceFile[], _options: AnalyzeOptions) {
  const findings: Finding[] = [];
  for (const f of files) {
    f.content.split('\n').forEach((text, i) => {
      if (text.includes('RACE')) findings.push({ rule: 'closure-write', file: f.path, line: i + 1, column: 2, endLine: i + 1, endColumn: 6, severity: 'error', message: `race on line ${i + 1}`, related: [] });
    });
  }
  return { findings, suppressed: {}, files: files.map((f) => ({ file: f.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false })) };
}

/** Two modified files (fetched over GraphQL), one with a race on an added line. */
function racyPull(fake: FakeGitHub): void {
  fake.setFile(HEAD, 'go.mod', 'module x\n\ngo 1.22\n');
  fake.setPull(7, HEAD, {
    'a.go': [BASE, `${BASE}\nfunc A() {\n\tx = 1 // RACE\n}\n`],
    'b.go': [BASE, `${BASE}// touched\n`],
  });
}

/** The last call on every check run completed it: none is left in progress. */
function expectAllCompleted(fake: FakeGitHub): void {
  expect(fake.checkRuns.size).toBeGreaterThan(0);
  for (const run of fake.checkRuns.values()) {
    expect(run.history.at(-1)).toMatchObject({ status: 'completed' });
    expect(run.status).toBe('completed');
  }
}

describe('5xx on any call is retried and the review still completes', () => {
  test.each([
    ['POST', /\/check-runs$/, 'create the check run'],
    ['GET', /\/pulls\/7\/files$/, 'list files'],
    ['GET', /\/contents\/go\.mod$/, 'read go.mod'],
    ['GET', /\/service\/contents\/\.github%2Fracecheck\.yml$/, 'read the config'],
    ['GET', /\/pulls\/7\/comments$/, 'list review comments'],
    ['POST', /^\/graphql$/, 'fetch contents (GraphQL)'],
    ['POST', /\/pulls\/7\/reviews$/, 'post the review'],
    ['PATCH', /\/check-runs\/\d+$/, 'complete the check run'],
  ])('%s %s (%s)', async (method, path) => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    h.fake.fail(method, path, 502, 'Bad Gateway', 1);
    h.fake.fail(method, path, 503, 'Service Unavailable', 1);
    await h.send('pull_request', pullRequestPayload('opened'));
    // Two failures, then the retry that succeeded (for GraphQL, plus the other query: the directory's tree or the contents).
    const others = path.source === '^\\/graphql$' ? 1 : 0;
    expect(h.fake.requests.filter((r) => r.startsWith(`${method} `) && path.test(r.slice(method.length + 1)))).toHaveLength(3 + others);
    expect(h.fake.reviews).toHaveLength(1);
    expect(h.fake.reviews[0]!.commit_id).toBe(HEAD);
    expect(h.fake.checkRun()!.conclusion).toBe('failure');
    expectAllCompleted(h.fake);
  });

  test('a GraphQL fetch that keeps failing falls back to REST per file', async () => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    h.fake.fail('POST', /^\/graphql$/, 502, 'Bad Gateway', 10);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.requestCount(/^GET .*\/contents\/[ab]\.go$/)).toBe(2);
    expect(h.fake.reviews).toHaveLength(1);
    expect(h.logs.some((l) => String(l.msg).includes('GraphQL file fetch failed'))).toBe(true);
    expectAllCompleted(h.fake);
  });

  test('5xx that outlasts the retries fails the run with an explanation, check completed', async () => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    h.fake.fail('POST', /\/pulls\/7\/reviews$/, 500, 'Server Error', 10);
    await h.send('pull_request', pullRequestPayload('opened'));
    const run = h.fake.checkRun()!;
    expect(run.conclusion).toBe('failure');
    expect(run.output!.summary).toContain('Server Error');
    expect(run.output!.summary).toContain('/racecheck');
    expectAllCompleted(h.fake);
  });
});

describe('rate limits with retry-after are honoured', () => {
  function timesOf(fake: FakeGitHub, pattern: RegExp): number[] {
    const times: number[] = [];
    const previous = fake.onRequest;
    fake.onRequest = (req) => {
      previous?.(req);
      if (pattern.test(`${req.method} ${req.path}`)) times.push(performance.now());
    };
    return times;
  }

  test('403 secondary rate limit with retry-after: 1, throttling on as in production: waits, then retries once', async () => {
    const h = await setup({ analyzer: markerAnalyzer }, { throttle: true });
    racyPull(h.fake);
    const times = timesOf(h.fake, /^GET .*\/pulls\/7\/files$/);
    h.fake.fail('GET', /\/pulls\/7\/files$/, 403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', 1, { 'retry-after': '1' });
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(times).toHaveLength(2);
    // Never before GitHub said so (a lower bound only; timers do not fire early).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(990);
    expect(h.fake.reviews).toHaveLength(1);
    expect(h.logs.some((l) => String(l.msg).includes('retry after 1 s'))).toBe(true);
    expectAllCompleted(h.fake);
  }, 20_000);

  test('429 with retry-after: once the retry plugin gives up, the request is sent again after the wait', async () => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    const times = timesOf(h.fake, /^POST .*\/pulls\/7\/reviews$/);
    // The original and the retry plugin's two retries (no back-off in tests) all get 429.
    h.fake.fail('POST', /\/pulls\/7\/reviews$/, 429, 'Too Many Requests', 3, { 'retry-after': '1' });
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(times).toHaveLength(4);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(990);
    expect(h.fake.reviews).toHaveLength(1);
    expectAllCompleted(h.fake);
  });

  test('a retry-after longer than the cap is not waited for: the run fails and says why', async () => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    h.fake.fail('GET', /\/pulls\/7\/files$/, 403, 'You have exceeded a secondary rate limit', 1, { 'retry-after': '3600' });
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.requestCount(/pulls\/7\/files$/)).toBe(1);
    expect(h.fake.checkRun()!.conclusion).toBe('failure');
    expect(h.fake.checkRun()!.output!.summary).toContain('secondary rate limit');
    expectAllCompleted(h.fake);
  });
});

test('a 422 on the review falls back to the check run', async () => {
  const h = await setup({ analyzer: markerAnalyzer });
  racyPull(h.fake);
  h.fake.fail('POST', /\/pulls\/7\/reviews$/, 422, 'pull_request_review_thread.line must be part of the diff');
  await h.send('pull_request', pullRequestPayload('opened'));
  expect(h.fake.reviews).toHaveLength(0);
  expect(h.fake.checkRun()!.output!.summary).toContain('GitHub rejected the review (422');
  expect(h.fake.checkRun()!.output!.summary).toContain('`a.go:6`');
  expectAllCompleted(h.fake);
});

describe('a file that 404s (a force-push raced the run) is skipped and named; the run goes on', () => {
  test('over GraphQL (the object is null)', async () => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    h.fake.removeFile(HEAD, 'b.go');
    await h.send('pull_request', pullRequestPayload('opened'));
    const summary = h.fake.checkRun()!.output!.summary!;
    expect(summary).toContain('Analyzed 1 Go file; skipped 1.');
    expect(summary).toMatch(/`b\.go`: could not be fetched at 1111111 \(not found\)/);
    expect(h.fake.reviews).toHaveLength(1);
    expect(h.fake.reviewComments.map((c) => c.path)).toEqual(['a.go']);
    expectAllCompleted(h.fake);
  });

  test('over REST (GraphQL unavailable)', async () => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    h.fake.removeFile(HEAD, 'b.go');
    h.fake.fail('POST', /^\/graphql$/, 502, 'Bad Gateway', 10);
    await h.send('pull_request', pullRequestPayload('opened'));
    const summary = h.fake.checkRun()!.output!.summary!;
    expect(summary).toMatch(/`b\.go`: could not be fetched at 1111111 \(Not Found/);
    expect(h.fake.reviewComments.map((c) => c.path)).toEqual(['a.go']);
    expectAllCompleted(h.fake);
  });
});

describe('token and permission errors are logged clearly and explained in the check run', () => {
  test.each([
    [401, 'Bad credentials'],
    [403, 'Resource not accessible by integration'],
  ])('%i on listing files', async (status, message) => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    h.fake.fail('GET', /\/pulls\/7\/files$/, status, message, 10);
    await h.send('pull_request', pullRequestPayload('opened'));
    // The retry plugin leaves these alone; Octokit's app auth retries a 401 only within 5 s of minting the token
    // (replication delay), then gives up.
    if (status === 403) expect(h.fake.requestCount(/pulls\/7\/files$/)).toBe(1);
    else expect(h.fake.requestCount(/pulls\/7\/files$/)).toBeGreaterThan(1);
    const run = h.fake.checkRun()!;
    expect(run.conclusion).toBe('failure');
    expect(run.output!.title).toBe('racecheck was denied access by GitHub');
    expect(run.output!.summary).toContain(status === 403 ? `403: ${message}` : `401: After 3 retries`);
    expect(run.output!.summary).toContain('permission');
    expect(h.logs.some((l) => l.level === 50 && String(l.msg).includes(`denied access (${status})`))).toBe(true);
    expect(h.fake.reviews).toHaveLength(0);
    expectAllCompleted(h.fake);
  });

  test('a secondary rate limit without retry-after is reported as a rate limit, not as a token or permission problem', async () => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    h.fake.fail('GET', /\/pulls\/7\/files$/, 403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', 10);
    await h.send('pull_request', pullRequestPayload('opened'));
    const run = h.fake.checkRun()!;
    expect(run.conclusion).toBe('failure');
    expect(run.output!.title).toBe('racecheck was rate-limited by GitHub');
    expect(run.output!.summary).toContain('rate-limited');
    expect(run.output!.summary).not.toContain('lacks a permission');
    expect(h.logs.some((l) => l.level === 50 && String(l.msg).includes('rate limit (403)'))).toBe(true);
    expectAllCompleted(h.fake);
  });

  test('403 creating the check run: nothing to complete, but the error is logged with its status', async () => {
    const h = await setup({ analyzer: markerAnalyzer });
    racyPull(h.fake);
    h.fake.fail('POST', /\/check-runs$/, 403, 'Resource not accessible by integration', 1);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.checkRuns.size).toBe(0);
    expect(h.fake.reviews).toHaveLength(0);
    const logged = h.logs.find((l) => l.level === 50 && String(l.msg).includes('racecheck could not run'));
    expect(logged).toMatchObject({ status: 403 });
    expect(String(logged!.msg)).toContain('Resource not accessible by integration');
  });
});
