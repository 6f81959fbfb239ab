/**
 * Pull requests built to hurt: files that would hold an analysis worker for minutes, diffs GitHub sends
 * without a patch, and paths that try to write markdown of their own. The App must end, say what it did
 * not review, and never pass what it did not check.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AnalysisPool } from '../../src/app/analysis-pool.js';
import { conclusionFor, summaryFor } from '../../src/app/check-run.js';
import { inlineCode } from '../../src/report/markdown.js';
import type { Finding } from '../../src/engine/index.js';
import { GO_MOD, HEAD, goSource, pullRequestPayload, setup, teardown } from './helpers.js';

afterEach(teardown);
const scratch = mkdtempSync(join(tmpdir(), 'racecheck-stall-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ENGINE = new URL('../../dist/engine/index.js', import.meta.url);

/** 800 goroutines writing shared variables, maps and counters (141 KB; took minutes before the engine fixes). */
function manyGoroutines(n: number): string {
  let s = 'package p\n\nimport "sync"\n\nfunc F() {\n\tvar wg sync.WaitGroup\n\tvar mu sync.Mutex\n\tvar err error\n\tvar count, a, b, c int\n\tm := map[int]int{}\n';
  for (let i = 0; i < n; i++) {
    s += `\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tif err = work(${i}); err != nil {\n\t\t\ta++\n\t\t} else if count > ${i} {\n\t\t\tb = c\n\t\t}\n`;
    s += `\t\tm[${i}] = count\n\t\tmu.Lock()\n\t\tc++\n\t\tmu.Unlock()\n\t}()\n`;
  }
  return `${s}\twg.Wait()\n\t_ = err\n}\n\nfunc work(i int) error { return nil }\n`;
}

/** A 2,000-branch else-if chain, each branch starting a goroutine (nesting 4,000 deep). */
function longElseIf(n: number): string {
  let s = 'package p\n\nfunc G(x int) int {\n\tr := 0\n\tif x == 0 {\n\t\tgo func() { r = 0 }()\n';
  for (let i = 1; i < n; i++) s += `\t} else if x == ${i} {\n\t\tgo func() { r = ${i} }()\n`;
  return `${s}\t}\n\treturn r\n}\n`;
}

/**
 * The real worker, except that it never returns on the two hostile files. How long the engine takes on them
 * depends on the machine (src/bench/adversarial.ts measures it); what this test checks is what the App does
 * when a file holds a worker past its deadline, so the stall must not depend on the machine.
 */
function stallingWorker(): URL {
  const script = join(scratch, 'worker.mjs');
  writeFileSync(
    script,
    `const { analyze } = await import(${JSON.stringify(ENGINE.href)});
process.on('disconnect', () => process.exit(0));
process.on('message', ({ id, files, options }) => {
  if (files.some((f) => f.path === 'goroutines.go' || f.path === 'branches.go')) for (;;);
  process.send({ id, result: analyze(files, options) });
});
process.send({ ready: true });`,
  );
  return pathToFileURL(script);
}

test('files that hold a worker past the deadline are stopped and named as not fully analyzed, and a pull request queued behind is reviewed', async () => {
  // dist/ is built by `npm ci` (prepare); the worker runs the compiled engine.
  expect(existsSync(fileURLToPath(ENGINE))).toBe(true);
  const deadlineMs = 2000;
  // One worker: the hostile files hold it one after the other, the worst case for what waits behind them.
  const pool = new AnalysisPool(stallingWorker(), 1, { deadlineMs });
  try {
    const h = await setup({ analyzer: pool.analyze });
    const normalHead = 'a'.repeat(40);
    h.fake.setFile(HEAD, 'go.mod', GO_MOD);
    h.fake.setFile(normalHead, 'go.mod', GO_MOD);
    h.fake.setPull(7, HEAD, { 'goroutines.go': [undefined, manyGoroutines(800)], 'branches.go': [undefined, longElseIf(2000)] });
    h.fake.setPull(8, normalHead, { 'run.go': [undefined, goSource('1-closure-capture.go')] });

    const finished = new Map<string, number>();
    h.fake.onRequest = (req) => {
      const body = req.body as { status?: string } | undefined;
      if (req.method === 'PATCH' && body?.status === 'completed') finished.set(req.path, Date.now());
    };
    const started = Date.now();
    await h.probot.receive({ id: 'hostile', name: 'pull_request', payload: pullRequestPayload('opened', HEAD, 7) });
    await h.probot.receive({ id: 'normal', name: 'pull_request', payload: pullRequestPayload('opened', normalHead, 8) });
    await h.queue.idle();
    const elapsed = Date.now() - started;

    const runs = [...h.fake.checkRuns.values()];
    const hostile = runs.find((r) => r.head_sha === HEAD)!;
    const normal = runs.find((r) => r.head_sha === normalHead)!;
    expect(hostile.status).toBe('completed');
    expect(hostile.conclusion).not.toBe('success'); // neutral, or failure when a reviewed file has a finding
    expect(hostile.output!.title).toMatch(/^Review incomplete: 2 files not fully analyzed/);
    expect(hostile.output!.summary).toContain('### Not reviewed');
    expect(hostile.output!.summary).toContain('- `goroutines.go`: not reviewed: analysis passed its 2 s deadline and was stopped');
    expect(hostile.output!.summary).toContain('- `branches.go`: not reviewed');
    const notAnalyzed = (hostile.annotations as { path: string; title: string }[]).filter((a) => a.title === 'racecheck: not fully analyzed').map((a) => a.path);
    expect(notAnalyzed.sort()).toEqual(['branches.go', 'goroutines.go']);

    // Behind them, the ordinary pull request is reviewed: its race found and commented.
    expect(normal.conclusion).toBe('failure');
    expect(h.fake.reviews.some((r) => r.commit_id === normalHead && r.comments.length > 0)).toBe(true);
    // Two deadlines and an ordinary review, not the minutes the shapes used to take.
    expect(elapsed).toBeLessThan(2 * deadlineMs + 15_000);
  } finally {
    await pool.close();
  }
});

test('an added file GitHub sent without a patch is analyzed as wholly new; a modified one is named "not reviewed: GitHub sent no diff"', async () => {
  const h = await setup();
  h.fake.setFile(HEAD, 'go.mod', GO_MOD);
  const pull = h.fake.setPull(7, HEAD, { 'added.go': [undefined, goSource('1-closure-capture.go')] });
  delete pull.files[0]!.patch;
  await h.send('pull_request', pullRequestPayload('opened'));
  const added = h.fake.checkRun()!;
  expect(added.conclusion).toBe('failure');
  expect(added.output!.summary).toContain('closure-write');

  const fixed = goSource('1-closure-capture.fixed.go');
  const head2 = 'b'.repeat(40);
  h.fake.setFile(head2, 'go.mod', GO_MOD);
  const modified = h.fake.setPull(7, head2, { 'added.go': [fixed, goSource('1-closure-capture.go')] });
  delete modified.files[0]!.patch;
  await h.send('pull_request', pullRequestPayload('synchronize', head2));
  const run = h.fake.checkRun()!;
  expect(run.conclusion).not.toBe('success');
  expect(run.output!.summary).toContain('- `added.go`: not reviewed: GitHub sent no diff');
  expect(run.output!.title).toMatch(/^Review incomplete/);
});

test('the conclusion is never success when part of the pull request was not reviewed', () => {
  expect(conclusionFor([], 'error', true)).toBe('neutral');
  expect(conclusionFor([], 'never', true)).toBe('neutral');
  expect(conclusionFor([], 'error', false)).toBe('success');
  const error = { severity: 'error' } as Finding;
  expect(conclusionFor([error], 'error', true)).toBe('failure');
});

describe('markdown from file paths', () => {
  const hostile = 'a`\n\n## ✅ All clear\n\nNothing to see | here`.go';

  test('a path cannot leave its inline code span in the check summary', () => {
    const finding: Finding = { rule: 'closure-write', file: hostile, line: 3, column: 1, endLine: 3, endColumn: 2, severity: 'error', message: 'm', related: [] };
    const summary = summaryFor({
      scope: 'introduced',
      reported: [finding],
      outsideScope: 0,
      posted: 0,
      alreadyCommented: 0,
      notPosted: [finding],
      maxComments: 30,
      resolved: 0,
      analyzed: [hostile],
      fileListTruncated: false,
      skipped: [{ path: hostile, reason: 'vendored' }],
      suppressed: {},
      engineErrors: [],
      overBudget: [hostile],
      notReviewed: [{ file: hostile, reason: 'not reviewed: GitHub sent no diff' }],
      elapsedMs: 1,
    });
    expect(summary).not.toMatch(/^## /m);
    expect(summary).not.toContain('\n\n## ✅');
    // Every line that names the path keeps it in one code span, table pipes escaped.
    const lines = summary.split('\n').filter((l) => l.includes('All clear'));
    expect(lines.length).toBe(5);
    for (const line of lines) expect(line.includes(inlineCode(hostile)) || line.includes(inlineCode(`${hostile}:3`))).toBe(true);
    expect(summary.split('\n').filter((l) => l.startsWith('| ')).every((l) => l.split(/(?<!\\)\|/).length === 5)).toBe(true);
  });

  test('inlineCode fences past any backtick run and keeps one line', () => {
    expect(inlineCode('plain.go')).toBe('`plain.go`');
    expect(inlineCode('a``b')).toBe('```a``b```');
    expect(inlineCode('`x`')).toBe('`` `x` ``');
    expect(inlineCode('a\nb|c')).toBe('`a\\nb\\|c`');
  });
});
