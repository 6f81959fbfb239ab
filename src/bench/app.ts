/**
 * App benchmark (not a test): a 100-file pull request through the real Probot server (as `npm start` runs it,
 * retries and throttling on) against the fake GitHub over HTTP. The changed files are spread over 10
 * directories (packages), each with unchanged sibling files that the App fetches (one GraphQL tree query per
 * directory) and analyzes as context; one sibling per package holds a lock-guarded field that a changed file
 * writes without the lock, so the review must find races that only the whole package shows. Prints the time
 * from sending the webhook to the review arriving, how many GitHub requests the run made, and where the time
 * went. Targets (issue 10): ≤ 2 s, and ≤ files + directories + 5 requests. A second pass with throttling off
 * shows the share of Probot's 1 s spacing of writes (the read-only GraphQL queries go around it). One
 * scenario has a race in every file's base and head, so both versions of all 100 files are analyzed (the
 * differential review's worst case). Exits 1 when a scenario misses a target with throttling on
 * (BENCH_SIBLINGS sets the siblings per package, default 8: packages of 18 files, the median of real races;
 * BENCH_ENGINE_ALONE=0 skips the engine-alone comparison, minutes on the worst-case scenario).
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ProbotOctokit } from 'probot';
import { createApp } from '../app/index.js';
import { analyze, analyzeChanges } from '../engine/index.js';
import { makePatch } from '../app/testing/fake-github.js';
import { FakeGitHub } from '../app/testing/fake-github.js';
import { startLocalApp } from '../app/testing/local-server.js';

const SECRET = 'bench-secret';
const FILES = 100;
const PACKAGES = 10;
const SIBLINGS = Number(process.env.BENCH_SIBLINGS ?? 8);
const TIME_TARGET_MS = 2000;
/** Probot's throttling: at least this long between two writes of an installation (with a margin). */
const WRITE_SPACING_MS = 1100;
/** Time given the App between starting and its first event: the analysis workers start and warm up then. */
const STARTUP_MS = 3000;

/** Realistic-size Go source (~150 lines): a type with a mutex, methods, loops. */
function ordinaryFile(pkg: string, n: number, extra = ''): string {
  const methods = Array.from(
    { length: 12 },
    (_, m) => `
// Add${m} records v under key k${m}.
func (s *Store${n}) Add${m}(k string, v int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for i := 0; i < v; i++ {
		total += i * ${m + 1}
	}
	s.items[k] = total
	return total
}`,
  ).join('\n');
  return `package ${pkg}

import (
	"sync"
)

// Store${n} keeps totals by key.
type Store${n} struct {
	mu    sync.Mutex
	items map[string]int
}

// NewStore${n} makes an empty store.
func NewStore${n}() *Store${n} {
	return &Store${n}{items: map[string]int{}}
}
${methods}
${extra}`;
}

/** The article's race: two errgroup closures assign the outer err. */
function racyFunc(n: number): string {
  return `
func Fetch${n}(ctx context.Context, a, b func() error) error {
	err := a()
	if err != nil {
		return err
	}
	wg, ctx := errgroup.WithContext(ctx)
	_ = ctx
	wg.Go(func() error {
		err = a()
		return err
	})
	wg.Go(func() error {
		err = b()
		return err
	})
	return wg.Wait()
}
`;
}

function withImports(src: string): string {
  return src.replace('import (\n\t"sync"\n)', 'import (\n\t"context"\n\t"sync"\n\n\t"golang.org/x/sync/errgroup"\n)');
}

/** An unchanged file of a package: a type with a mutex and methods (sibling 0 also holds `Registry`, whose `n` its lock guards). */
function siblingFile(pkg: string, n: number): string {
  const registry =
    n === 0
      ? `
// Registry counts under its lock.
type Registry struct {
	mu sync.Mutex
	n  int
}

// Inc adds one.
func (r *Registry) Inc() {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
}

// Dec takes one away.
func (r *Registry) Dec() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n--
}
`
      : '';
  return ordinaryFile(pkg, 1000 + n, registry).replace(/Store(\d+)/g, 'Sibling$1');
}

/** What a changed file adds that races only with the sibling's locked writes: found only with the package. */
const REGISTRY_RESET = `
// Reset forgets the count.
func (r *Registry) Reset() {
	r.n = 0
}
`;

/** The unchanged files of every package, at a head. */
function siblingsOf(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let p = 0; p < PACKAGES; p++) for (let n = 0; n < SIBLINGS; n++) files[`internal/pkg${p}/sibling${n}.go`] = siblingFile(`pkg${p}`, n);
  return files;
}

interface Scenario {
  name: string;
  headSha: string;
  files: Record<string, [string | undefined, string]>;
  mustReview?: boolean;
  /** unguarded-field comments the review must carry (races with a sibling's locked writes). */
  mustFindAcrossFiles?: number;
}

/** Targets missed, for the exit status. */
const missed: string[] = [];

/**
 * `modified` files change an existing file (one in ten gains the race); the rest are new files. With
 * `racyBase`, every file already has the race in its base and keeps it (so the base must be analyzed too),
 * and one in ten also deletes a Lock()/defer Unlock() pair.
 */
function pullFiles(modified: number, version: string, racyBase = false): Record<string, [string | undefined, string]> {
  const files: Record<string, [string | undefined, string]> = {};
  for (let i = 0; i < FILES; i++) {
    const pkg = `pkg${Math.floor(i / 10)}`;
    const path = `internal/${pkg}/file${i}.go`;
    if (racyBase) {
      const base = withImports(ordinaryFile(pkg, i, racyFunc(i)));
      // A code change inside the racy function, so its base is analyzed too.
      let head = withImports(ordinaryFile(pkg, i, racyFunc(i).replace('\t_ = ctx\n', `\t_ = ctx\n\t_ = "${version}"\n`)));
      if (i % 10 === 5) head = head.replace('\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n', '');
      files[path] = [base, head];
      continue;
    }
    const racy = i % 10 === 3;
    // One modified file per package adds a method racing with a sibling (needs SIBLINGS > 0 and a modified file there).
    const acrossFiles = SIBLINGS > 0 && i % 10 === 7 && i < modified ? REGISTRY_RESET : '';
    const head = racy ? withImports(ordinaryFile(pkg, i, `${racyFunc(i)}\n// ${version}\n`)) : ordinaryFile(pkg, i, `${acrossFiles}\n// ${version}\n`);
    files[path] = i < modified ? [ordinaryFile(pkg, i), head] : [undefined, head];
  }
  return files;
}

interface RunLog {
  fetchMs?: number;
  siblingsMs?: number;
  packages?: number;
  contextFiles?: number;
  withoutPackage?: number;
  analysisAfterFetchMs?: number;
  totalMs?: number;
  graphqlQueries?: number;
  restFallbacks?: number;
}

/** Webhook → review and request counts for each scenario, on a fresh app (cold caches, cold workers). */
async function benchMode(fake: FakeGitHub, githubOrigin: string, privateKey: string, throttle: boolean, firstPull: number): Promise<{ toReview: number[] }> {
  // The app logs one "racecheck run finished" line per run with its internal timings; keep those.
  const runLogs: RunLog[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line.includes('racecheck run finished')) runLogs.push(JSON.parse(line) as RunLog);
      }
      done();
    },
  });
  const local = await startLocalApp(createApp(), {
    githubOrigin,
    privateKey,
    webhookSecret: SECRET,
    env: { LOG_FORMAT: 'json' },
    probot: {
      log: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'info' }, sink),
      // Production keeps Probot's throttling (1 s between writes); the second pass
      // turns it off only to show how much of the time it accounts for.
      ...(throttle ? {} : { Octokit: ProbotOctokit.defaults((options: any) => ({ ...options, throttle: { ...options.throttle, enabled: false } })) }),
    },
  });
  const server = local.server;
  // A production server has started (and warmed its analysis workers) long before its first event.
  await new Promise((resolve) => setTimeout(resolve, STARTUP_MS));

  const toReviewTimes: number[] = [];
  let pullNumber = firstPull;
  let scenariosRun = 0;
  async function runScenario(s: Scenario, opts: { newPull: boolean }): Promise<void> {
    // Probot's throttling spaces an installation's writes 1 s apart, across events: the previous
    // scenario's last write (completing its check) would hold this one's first (creating its check)
    // for up to a second. Events of one pull request come seconds apart; so do these.
    if (throttle && scenariosRun++ > 0) await new Promise((resolve) => setTimeout(resolve, WRITE_SPACING_MS));
    if (opts.newPull) pullNumber++;
    fake.setFile(s.headSha, 'go.mod', 'module example.com/service\n\ngo 1.22\n');
    for (const [path, content] of Object.entries(siblingsOf())) fake.setFile(s.headSha, path, content);
    fake.setPull(pullNumber, s.headSha, s.files);
    const reviewsBefore = fake.reviews.length;
    const payload = benchPayload(pullNumber, s.headSha, opts.newPull ? 'opened' : 'synchronize');
    const body = JSON.stringify(payload);
    const firstRequest = fake.requests.length;
    const firstCheck = fake.checkRuns.size;
    const logsBefore = runLogs.length;
    const at: Record<string, number> = {};
    let lastRead = 0;
    const timeline: string[] = [];
    fake.onRequest = (req) => {
      const t = performance.now() - sentAt;
      if (process.env.BENCH_TIMELINE) timeline.push(`${t.toFixed(0)} ${req.method} ${req.path}`);
      if (req.method === 'POST' && req.path.endsWith('/check-runs')) at.checkCreated ??= t;
      if (req.path === '/graphql' || /\/contents\/internal/.test(req.path)) lastRead = t;
      if (req.method === 'POST' && req.path.endsWith('/reviews')) at.review ??= t;
      if (req.method === 'PATCH' && req.path.includes('/check-runs/')) at.checkCompleted = t;
    };
    const sentAt = performance.now();
    const res = await postWebhook(Number(new URL(local.base).port), body, {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': `bench-${s.headSha}-${throttle}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    });
    const ackMs = performance.now() - sentAt;
    // Up to two minutes: a slow run must finish before the next scenario starts, or it would share the CPU.
    for (let i = 0; i < 6000 && !(fake.checkRuns.size > firstCheck && fake.checkRun()?.status === 'completed'); i++) await new Promise((r) => setTimeout(r, 20));
    const doneAt = performance.now();
    // The run logs its timings just after completing the check.
    for (let i = 0; i < 50 && runLogs.length === logsBefore; i++) await new Promise((r) => setTimeout(r, 20));
    if (process.env.BENCH_TIMELINE) console.log(timeline.filter((_, i) => i < 8 || i > timeline.length - 5 || i % 20 === 0).join('\n'));
    const requests = fake.requests.slice(firstRequest);
    const changed = Object.keys(s.files).length;
    const dirs = new Set(Object.keys(s.files).map((p) => p.slice(0, p.lastIndexOf('/')))).size;
    const requestTarget = changed + dirs + 5;
    const review = fake.reviews.length > reviewsBefore ? fake.reviews.at(-1)! : undefined;
    const acrossFiles = ((review?.comments ?? []) as { body: string }[]).filter((c) => c.body.includes('unguarded-field') && /sibling0\.go/.test(c.body)).length;
    const byEndpoint = new Map<string, number>();
    for (const r of requests) {
      const key = r.replace(/\/contents\/internal.+$/, '/contents/<go file>').replace(/\/\d+(?=\/|$)/g, '/:n');
      byEndpoint.set(key, (byEndpoint.get(key) ?? 0) + 1);
    }
    const mark = (ok: boolean) => (ok ? 'ok' : 'MISS');
    const toReview = at.review;
    if (toReview !== undefined) toReviewTimes.push(toReview);
    const runLog = runLogs.length > logsBefore ? runLogs.at(-1)! : {};
    const ms = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(0)} ms`);
    console.log(`\n${s.name} (webhook ${res.status}, check ${fake.checkRun()?.conclusion})`);
    console.log(
      toReview === undefined
        ? `  webhook → review: no review posted; webhook → check completed ${(doneAt - sentAt).toFixed(0)} ms`
        : `  webhook → review: ${toReview.toFixed(0)} ms (target ≤ ${TIME_TARGET_MS} ms) ${mark(toReview <= TIME_TARGET_MS)}`,
    );
    console.log(`  GitHub requests: ${requests.length} for ${changed} changed files in ${dirs} directories (target ≤ files + directories + 5 = ${requestTarget}) ${mark(requests.length <= requestTarget)}`);
    if (s.mustFindAcrossFiles !== undefined) {
      console.log(`  races with an unchanged sibling's locked writes commented: ${acrossFiles} (expected ${s.mustFindAcrossFiles}) ${mark(acrossFiles === s.mustFindAcrossFiles)}`);
    }
    console.log('  phases (from the webhook):');
    console.log(`    webhook answered              ${ms(ackMs)}`);
    console.log(`    check run created             ${ms(at.checkCreated)}`);
    console.log(`    last GitHub read received     ${lastRead ? ms(lastRead) : '— (cache / patches only)'}`);
    console.log(`    review posted                 ${ms(at.review)}`);
    console.log(`    check run completed           ${ms(at.checkCompleted)}`);
    console.log(
      `    inside the run: changed files fetched ${ms(runLog.fetchMs)}, siblings fetched ${ms(runLog.siblingsMs)}, analysis after the last fetch ${ms(runLog.analysisAfterFetchMs)}, total ${ms(runLog.totalMs)}; ` +
        `contents queries ${runLog.graphqlQueries ?? 0}, REST fallbacks ${runLog.restFallbacks ?? 0}; ${runLog.packages ?? 0} packages with ${runLog.contextFiles ?? 0} sibling files, ${runLog.withoutPackage ?? 0} reviewed file by file`,
    );
    for (const [endpoint, n] of [...byEndpoint].sort((a, b) => b[1] - a[1])) console.log(`    ${String(n).padStart(4)}  ${endpoint}`);
    // The engine's share: the same files analyzed directly, in this process, on one thread: the head
    // alone, then the differential review (head, and the base where the head has findings). Once, in the
    // first pass (it does not depend on throttling).
    if (throttle && process.env.BENCH_ENGINE_ALONE !== '0') engineAlone(s, changed);
    if (s.mustReview && toReview === undefined) missed.push(`${s.name}: no review posted`);
    if (throttle && toReview !== undefined && toReview > TIME_TARGET_MS) missed.push(`${s.name}: webhook → review ${toReview.toFixed(0)} ms (target ≤ ${TIME_TARGET_MS} ms)`);
    if (requests.length > requestTarget) missed.push(`${s.name}: ${requests.length} GitHub requests (target ≤ ${requestTarget})`);
    if (s.mustFindAcrossFiles !== undefined && acrossFiles !== s.mustFindAcrossFiles) missed.push(`${s.name}: ${acrossFiles} races with a sibling commented, expected ${s.mustFindAcrossFiles}`);
  }

  function engineAlone(s: Scenario, changed: number): void {
    const context = Object.entries(siblingsOf()).map(([path, content]) => ({ path, content, contextOnly: true }));
    const engineStart = performance.now();
    analyze([...Object.entries(s.files).map(([path, [, content]]) => ({ path, content })), ...context], { scope: 'all', goVersion: '1.22', reviewingChanges: true });
    const headOnlyMs = performance.now() - engineStart;
    const reviewStart = performance.now();
    const reviewed = analyzeChanges(
      [...Object.entries(s.files).map(([path, [before, content]]) => ({ path, content, patch: makePatch(before, content).patch })), ...context.map((c) => ({ ...c, patch: '' }))],
      { scope: 'introduced', goVersion: '1.22' },
    );
    const bothMs = performance.now() - reviewStart;
    console.log(`  engine alone on these ${changed} files (with the ${context.length} siblings as context), one thread: head only ${headOnlyMs.toFixed(0)} ms; base and head compared ${bothMs.toFixed(0)} ms (×${(bothMs / headOnlyMs).toFixed(2)}), ${reviewed.findings.length} findings introduced`);
  }

  try {
    const tag = throttle ? 't' : 'u';
    // The sibling races are unguarded-field's, off by default: this repository turns it on.
    fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'fail_on: error\nmax_comments: 30\nrules:\n  unguarded-field: on\n');
    const mixed = pullFiles(60, `v1${tag}`);
    const where = `in ${PACKAGES} packages with ${SIBLINGS} unchanged files each`;
    await runScenario(
      { name: `${FILES}-file PR ${where}: 60 modified + 40 new files, 10 racy, 6 racing with a sibling (cold cache, first event of the installation)`, headSha: `a${tag}`.padEnd(40, '0'), files: mixed, mustReview: true, mustFindAcrossFiles: SIBLINGS > 0 ? 6 : 0 },
      { newPull: true },
    );
    const pushed = { ...mixed, 'internal/pkg0/file0.go': [mixed['internal/pkg0/file0.go']![0], ordinaryFile('pkg0', 0, `\n// v2${tag}\n`)] as [string, string] };
    await runScenario({ name: 'push changing one file of that PR (warm blob cache)', headSha: `c${tag}`.padEnd(40, '0'), files: pushed }, { newPull: false });
    await runScenario(
      { name: `${FILES}-file PR ${where}: all ${FILES} files modified, 10 racy, 10 racing with a sibling (cold caches, token already cached)`, headSha: `d${tag}`.padEnd(40, '0'), files: pullFiles(FILES, `v3${tag}`), mustReview: true, mustFindAcrossFiles: SIBLINGS > 0 ? 10 : 0 },
      { newPull: true },
    );
    await runScenario(
      {
        name: `${FILES}-file PR ${where}: all ${FILES} files modified, each already racy in its base (both versions of all ${FILES} analyzed), 10 delete a Lock/Unlock pair`,
        headSha: `e${tag}`.padEnd(40, '0'),
        files: pullFiles(FILES, `v4${tag}`, true),
        mustReview: true,
      },
      { newPull: true },
    );
  } finally {
    await server.stop();
  }
  return { toReview: toReviewTimes };
}

async function main(): Promise<void> {
  const fake = new FakeGitHub('octo-org', 'service');
  const githubOrigin = await fake.listen();
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  try {
    console.log('=== As in production: Probot defaults, throttling on ===');
    const on = await benchMode(fake, githubOrigin, privateKey, true, 0);
    console.log('\n=== Throttling off (not a production setting: shows the share of the 1 s write spacing) ===');
    const off = await benchMode(fake, githubOrigin, privateKey, false, 10);
    console.log('\nwebhook → review, throttling on vs off:');
    on.toReview.forEach((t, i) => console.log(`  review ${i + 1}: ${t.toFixed(0)} ms vs ${off.toReview[i]?.toFixed(0) ?? '—'} ms`));
  } finally {
    await fake.close();
  }
  if (missed.length > 0) console.log(`\nMISSED:\n${missed.map((m) => `  ${m}`).join('\n')}`);
  else console.log(`\nAll targets met: webhook → review ≤ ${TIME_TARGET_MS} ms (throttling on), GitHub requests ≤ files + directories + 5.`);
  // Probot's throttling keeps timers alive; the bench is done.
  process.exit(missed.length > 0 ? 1 : 0);
}

/** A fresh connection per webhook (no keep-alive reuse racing the server's idle timeout). */
function postWebhook(port: number, body: string, headers: Record<string, string>): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/github/webhooks', method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function benchPayload(number: number, headSha: string, action: string) {
  const repo = { id: 42, name: 'service', full_name: 'octo-org/service', private: false, owner: { login: 'octo-org', id: 9001, type: 'Organization' }, default_branch: 'main' };
  return {
    action,
    number,
    pull_request: {
      number,
      state: 'open',
      draft: false,
      title: 'bench',
      user: { login: 'alice', id: 5001, type: 'User' },
      head: { ref: 'feature', sha: headSha, repo },
      base: { ref: 'main', sha: 'b'.repeat(40), repo },
    },
    repository: repo,
    sender: { login: 'alice', id: 5001, type: 'User' },
    installation: { id: 2 },
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
