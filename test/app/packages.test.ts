/**
 * The package is the unit: the App fetches a changed file's unchanged siblings at the head (one GraphQL tree
 * query per directory) and analyzes them with it as context, so a race whose other access is in a file the
 * pull request does not touch is found. Over the byte budget, or when the query fails, the directory is
 * reviewed file by file and the check summary says so.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AnalysisPool } from '../../src/app/analysis-pool.js';
import type { AnalyzeOptions, SourceFile } from '../../src/engine/index.js';
import { GO_MOD, HEAD, pullRequestPayload, setup, teardown, type Harness } from './helpers.js';

afterEach(teardown);
const scratch = mkdtempSync(join(tmpdir(), 'racecheck-stall-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The sibling the pull request does not touch: `s.count` written under `s.mu`, so the lock guards it. */
const STORE_A = `package store

import "sync"

type Store struct {
	mu    sync.Mutex
	count int
}

func (s *Store) Inc() {
	s.mu.Lock()
	s.count++
	s.mu.Unlock()
}

func (s *Store) Dec() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count--
}
`;

const STORE_B_BASE = `package store

func (s *Store) Name() string {
	return "store"
}
`;

/** The change: a new exported method writes the guarded field without the lock. */
const STORE_B_HEAD = `package store

func (s *Store) Name() string {
	return "store"
}

func (s *Store) Reset() {
	s.count = 0
}
`;

function storePull(h: Harness): void {
  // unguarded-field is off by default: this repository turns it on.
  h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'rules:\n  unguarded-field: on\n');
  h.fake.setFile(HEAD, 'go.mod', GO_MOD);
  h.fake.setFile(HEAD, 'pkg/store/a.go', STORE_A);
  h.fake.setPull(7, HEAD, { 'pkg/store/b.go': [STORE_B_BASE, STORE_B_HEAD] });
}

function summary(h: Harness): string {
  return h.fake.checkRun()!.output!.summary!;
}

describe('a race whose other access is in an unchanged file of the package', () => {
  test('is found through the App, with the sibling read over one tree query and nothing reported on it', async () => {
    const h = await setup();
    storePull(h);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.graphqlTrees).toEqual([`${HEAD}:pkg/store`]);
    expect(h.fake.reviews).toHaveLength(1);
    const comments = h.fake.reviews[0]!.comments as { path: string; line: number; body: string }[];
    expect(comments.map((c) => [c.path, c.line])).toEqual([['pkg/store/b.go', 8]]);
    expect(comments[0]!.body).toContain('unguarded-field');
    expect(comments[0]!.body).toContain('pkg/store/a.go');
    const run = h.fake.checkRun()!;
    expect(run.output!.title).toBe('1 data-race hazard (0 errors)');
    expect((run.annotations as { path: string }[]).every((a) => a.path === 'pkg/store/b.go')).toBe(true);
    expect(summary(h)).toContain('1 unchanged Go file of 1 package read for context');
    expect(summary(h)).toContain('Analyzed 1 Go file;');
    expect(summary(h)).not.toContain('Reviewed without the rest of the package');
  });

  test('over the byte budget, the directory is reviewed file by file and the summary says so', async () => {
    const h = await setup({ limits: { packageBytes: 100 } });
    storePull(h);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.reviews).toHaveLength(0);
    const run = h.fake.checkRun()!;
    // Reviewed, with less context: the run is complete, and says what it did without.
    expect(run.conclusion).toBe('success');
    expect(summary(h)).toMatch(/Reviewed without the rest of the package[^\n]*\n- `pkg\/store`: its other Go file is \d+ bytes, over the 100 bytes budget per package \(RACECHECK_PACKAGE_KB\)/);
  });

  test('a tree query that keeps failing falls back to file by file, and the run completes', async () => {
    const h = await setup();
    storePull(h);
    // Every GraphQL query fails: the contents go over REST, the package's other files are not read.
    h.fake.fail('POST', /^\/graphql$/, 502, 'Bad Gateway', 20);
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.requestCount(/^GET .*\/contents\/pkg%2Fstore%2Fb\.go$|^GET .*\/contents\/pkg\/store\/b\.go$/)).toBe(1);
    expect(h.fake.reviews).toHaveLength(0);
    expect(h.fake.checkRun()!.conclusion).toBe('success');
    expect(summary(h)).toMatch(/- `pkg\/store`: GitHub's tree query failed \(502: Bad Gateway\)/);
    expect(h.logs.some((l) => String(l.msg).includes('GraphQL tree query failed'))).toBe(true);
  });

  test('a sibling whose text GitHub leaves out (a large blob) sends the directory file by file', async () => {
    const h = await setup();
    storePull(h);
    h.fake.setFile(HEAD, 'pkg/store/big.go', `package store\n\n// ${'x'.repeat(4000)}\n`);
    h.fake.graphqlTextLimit = 2000;
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(h.fake.reviews).toHaveLength(0);
    expect(summary(h)).toMatch(/- `pkg\/store`: GitHub's tree query left out the text of `pkg\/store\/big\.go`/);
    expect(h.fake.checkRun()!.conclusion).toBe('success');
  });
});

/** A stand-in analyzer that records each job's files (reported and context-only). */
function recordingAnalyzer(calls: SourceFile[][]) {
  return (files: SourceFile[], _options: AnalyzeOptions) => {
    calls.push(files);
    return { findings: [], suppressed: {}, files: files.filter((f) => !f.contextOnly).map((f) => ({ file: f.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false })) };
  };
}

const GO = (pkg: string, tag: string) => `package ${pkg}\n\nfunc F() {}\n\n// ${tag}\n`;

describe('requests and jobs', () => {
  test('one tree query per directory, one job per package, and GitHub requests within files + directories + 5', async () => {
    const calls: SourceFile[][] = [];
    const h = await setup({ analyzer: recordingAnalyzer(calls) });
    h.fake.setFile(HEAD, 'go.mod', GO_MOD);
    const files: Record<string, [string | undefined, string]> = {};
    for (const dir of ['a', 'b', 'c/d']) {
      const pkg = dir.split('/').pop()!;
      for (let i = 0; i < 3; i++) files[`${dir}/changed${i}.go`] = [GO(pkg, 'old'), GO(pkg, `new ${i}`)];
      for (let i = 0; i < 2; i++) h.fake.setFile(HEAD, `${dir}/sibling${i}.go`, GO(pkg, `sibling ${i}`));
      h.fake.setFile(HEAD, `${dir}/README.md`, 'not Go');
    }
    h.fake.setFile(HEAD, 'c/d/deeper/x.go', GO('deeper', 'a subdirectory is another package'));
    h.fake.setPull(7, HEAD, files);
    await h.send('pull_request', pullRequestPayload('opened'));

    expect([...h.fake.graphqlTrees].sort()).toEqual([`${HEAD}:a`, `${HEAD}:b`, `${HEAD}:c/d`]);
    // One contents query and three tree queries; no file over REST.
    expect(h.fake.requestCount(/^POST \/graphql$/)).toBe(4);
    expect(h.fake.requestCount(/\/contents\/[abc]/)).toBe(0);
    const changed = Object.keys(files).length;
    expect(h.fake.requests.length).toBeLessThanOrEqual(changed + 3 + 5);

    const jobs = calls.map((job) => job.map((f) => `${f.contextOnly ? '(context) ' : ''}${f.path}`).sort());
    expect(jobs.sort()).toEqual(
      ['a', 'b', 'c/d'].map((dir) => [`${dir}/changed0.go`, `${dir}/changed1.go`, `${dir}/changed2.go`, `(context) ${dir}/sibling0.go`, `(context) ${dir}/sibling1.go`].sort()),
    );
    expect(summary(h)).toContain('6 unchanged Go files of 3 packages read for context');
    expect(summary(h)).toContain('Analyzed 9 Go files;');
  });

  test('a push that changes a file of one package analyzes only that package again', async () => {
    const calls: SourceFile[][] = [];
    const h = await setup({ analyzer: recordingAnalyzer(calls) });
    h.fake.setFile(HEAD, 'go.mod', GO_MOD);
    const head2 = '2'.repeat(40);
    for (const sha of [HEAD, head2]) {
      h.fake.setFile(sha, 'go.mod', GO_MOD);
      h.fake.setFile(sha, 'a/other.go', GO('a', 'unchanged'));
      h.fake.setFile(sha, 'b/other.go', GO('b', 'unchanged'));
    }
    h.fake.setPull(7, HEAD, { 'a/x.go': [GO('a', 'old'), GO('a', 'v1')], 'b/y.go': [GO('b', 'old'), GO('b', 'v1')] });
    await h.send('pull_request', pullRequestPayload('opened'));
    expect(calls).toHaveLength(2);
    h.fake.setPull(7, head2, { 'a/x.go': [GO('a', 'old'), GO('a', 'v1')], 'b/y.go': [GO('b', 'old'), GO('b', 'v2')] });
    await h.send('pull_request', pullRequestPayload('synchronize', head2));
    expect(calls).toHaveLength(3);
    expect(calls[2]!.map((f) => f.path).sort()).toEqual(['b/other.go', 'b/y.go']);
    expect(h.fake.checkRuns.size).toBe(2);
    expect(h.fake.checkRun()!.conclusion).toBe('success');
  });
});

/** The real worker, except that it never returns on a job that holds `pkg/slow/hostile.go`. */
function stallingWorker(): URL {
  const engine = new URL('../../dist/engine/index.js', import.meta.url);
  const script = join(scratch, 'worker.mjs');
  writeFileSync(
    script,
    `const { analyze } = await import(${JSON.stringify(engine.href)});
process.on('disconnect', () => process.exit(0));
process.on('message', ({ id, files, options }) => {
  if (files.some((f) => f.path === 'pkg/slow/hostile.go')) for (;;);
  process.send({ id, result: analyze(files, options) });
});
process.send({ ready: true });`,
  );
  return pathToFileURL(script);
}

test('a package past the deadline is tried file by file; only the changed file that stalls is named, never a sibling', async () => {
  const pool = new AnalysisPool(stallingWorker(), 2, { deadlineMs: 2000 });
  try {
    const h = await setup({ analyzer: pool.analyze });
    h.fake.setFile(HEAD, 'go.mod', GO_MOD);
    h.fake.setFile(HEAD, 'pkg/slow/a.go', STORE_A.replace('package store', 'package slow'));
    h.fake.setPull(7, HEAD, {
      'pkg/slow/hostile.go': [undefined, 'package slow\n\nfunc H() {}\n'],
      'pkg/slow/b.go': [STORE_B_BASE.replace('package store', 'package slow'), STORE_B_HEAD.replace('package store', 'package slow')],
    });
    await h.send('pull_request', pullRequestPayload('opened'));
    const run = h.fake.checkRun()!;
    expect(run.status).toBe('completed');
    const text = summary(h);
    expect(text).toMatch(/Reviewed without the rest of the package[^\n]*\n- `pkg\/slow`: its analysis with the package's other file passed the deadline/);
    expect(text).toMatch(/### Not reviewed\n- `pkg\/slow\/hostile\.go`: not reviewed: analysis passed its 2 s deadline/);
    expect(text).not.toMatch(/`pkg\/slow\/a\.go`/);
    expect(text).not.toMatch(/- `pkg\/slow\/b\.go`: not reviewed/);
    // Reviewed file by file: b.go alone, without a.go's locking, has nothing to report.
    expect(run.conclusion).toBe('neutral');
  } finally {
    await pool.close();
  }
}, 30_000);
