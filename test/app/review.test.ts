/** pull_request events end to end through Probot, with GitHub faked behind nock. */
import { analyze, type AnalyzeOptions, type Finding, type SourceFile } from '../../src/engine/index.js';
import { BlobCache } from '../../src/app/blob-cache.js';
import { parseFingerprint } from '../../src/report/fingerprint.js';
import { GO_MOD, HEAD, goSource, pullRequestPayload, setup, teardown, type Harness } from './helpers.js';

const SEED = goSource('1-closure-capture.go');
const SEED_FIXED = goSource('1-closure-capture.fixed.go');
const BASE_GO = 'package main\n\nfunc Foo() error { return nil }\n';

afterEach(teardown);

/** A stand-in analyzer: flags every line containing `RACE` as a closure-write error. */
function markerAnalyzer(calls: { files: SourceFile[]; options: AnalyzeOptions }[] = []) {
  return (files: SourceFile[], options: AnalyzeOptions) => {
    calls.push({ files, options });
    const findings: Finding[] = [];
    for (const f of files) {
      f.content.split('\n').forEach((text, i) => {
        const line = i + 1;
        if (!text.includes('RACE')) return;
        if (options.scope !== 'all' && f.addedLines && !f.addedLines.has(line)) return;
        findings.push({ rule: 'closure-write', file: f.path, line, column: 2, endLine: line, endColumn: 6, severity: 'error', message: `write on line ${line} races`, related: [] });
      });
    }
    return { findings, suppressed: {}, files: files.map((f) => ({ file: f.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false })) };
  };
}

function racyFile(n: number, races: number): string {
  const body = Array.from({ length: races }, (_, i) => `\tx = ${i} // RACE ${n}`).join('\n');
  return `package p${n}\n\nfunc F() {\n${body}\n}\n`;
}

describe('the seed pull request (real engine)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await setup();
    h.fake.setFile(HEAD, 'go.mod', GO_MOD);
    h.fake.setPull(7, HEAD, { 'run.go': [undefined, SEED] });
  });

  test('gets one COMMENT review with the suggestion and a failing check', async () => {
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.reviews).toHaveLength(1);
    const review = h.fake.reviews[0]!;
    expect(review.event).toBe('COMMENT');
    expect(review.commit_id).toBe(HEAD);
    const comments = review.comments as { path: string; line: number; body: string }[];
    const onBaz = comments.find((c) => c.line === 21);
    expect(onBaz).toBeDefined();
    expect(onBaz!.path).toBe('run.go');
    expect(onBaz!.body).toContain('```suggestion\n\t\terr := Baz()\n```');
    expect(onBaz!.body).toContain('closure-write');
    expect(onBaz!.body).toMatch(/\[About `closure-write`\]\(https:\/\/docs\.example\/racecheck\/.+\)/);
    expect(parseFingerprint(onBaz!.body)).toBeDefined();
    const run = h.fake.checkRun()!;
    expect(run.name).toBe('racecheck');
    expect(run.history[0]).toMatchObject({ status: 'in_progress', head_sha: HEAD });
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('failure');
    expect(run.output?.summary).toContain('closure-write');
    expect(run.annotations.length).toBeGreaterThanOrEqual(1);
  });

  test('redelivery of the same event adds no duplicate comments', async () => {
    await h.send('pull_request', pullRequestPayload('opened'));
    const first = h.fake.reviewComments.length;
    expect(first).toBeGreaterThan(0);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.reviewComments).toHaveLength(first);
    expect(h.fake.reviews).toHaveLength(1);
    expect(h.fake.checkRun()!.output?.summary).toContain(`0 new, ${first} already posted`);
  });

  test('a push that only moves the racy code keeps the existing comments and posts none', async () => {
    await h.send('pull_request', pullRequestPayload('opened'));
    const before = h.fake.reviewComments.map((c) => c.body);
    const moved = '7777777777777777777777777777777777777777';
    h.fake.setFile(moved, 'go.mod', GO_MOD);
    h.fake.setPull(7, moved, { 'run.go': [undefined, SEED.replace('package main\n', 'package main\n\n// Package main runs things.\n')] });
    await h.send('pull_request', pullRequestPayload('synchronize', moved));
    expect(h.fake.reviews).toHaveLength(1);
    expect(h.fake.reviewComments.map((c) => c.body)).toEqual(before);
    expect(h.outcomes[1]).toMatchObject({ posted: 0, alreadyCommented: before.length, resolved: 0 });
  });

  test('two deliveries at once are serialized and still post each comment once', async () => {
    await Promise.all([h.send('pull_request', pullRequestPayload('opened')), h.send('pull_request', pullRequestPayload('reopened'))]);
    expect(h.fake.reviews).toHaveLength(1);
    expect(h.fake.checkRuns.size).toBe(2);
    expect([...h.fake.checkRuns.values()].every((r) => r.status === 'completed')).toBe(true);
  });

  test('pushing the fix marks the old comments resolved and passes the check', async () => {
    await h.send('pull_request', pullRequestPayload('opened'));
    const headFixed = '2222222222222222222222222222222222222222';
    h.fake.setFile(headFixed, 'go.mod', GO_MOD);
    h.fake.setPull(7, headFixed, { 'run.go': [undefined, SEED_FIXED] });
    await h.send('pull_request', pullRequestPayload('synchronize', headFixed));
    expect(h.fake.reviews).toHaveLength(1);
    for (const c of h.fake.reviewComments) {
      expect(c.body).toMatch(/^\*\*Resolved\*\* in 2222222/);
      expect(parseFingerprint(c.body)?.resolved).toBe(true);
    }
    expect(h.fake.checkRun()!.conclusion).toBe('success');
  });
});

describe('a fix of several edits (real engine)', () => {
  const BY_VALUE = `package main

import "sync"

func worker(id int, wg sync.WaitGroup) {
	defer wg.Done()
	println(id)
}

func Run() {
	var wg sync.WaitGroup
	wg.Add(1)
	go worker(1, wg)
	wg.Wait()
}
`;

  test('is one comment per edit, each with its own suggestion block, the first explaining the whole fix', async () => {
    const h = await setup();
    h.fake.setFile(HEAD, 'go.mod', GO_MOD);
    h.fake.setPull(7, HEAD, { 'run.go': [undefined, BY_VALUE] });
    // copied-lock is off by default.
    h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'rules:\n  copied-lock: true\n');
    await h.send('pull_request', pullRequestPayload('opened'));
    const comments = h.fake.reviews[0]!.comments as { path: string; line: number; body: string }[];
    const onSignature = comments.find((c) => c.line === 5 && c.body.includes('copied-lock'))!;
    const onCall = comments.find((c) => c.line === 13 && c.body.includes('edit 2 of 2'))!;
    expect(onSignature.body).toContain('**Suggested fix** (edit 1 of 2): Pass a pointer: `wg *sync.WaitGroup`, and pass `&` at the call on line 13.');
    expect(onSignature.body).toContain('```suggestion\nfunc worker(id int, wg *sync.WaitGroup) {\n```');
    expect(onCall.body).toContain('```suggestion\n\tgo worker(1, &wg)\n```');
    expect(parseFingerprint(onCall.body)?.fp).toBe(parseFingerprint(onSignature.body)?.fp);
    // Posted counts findings; a redelivery repeats neither comment.
    const posted = h.fake.reviewComments.length;
    expect(h.outcomes[0]!.posted).toBe(posted - 1);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.reviewComments).toHaveLength(posted);
  });
});

test("a pull request of the seed's fixes gets a successful check and no comments (real engine)", async () => {
  const h = await setup();
  h.fake.setFile(HEAD, 'go.mod', GO_MOD);
  h.fake.setPull(7, HEAD, { 'run.go': [SEED, SEED_FIXED] });
  await h.send('pull_request', pullRequestPayload('synchronize'));
  expect(h.fake.reviews).toHaveLength(0);
  expect(h.fake.reviewComments).toHaveLength(0);
  const run = h.fake.checkRun()!;
  expect(run.conclusion).toBe('success');
  expect(run.output?.title).toBe('No data-race hazards found');
});

describe('with a stand-in analyzer', () => {
  test('pagination past 100 files: every page is listed and every Go file analyzed', async () => {
    const calls: { files: SourceFile[]; options: AnalyzeOptions }[] = [];
    const h = await setup({ analyzer: markerAnalyzer(calls) });
    const files: Record<string, [string | undefined, string]> = {};
    for (let i = 0; i < 230; i++) files[`pkg/f${i}.go`] = [undefined, racyFile(i, 0)];
    files['pkg/f229.go'] = [undefined, racyFile(229, 1)];
    h.fake.setPull(7, HEAD, files);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.requestCount(/^GET \/repos\/octo-org\/service\/pulls\/7\/files/)).toBe(3);
    expect(calls.flatMap((c) => c.files)).toHaveLength(230);
    expect(h.fake.reviewComments.map((c) => c.path)).toEqual(['pkg/f229.go']);
    // New files come from their patches: no content requests at all.
    expect(h.fake.requestCount(/contents\/pkg/)).toBe(0);
  });

  test("a pull request past GitHub's 3,000-file listing limit says so in the summary", async () => {
    const h = await setup({ analyzer: markerAnalyzer() });
    const files: Record<string, [string | undefined, string]> = {};
    for (let i = 0; i < 3005; i++) files[`docs/n${i}.txt`] = [undefined, `${i}\n`];
    h.fake.setPull(7, HEAD, files);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.requestCount(/pulls\/7\/files/)).toBe(30);
    expect(h.fake.checkRun()!.output!.summary).toContain('at most 3,000 files');
  });

  test('passes the go.mod version, rule config and each patch to the engine', async () => {
    const calls: { files: SourceFile[]; options: AnalyzeOptions }[] = [];
    const h = await setup({ analyzer: markerAnalyzer(calls) });
    h.fake.setFile(HEAD, 'go.mod', 'module x\n\ngo 1.21.4\n');
    h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'rules:\n  closure-write: warning\n');
    h.fake.setPull(7, HEAD, { 'a.go': [BASE_GO, `${BASE_GO}func B() {}\n`] });
    await h.send('pull_request', pullRequestPayload('opened'));
    // One whole-file analysis per file, as a review of changes; the app compares it with the base itself
    // (no base analysis here: the stand-in finds nothing). Only fixes on the added lines can be suggestions.
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options).toEqual({ scope: 'all', reviewingChanges: true, goVersion: '1.21', rules: { 'closure-write': { enabled: true, severity: 'warning' } }, fixes: 'added-lines' });
    expect(calls[0]!.files.map((f) => f.path)).toEqual(['a.go']);
    const lineCount = BASE_GO.split('\n').length;
    expect([...calls[0]!.files[0]!.addedLines!]).toEqual([lineCount]);
  });

  test('skips vendor, testdata, generated, removed and >1 MB files, and says so', async () => {
    const calls: { files: SourceFile[]; options: AnalyzeOptions }[] = [];
    const h = await setup({ analyzer: markerAnalyzer(calls) });
    const big = `package big\n\n// ${'x'.repeat(1024 * 1024)}\n`;
    h.fake.setPull(7, HEAD, {
      'vendor/lib/x.go': [undefined, BASE_GO],
      'internal/testdata/y.go': [undefined, BASE_GO],
      'gen.pb.go': [BASE_GO, '// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage main\n'],
      'old.go': [BASE_GO, null],
      'big.go': [BASE_GO, big],
      'README.md': [undefined, '# hi\n'],
      'ok.go': [BASE_GO, `${BASE_GO}// more\n`],
    });
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(calls.flatMap((c) => c.files.map((f) => f.path))).toEqual(['ok.go']);
    const summary = h.fake.checkRun()!.output!.summary!;
    expect(summary).toContain('Analyzed 1 Go file; skipped 4.');
    expect(summary).toMatch(/`vendor\/lib\/x\.go`: vendored/);
    expect(summary).toMatch(/`internal\/testdata\/y\.go`: testdata/);
    expect(summary).toMatch(/`gen\.pb\.go`: generated/);
    expect(summary).toMatch(/`big\.go`: over 1 MB/);
    // The file over the size limit went unreviewed, so the run can't pass.
    expect(h.fake.checkRun()!.conclusion).toBe('neutral');
  });

  test('a push that changes one file fetches only that file again, and analyzes its package again', async () => {
    const cache = new BlobCache();
    const calls: { files: SourceFile[]; options: AnalyzeOptions }[] = [];
    const h = await setup({ analyzer: markerAnalyzer(calls), cache });
    const files: Record<string, [string, string]> = {};
    for (let i = 0; i < 5; i++) files[`f${i}.go`] = [BASE_GO, `${BASE_GO}// v1 ${i}\n`];
    h.fake.setPull(7, HEAD, files);
    await h.send('pull_request', pullRequestPayload('opened'));
    // All five in one GraphQL query, none over REST.
    expect(h.fake.graphqlQueries).toEqual([['f0.go', 'f1.go', 'f2.go', 'f3.go', 'f4.go'].map((p) => `${HEAD}:${p}`)]);
    expect(h.fake.requestCount(/\/contents\/f\d\.go/)).toBe(0);
    const head2 = '3333333333333333333333333333333333333333';
    h.fake.setPull(7, head2, { ...files, 'f2.go': [BASE_GO, `${BASE_GO}// v2\n`] });
    await h.send('pull_request', pullRequestPayload('synchronize', head2));
    expect(h.fake.graphqlQueries.at(-1)).toEqual([`${head2}:f2.go`]);
    // One contents query and one tree query (the package's other files) per run.
    expect(h.fake.graphqlTrees).toEqual([`${HEAD}:`, `${head2}:`]);
    expect(h.fake.requestCount(/^POST \/graphql$/)).toBe(4);
    // The five files are one package: analyzed together, and again when one of them changes.
    const paths = ['f0.go', 'f1.go', 'f2.go', 'f3.go', 'f4.go'];
    expect(calls.map((c) => c.files.map((f) => f.path))).toEqual([paths, paths]);
  });

  test('caps inline comments and lists the rest in the check summary', async () => {
    const h = await setup({ analyzer: markerAnalyzer() });
    h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'max_comments: 3\n');
    h.fake.setPull(7, HEAD, { 'r.go': [undefined, racyFile(1, 5)] });
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.reviewComments).toHaveLength(3);
    const summary = h.fake.checkRun()!.output!.summary!;
    expect(summary).toContain('Findings without an inline comment');
    expect(summary).toContain('`r.go:7`');
    expect(summary).toContain('`r.go:8`');
  });

  test('sends annotations 50 per request, including findings outside the diff', async () => {
    const h = await setup({ analyzer: markerAnalyzer() });
    const old = racyFile(1, 120);
    h.fake.setPull(7, HEAD, { 'r.go': [old, old.replace('func F() {', 'func F() { // touched')] });
    await h.send('pull_request', pullRequestPayload('opened'));
    const run = h.fake.checkRun()!;
    expect(run.annotations).toHaveLength(120);
    // create + two in-progress batches + completion with the last batch
    expect(run.history).toHaveLength(4);
    expect(run.history.slice(1).map((u: any) => u.output.annotations.length)).toEqual([50, 50, 20]);
    expect(run.status).toBe('completed');
    // None of the races is on a changed line, so nothing is commented and the check passes.
    expect(h.fake.reviewComments).toHaveLength(0);
    expect(run.conclusion).toBe('success');
    expect(run.output!.summary).toContain('120 more findings in unchanged code');
  });

  test('a review rejected with 422 falls back to the check run and logs why', async () => {
    const h = await setup({ analyzer: markerAnalyzer() });
    h.fake.setPull(7, HEAD, { 'r.go': [undefined, racyFile(1, 2)] });
    h.fake.fail('POST', /\/pulls\/7\/reviews$/, 422, 'pull_request_review_thread.line must be part of the diff');
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.reviews).toHaveLength(0);
    const run = h.fake.checkRun()!;
    expect(run.conclusion).toBe('failure');
    expect(run.output!.summary).toContain('GitHub rejected the review (422');
    expect(run.output!.summary).toContain('`r.go:4`');
    expect(h.outcomes[0]!.reviewRejected).toBe(true);
    expect(h.logs.some((l) => String(l.msg).includes('review rejected with 422') && String(l.err).includes('part of the diff'))).toBe(true);
  });

  test('5xx responses are retried by the Octokit retry plugin', async () => {
    const h = await setup({ analyzer: markerAnalyzer() });
    h.fake.setPull(7, HEAD, { 'r.go': [undefined, racyFile(1, 1)] });
    h.fake.fail('GET', /\/pulls\/7\/files$/, 502, 'Bad Gateway', 2);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.requestCount(/pulls\/7\/files/)).toBe(3);
    expect(h.fake.checkRun()!.conclusion).toBe('failure');
    expect(h.fake.reviewComments).toHaveLength(1);
  });

  test('a run that fails still completes its check run with an error summary', async () => {
    const h = await setup({ analyzer: markerAnalyzer() });
    h.fake.setPull(7, HEAD, { 'r.go': [undefined, racyFile(1, 1)] });
    h.fake.fail('GET', /\/pulls\/7\/files$/, 500, 'Server Error', 10);
    await h.send('pull_request', pullRequestPayload('opened'));
    const run = h.fake.checkRun()!;
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('failure');
    expect(run.output!.title).toBe('racecheck could not complete');
    expect(run.output!.summary).toContain('Server Error');
  });

  test('an engine that throws still completes the check run', async () => {
    const h = await setup({
      analyzer: () => {
        throw new Error('engine exploded');
      },
    });
    h.fake.setPull(7, HEAD, { 'r.go': [undefined, BASE_GO] });
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.checkRun()!.status).toBe('completed');
    expect(h.fake.checkRun()!.output!.summary).toContain('engine exploded');
  });
});

test('the real engine is the default analyzer', () => {
  // Guards the seed tests above: they must not pass against a stub.
  expect(typeof analyze).toBe('function');
});
