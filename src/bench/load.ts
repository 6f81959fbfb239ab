/**
 * Load script (npm run bench:load; not a test): the real Probot server on loopback with the fake GitHub over
 * HTTP, 200 signed webhook deliveries at concurrency 20. Half open distinct pull requests; the other half hit
 * a few pull requests with synchronize bursts and redeliveries (the same delivery id twice). Reports deliveries
 * accepted, reviews and check runs completed, duplicate comments, p50/p95 webhook → completed check, peak RSS.
 * Exits 1 if a delivery was lost (no completed check run for it), a comment was duplicated, or it timed out.
 *
 * Probot's throttling spaces writes 1 s apart process-wide (reviews 3 s), which would stretch 200 runs to many
 * minutes; it is off here unless LOAD_THROTTLE=1, and the report says which.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import { pino } from 'pino';
import { ProbotOctokit } from 'probot';
import pLimit from 'p-limit';
import { createApp } from '../app/index.js';
import { RunQueue } from '../app/queue.js';
import { parseFingerprint } from '../report/fingerprint.js';
import { FakeGitHub } from '../app/testing/fake-github.js';
import { startLocalApp } from '../app/testing/local-server.js';

const SECRET = 'load-secret';
const DELIVERIES = 200;
const CONCURRENCY = 20;
const HOT_PULLS = 5;
const TIMEOUT_MS = 240_000;
const THROTTLE = process.env.LOAD_THROTTLE === '1';

const BASE = `package svc

import "sync"

type Store struct {
	mu    sync.Mutex
	items map[string]int
}

func (s *Store) Put(k string, v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[k] = v
}
`;

/** A change with the errgroup race; `tag` varies the file without moving the flagged code. */
function racy(tag: string): string {
  return `${BASE}
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

// ${tag}
`.replace('import "sync"', 'import (\n\t"sync"\n\n\t"golang.org/x/sync/errgroup"\n)');
}

interface Delivery {
  id: string;
  pull: number;
  head: string;
  action: string;
  /** Pushes of a hot pull request are set on the fake just before their delivery is sent. */
  files?: Record<string, [string | undefined, string]>;
  sentAt?: number;
  status?: number;
}

function sha(prefix: string, n: number): string {
  return `${prefix}${n.toString(16).padStart(5, '0')}`.padEnd(40, '0').slice(0, 40);
}

function payload(d: Delivery) {
  const repo = { id: 42, name: 'service', full_name: 'octo-org/service', private: false, owner: { login: 'octo-org', id: 9001, type: 'Organization' }, default_branch: 'main' };
  return {
    action: d.action,
    number: d.pull,
    pull_request: { number: d.pull, state: 'open', draft: false, title: 'load', user: { login: 'alice', id: 5001, type: 'User' }, head: { ref: 'feature', sha: d.head, repo }, base: { ref: 'main', sha: 'b'.repeat(40), repo } },
    repository: repo,
    sender: { login: 'alice', id: 5001, type: 'User' },
    installation: { id: 2 },
  };
}

/** The delivery plan: distinct PRs first-come, hot PRs as bursts of pushes, each push delivered twice. */
function plan(fake: FakeGitHub): Delivery[] {
  const out: Delivery[] = [];
  const distinct = DELIVERIES / 2;
  for (let i = 1; i <= distinct; i++) {
    const head = sha('a', i);
    fake.setPull(i, head, { 'svc/store.go': [BASE, racy(`pr ${i}`)], [`svc/new${i}.go`]: [undefined, `package svc\n\nvar n${i} = ${i}\n`] });
    out.push({ id: `open-${i}`, pull: i, head, action: 'opened' });
  }
  const hot: Delivery[][] = [];
  const perHot = DELIVERIES / 2 / HOT_PULLS;
  for (let p = 0; p < HOT_PULLS; p++) {
    const pull = 1000 + p;
    const list: Delivery[] = [];
    for (let k = 0; list.length < perHot; k++) {
      const head = sha(`c${p}`, k + 1);
      const files = { 'svc/store.go': [BASE, racy(`push ${k}`)] as [string, string] };
      const d: Delivery = { id: `hot-${pull}-${k}`, pull, head, action: k === 0 ? 'opened' : 'synchronize', files };
      list.push(d);
      // Every other push is redelivered: same id, same payload.
      if (k % 2 === 0 && list.length < perHot) list.push({ ...d, files: undefined });
    }
    hot.push(list);
  }
  // Interleave: a hot delivery after each distinct one, so bursts overlap ordinary traffic.
  const hotFlat: Delivery[] = [];
  for (let i = 0; hot.some((l) => i < l.length); i++) for (const l of hot) if (i < l.length) hotFlat.push(l[i]!);
  const mixed: Delivery[] = [];
  for (let i = 0; i < Math.max(out.length, hotFlat.length); i++) {
    if (out[i]) mixed.push(out[i]!);
    if (hotFlat[i]) mixed.push(hotFlat[i]!);
  }
  return mixed;
}

function post(port: number, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/github/webhooks', method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<number> {
  const fake = new FakeGitHub('octo-org', 'service');
  const origin = await fake.listen();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const queue = new RunQueue();
  // Completion time of each check run, by id (the PATCH or create that completed it).
  const completedAt = new Map<number, number>();
  fake.onRequest = (req) => {
    const m = /\/check-runs(?:\/(\d+))?$/.exec(req.path);
    if (!m || (req.body as { status?: string } | undefined)?.status !== 'completed') return;
    const id = m[1] ? Number(m[1]) : [...fake.checkRuns.keys()].at(-1)!;
    completedAt.set(id, performance.now());
  };
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

  const local = await startLocalApp(createApp({ queue }), {
    githubOrigin: origin,
    privateKey: privateKey,
    webhookSecret: SECRET,
    probot: {
      log: pino({ level: process.env.LOAD_LOG_LEVEL ?? 'fatal' }),
      ...(THROTTLE ? {} : { Octokit: ProbotOctokit.defaults((options: any) => ({ ...options, throttle: { ...options.throttle, enabled: false } })) }),
    },
  });
  const server = local.server;

  const deliveries = plan(fake);
  const limit = pLimit(CONCURRENCY);
  const started = performance.now();
  let timedOut = false;
  const timer = setTimeout(() => (timedOut = true), TIMEOUT_MS);
  await Promise.all(
    deliveries.map((d) =>
      limit(async () => {
        if (d.files) fake.setPull(d.pull, d.head, d.files);
        const body = JSON.stringify(payload(d));
        d.sentAt = performance.now();
        d.status = await post(Number(new URL(local.base).port), body, {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': d.id,
          'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        }).catch(() => 0);
      }),
    ),
  );
  const sentMs = performance.now() - started;
  while (!timedOut && (queue.size > 0 || [...fake.checkRuns.values()].some((r) => r.status !== 'completed') || fake.checkRuns.size < deliveries.length)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.race([queue.idle(), new Promise((r) => setTimeout(r, 100))]);
  clearTimeout(timer);
  const totalMs = performance.now() - started;

  // Pair each (pull, head)'s deliveries with its check runs in order: webhook → completed check.
  const runsByKey = new Map<string, number[]>();
  for (const r of fake.checkRuns.values()) {
    const done = completedAt.get(r.id);
    if (done === undefined) continue;
    const key = r.head_sha;
    runsByKey.set(key, [...(runsByKey.get(key) ?? []), done]);
  }
  const latencies: number[] = [];
  const byHead = new Map<string, Delivery[]>();
  for (const d of deliveries) byHead.set(d.head, [...(byHead.get(d.head) ?? []), d]);
  let lost = 0;
  for (const [head, list] of byHead) {
    const done = (runsByKey.get(head) ?? []).sort((a, b) => a - b);
    const sent = list.map((d) => d.sentAt!).sort((a, b) => a - b);
    lost += Math.max(0, sent.length - done.length);
    sent.forEach((t, i) => {
      if (done[i] !== undefined) latencies.push(done[i]! - t);
    });
  }
  latencies.sort((a, b) => a - b);

  // A duplicate: the same finding (fingerprint) commented twice, unresolved, on one pull request.
  const seen = new Set<string>();
  let duplicates = 0;
  for (const c of fake.reviewComments) {
    const fp = parseFingerprint(c.body);
    if (!fp || fp.resolved) continue;
    const key = `${c.pull}:${fp.fp}`;
    if (seen.has(key)) duplicates++;
    seen.add(key);
  }
  const runs = [...fake.checkRuns.values()];
  const accepted = deliveries.filter((d) => d.status !== undefined && d.status >= 200 && d.status < 300).length;
  const superseded = runs.filter((r) => r.output?.title?.startsWith('Superseded')).length;
  const inProgress = runs.filter((r) => r.status !== 'completed').length;

  clearInterval(sampler);
  await server.stop();
  await fake.close();

  console.log(`racecheck load: ${deliveries.length} signed deliveries at concurrency ${CONCURRENCY} (${DELIVERIES / 2} distinct PRs, ${DELIVERIES / 2} to ${HOT_PULLS} PRs as synchronize bursts and redeliveries)`);
  console.log(`  throttling: ${THROTTLE ? 'on (Probot default)' : 'off (set LOAD_THROTTLE=1 for the production setting; its 1 s write spacing would dominate)'}`);
  console.log(`  deliveries accepted (2xx): ${accepted}/${deliveries.length}, all sent in ${sentMs.toFixed(0)} ms`);
  console.log(`  check runs completed: ${runs.length - inProgress}/${runs.length} (in progress: ${inProgress}); superseded: ${superseded}`);
  console.log(`  reviews posted: ${fake.reviews.length}; review comments: ${fake.reviewComments.length}; duplicates: ${duplicates}`);
  console.log(`  webhook → completed check: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${percentile(latencies, 100).toFixed(0)} ms`);
  console.log(`  GitHub requests: ${fake.requests.length}; total ${totalMs.toFixed(0)} ms; peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB (server, workers' heaps and the fake GitHub share the process)`);

  const problems: string[] = [];
  if (timedOut) problems.push(`timed out after ${TIMEOUT_MS} ms`);
  if (accepted !== deliveries.length) problems.push(`${deliveries.length - accepted} deliveries not accepted`);
  if (lost > 0 || runs.length !== deliveries.length) problems.push(`${Math.max(lost, deliveries.length - runs.length)} deliveries lost (no completed check run)`);
  if (inProgress > 0) problems.push(`${inProgress} check runs left in progress`);
  if (duplicates > 0) problems.push(`${duplicates} duplicate comments`);
  if (problems.length > 0) {
    console.error(`FAIL: ${problems.join('; ')}`);
    return 1;
  }
  console.log('OK: every delivery processed, none lost, no duplicates');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
