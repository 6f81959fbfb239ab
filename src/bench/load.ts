/**
 * Load bench (npm run bench:load; not a test). Two parts, each against App processes (dist/app/testing/serve.js:
 * the production App with Probot's 1 s write throttling off) and the fake GitHub over HTTP:
 *
 * 1. Burst, queue mode: two App processes on one Redis, 1,000 signed webhooks at concurrency 50 (800 pull
 *    requests opened, 100 redeliveries to the other process, 100 pushes). Reports throughput, p50/p95 from
 *    webhook to completed check run, lost deliveries, duplicates. Fails if any delivery is lost or a head
 *    gets two check runs or two reviews.
 * 2. Soak, embedded mode: one App process, LOAD_SOAK_PRS (default 1,200) pull requests of one distinct 150 KB
 *    Go file each, 6 at a time. Reports every thirtieth of the way the RSS of the App process and of its
 *    analysis worker processes (summed; they run the engine since analysis moved out of the App's process);
 *    fails if either grows by 10% or more over the last third. A single reading swings with the garbage
 *    collector, so each end of the last third is the median of five readings (those up to two thirds of the
 *    way, and the last five).
 *
 * Redis: REDIS_URL if set, else a redis-server started on a free port (Debian's redis-server package).
 * LOAD_ONLY=burst|soak runs one part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { Redis } from 'ioredis';
import { FakeGitHub, type FakeRequest } from '../app/testing/fake-github.js';
import { freePort } from '../app/testing/local-server.js';
import { requireBuild, signedDelivery, startAppProcess, treeRssOf, waitFor, type AppProcess } from '../app/testing/app-process.js';

const SECRET = 'load-secret';
const BURST_PULLS = 800;
const BURST_REDELIVERIES = 100;
const BURST_PUSHES = 100;
const BURST_CONCURRENCY = 50;
const BURST_TIMEOUT_MS = 600_000;
// 1,200 and not 600: the App's caches (64 MB of blobs, 16 MB of analyses by default) fill during the first
// ~450 runs of 150 KB files, and V8 grows its heap's slack for a while after; the last third of 600 runs
// still includes that fill (measured: +18% there, while the post-GC heap was flat), that of 1,200 does not.
const SOAK_PRS = Number(process.env.LOAD_SOAK_PRS ?? 1200);
const SOAK_FILE_BYTES = 150 * 1024;
const SOAK_CONCURRENCY = 6;
const SOAK_MAX_LAST_THIRD_GROWTH = 0.1;
const SOAK_READINGS = 30;
/** Readings per median at each end of the last third. */
const SOAK_WINDOW = 5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const BASE = `package svc

import (
	"sync"

	"golang.org/x/sync/errgroup"
)

type Store struct {
	mu    sync.Mutex
	items map[string]int
}

func Fetch(a, b func() error) error {
	var wg errgroup.Group
	var err error
	wg.Go(func() error {
		err = a()
		return err
	})
	wg.Go(func() error {
		err = b()
		return err
	})
	_ = wg.Wait()
	return err
}
`;

function sha(prefix: string, n: number): string {
  return `${prefix}${n.toString(16).padStart(5, '0')}`.padEnd(40, '0').slice(0, 40);
}

function payload(action: string, pull: number, head: string) {
  const repo = { id: 42, name: 'service', full_name: 'octo-org/service', private: false, owner: { login: 'octo-org', id: 9001, type: 'Organization' }, default_branch: 'main' };
  return {
    action,
    number: pull,
    pull_request: { number: pull, state: 'open', draft: false, title: 'load', user: { login: 'alice', id: 5001, type: 'User' }, head: { ref: 'feature', sha: head, repo }, base: { ref: 'main', sha: 'b'.repeat(40), repo } },
    repository: repo,
    sender: { login: 'alice', id: 5001, type: 'User' },
    installation: { id: 2 },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Completion time of each check run by head (the request that completed it). */
function trackCompletions(fake: FakeGitHub): Map<string, number> {
  const completedAt = new Map<string, number>();
  fake.onRequest = (req: FakeRequest) => {
    const m = /\/check-runs(?:\/(\d+))?$/.exec(req.path);
    if (!m || (req.body as { status?: string } | undefined)?.status !== 'completed') return;
    const run = m[1] ? fake.checkRuns.get(Number(m[1])) : [...fake.checkRuns.values()].at(-1);
    if (run && !completedAt.has(run.head_sha)) completedAt.set(run.head_sha, performance.now());
  };
  return completedAt;
}

async function redisForBench(): Promise<{ url: string; stop: () => void }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => undefined };
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'racecheck-bench-redis-'));
  let server: ChildProcess;
  try {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  } catch {
    throw new Error('queue mode needs Redis: set REDIS_URL or install redis-server (apt-get install redis-server)');
  }
  const failed = new Promise<never>((_, reject) => server.on('error', () => reject(new Error('could not start redis-server: set REDIS_URL or install redis-server (apt-get install redis-server)'))));
  const url = `redis://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined); // not up yet; retried below
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        probe.disconnect();
      }
    }
    throw new Error('redis-server did not answer within 10 s');
  })();
  await Promise.race([ready, failed]);
  return {
    url,
    stop: () => {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Delivery {
  id: string;
  pull: number;
  head: string;
  action: string;
  target: number;
  files?: Record<string, [string | undefined, string]>;
  sentAt?: number;
  status?: number;
}

async function burst(privateKey: string): Promise<string[]> {
  const redis = await redisForBench();
  const fake = new FakeGitHub('octo-org', 'service');
  const origin = await fake.listen();
  const completedAt = trackCompletions(fake);
  const env = { REDIS_URL: redis.url, RACECHECK_QUEUE_NAME: `bench-${Date.now().toString(36)}`, RACECHECK_CONCURRENCY: '8', LOG_LEVEL: 'warn', RACECHECK_ANALYSIS_WORKERS: '1' };
  const apps: AppProcess[] = [];
  try {
    apps.push(...(await Promise.all([0, 1].map(() => startAppProcess(origin, { privateKey, webhookSecret: SECRET, env })))));
    const plan: Delivery[] = [];
    for (let n = 1; n <= BURST_PULLS; n++) {
      plan.push({ id: `open-${n}`, pull: n, head: sha('a', n), action: 'opened', target: n % 2, files: { 'svc/store.go': [undefined, `${BASE}\n// pr ${n}\n`] } });
    }
    // Redeliveries (same id, the other process) and pushes come in among the opens, as traffic would.
    for (let k = 1; k <= BURST_REDELIVERIES; k++) {
      const n = k * 7;
      plan.splice(n + k, 0, { id: `open-${n}`, pull: n, head: sha('a', n), action: 'opened', target: (n + 1) % 2 });
    }
    for (let k = 1; k <= BURST_PUSHES; k++) {
      const n = k * 5;
      plan.splice(Math.min(plan.length, Math.round(n * 1.2) + 100), 0, { id: `push-${n}`, pull: n, head: sha('c', n), action: 'synchronize', target: k % 2, files: { 'svc/store.go': [`${BASE}\n// pr ${n}\n`, `${BASE}\n// pr ${n} push\n`] } });
    }
    const limit = pLimit(BURST_CONCURRENCY);
    const started = performance.now();
    await Promise.all(
      plan.map((d) =>
        limit(async () => {
          if (d.files) fake.setPull(d.pull, d.head, d.files);
          d.sentAt = performance.now();
          d.status = await signedDelivery(apps[d.target]!.base, SECRET, 'pull_request', payload(d.action, d.pull, d.head), d.id).then((r) => r.status, () => 0);
        }),
      ),
    );
    const sentMs = performance.now() - started;
    const heads = [...new Set(plan.map((d) => d.head))];
    let timedOut = false;
    await waitFor('every head to complete', () => heads.every((h) => completedAt.has(h)) && [...fake.checkRuns.values()].every((r) => r.status === 'completed'), BURST_TIMEOUT_MS).catch(() => (timedOut = true));
    const totalMs = Math.max(...heads.map((h) => completedAt.get(h) ?? performance.now())) - started;

    const latencies = plan.filter((d) => completedAt.has(d.head)).map((d) => completedAt.get(d.head)! - d.sentAt!).map((ms) => Math.max(0, ms)).sort((a, b) => a - b);
    const lost = plan.filter((d) => !completedAt.has(d.head)).length;
    const runsPerHead = new Map<string, number>();
    for (const r of fake.checkRuns.values()) runsPerHead.set(r.head_sha, (runsPerHead.get(r.head_sha) ?? 0) + 1);
    const reviewsPerHead = new Map<string, number>();
    for (const r of fake.reviews) reviewsPerHead.set(r.commit_id, (reviewsPerHead.get(r.commit_id) ?? 0) + 1);
    const duplicateRuns = [...runsPerHead.values()].filter((n) => n > 1).length;
    const duplicateReviews = [...reviewsPerHead.values()].filter((n) => n > 1).length;
    const accepted = plan.filter((d) => d.status !== undefined && d.status >= 200 && d.status < 300).length;
    const inProgress = [...fake.checkRuns.values()].filter((r) => r.status !== 'completed').length;
    const superseded = [...fake.checkRuns.values()].filter((r) => r.output?.title?.startsWith('Superseded')).length;

    console.log(`burst (queue mode, 2 App processes × concurrency 8, one Redis): ${plan.length} signed webhooks at concurrency ${BURST_CONCURRENCY} — ${BURST_PULLS} PRs opened, ${BURST_REDELIVERIES} redeliveries to the other process, ${BURST_PUSHES} pushes`);
    console.log(`  accepted (2xx): ${accepted}/${plan.length}, all sent in ${sentMs.toFixed(0)} ms (${((plan.length / sentMs) * 1000).toFixed(0)} webhooks/s)`);
    console.log(`  heads: ${heads.length}; check runs: ${fake.checkRuns.size} (in progress ${inProgress}, superseded ${superseded}); reviews: ${fake.reviews.length}`);
    console.log(`  throughput: ${((heads.length / totalMs) * 1000).toFixed(1)} heads/s (${(totalMs / 1000).toFixed(1)} s from first webhook to last completed check)`);
    console.log(`  webhook → completed check: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${percentile(latencies, 100).toFixed(0)} ms`);
    console.log(`  lost deliveries: ${lost}; heads with two check runs: ${duplicateRuns}; heads with two reviews: ${duplicateReviews}`);

    const problems: string[] = [];
    if (timedOut) problems.push(`burst timed out after ${BURST_TIMEOUT_MS} ms`);
    if (accepted !== plan.length) problems.push(`${plan.length - accepted} webhooks not accepted`);
    if (lost > 0) problems.push(`${lost} deliveries lost`);
    if (inProgress > 0) problems.push(`${inProgress} check runs left in progress`);
    if (duplicateRuns > 0 || duplicateReviews > 0) problems.push(`duplicates: ${duplicateRuns} heads with two check runs, ${duplicateReviews} with two reviews`);
    return problems;
  } finally {
    for (const app of apps) app.child.kill('SIGKILL');
    await fake.close();
    redis.stop();
  }
}

/** A distinct Go file of about `bytes`: many small locked methods, and the errgroup race near the top. */
function soakFile(n: number, bytes: number): string {
  const parts = [BASE];
  let size = BASE.length;
  for (let k = 0; size < bytes; k++) {
    const fn = `\nfunc (s *Store) Put${n}x${k}(v int) int {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\ts.items["k${k}"] = v + ${k}\n\treturn len(s.items)\n}\n`;
    parts.push(fn);
    size += fn.length;
  }
  return parts.join('');
}

async function soak(privateKey: string): Promise<string[]> {
  const fake = new FakeGitHub('octo-org', 'service');
  const origin = await fake.listen();
  const completedAt = trackCompletions(fake);
  // MALLOC_ARENA_MAX is passed through, to compare glibc's per-thread malloc arenas.
  const arenas: Record<string, string> = process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {};
  const app = await startAppProcess(origin, { privateKey, webhookSecret: SECRET, env: { LOG_LEVEL: 'warn', ...arenas } });
  try {
    const samples: { runs: number; seconds: number; rss: number; workers: number; workerCount: number; heap?: number; external?: number }[] = [];
    const every = Math.max(1, Math.floor(SOAK_PRS / SOAK_READINGS));
    const started = performance.now();
    let done = 0;
    const limit = pLimit(SOAK_CONCURRENCY);
    await Promise.all(
      Array.from({ length: SOAK_PRS }, (_, i) => i + 1).map((n) =>
        limit(async () => {
          const head = sha('d', n);
          fake.setPull(n, head, { 'svc/big.go': [undefined, soakFile(n, SOAK_FILE_BYTES)] });
          const res = await signedDelivery(app.base, SECRET, 'pull_request', payload('opened', n, head), `soak-${n}`);
          if (!res.ok) throw new Error(`webhook ${n} answered ${res.status}`);
          await waitFor(`PR ${n} to complete`, () => completedAt.has(head), 120_000);
          fake.removeFile(head, 'svc/big.go'); // the fake shares this process, not the App's; keep it small anyway
          done++;
          if (done % every === 0) {
            const tree = treeRssOf(app.child.pid!);
            const sample = { runs: done, seconds: (performance.now() - started) / 1000, rss: tree.own, workers: tree.children, workerCount: tree.childCount, ...(await heapOf(app.base)) };
            samples.push(sample);
            console.log(
              `  soak: ${sample.runs} runs, ${sample.seconds.toFixed(0)} s, RSS: App ${mb(sample.rss)} (V8 heap used ${sample.heap === undefined ? '?' : mb(sample.heap)}, external ${sample.external === undefined ? '?' : mb(sample.external)}), ` +
                `${sample.workerCount} analysis workers ${mb(sample.workers)}, total ${mb(sample.rss + sample.workers)}`,
            );
          }
        }),
      ),
    );
    console.log(`soak (embedded mode, 1 App process): ${SOAK_PRS} PRs of one distinct ${SOAK_FILE_BYTES / 1024} KB Go file each, ${SOAK_CONCURRENCY} at a time`);
    console.log(`  RSS of the App process: ${samples.map((s) => `${s.runs}: ${mb(s.rss)}`).join(', ')}`);
    console.log(`  V8 heap used by the App: ${samples.map((s) => `${s.runs}: ${s.heap === undefined ? '?' : mb(s.heap)}`).join(', ')}`);
    console.log(`  RSS of its analysis workers (sum): ${samples.map((s) => `${s.runs}: ${mb(s.workers)} (${s.workerCount})`).join(', ')}`);
    console.log(`  RSS in all: ${samples.map((s) => `${s.runs}: ${mb(s.rss + s.workers)}`).join(', ')}`);
    console.log(`  ${(samples.at(-1)!.seconds).toFixed(0)} s; ${fake.reviews.length} reviews, ${[...fake.checkRuns.values()].filter((r) => r.status === 'completed').length} completed check runs`);
    const thirdIndex = samples.findIndex((s) => s.runs >= (SOAK_PRS * 2) / 3);
    const problems: string[] = [];
    const measures: [string, (s: (typeof samples)[number]) => number][] = [
      ['the App process', (s) => s.rss],
      ['the analysis workers', (s) => s.workers],
      ['App and workers together', (s) => s.rss + s.workers],
    ];
    const atThird = samples.slice(Math.max(0, thirdIndex - SOAK_WINDOW + 1), thirdIndex + 1);
    const atEnd = samples.slice(-SOAK_WINDOW);
    for (const [what, of] of measures) {
      const base = median(atThird.map(of));
      const growth = (median(atEnd.map(of)) - base) / base;
      console.log(
        `  last third (median of runs ${atThird[0]!.runs}-${atThird.at(-1)!.runs} vs of ${atEnd[0]!.runs}-${atEnd.at(-1)!.runs}): RSS of ${what} grew ${(growth * 100).toFixed(1)}% (target < ${SOAK_MAX_LAST_THIRD_GROWTH * 100}%)`,
      );
      if (!(growth < SOAK_MAX_LAST_THIRD_GROWTH)) problems.push(`RSS of ${what} grew ${(growth * 100).toFixed(1)}% over the soak's last third`);
    }
    return problems;
  } finally {
    app.child.kill('SIGKILL');
    await fake.close();
  }
}

/** The App's V8 heap in use and its external memory, from its /metrics (prom-client's default metrics); a diagnostic beside RSS. */
async function heapOf(base: string): Promise<{ heap?: number; external?: number }> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string) => {
      const m = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    const heap = value('racecheck_nodejs_heap_size_used_bytes');
    const external = value('racecheck_nodejs_external_memory_bytes');
    return { ...(heap !== undefined ? { heap } : {}), ...(external !== undefined ? { external } : {}) };
  } catch {
    return {};
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function main(): Promise<number> {
  requireBuild();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const only = process.env.LOAD_ONLY;
  const problems: string[] = [];
  if (only !== 'soak') problems.push(...(await burst(privateKey)));
  if (only !== 'burst') problems.push(...(await soak(privateKey)));
  if (problems.length > 0) {
    console.error(`FAIL: ${problems.join('; ')}`);
    return 1;
  }
  console.log('OK: no delivery lost, no duplicate, memory plateaus');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
