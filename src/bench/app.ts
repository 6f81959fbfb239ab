/**
 * App benchmark (not a test): a 100-file pull request through the real Probot server (as `npm start` runs it,
 * retries and throttling on) against the fake GitHub over HTTP. Prints the time from sending the webhook to the
 * review arriving, and how many GitHub requests the run made. Targets: ≤ 2 s and ≤ files + 5 requests.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { run } from 'probot';
import app from '../app/index.js';
import { analyze } from '../engine/index.js';
import { FakeGitHub } from '../app/testing/fake-github.js';

const SECRET = 'bench-secret';
const FILES = 100;
const TIME_TARGET_MS = 2000;

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

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

interface Scenario {
  name: string;
  headSha: string;
  files: Record<string, [string | undefined, string]>;
}

/** `modified` files change an existing file (one in ten gains the race); the rest are new files. */
function pullFiles(modified: number, version: string): Record<string, [string | undefined, string]> {
  const files: Record<string, [string | undefined, string]> = {};
  for (let i = 0; i < FILES; i++) {
    const pkg = `pkg${Math.floor(i / 10)}`;
    const path = `internal/${pkg}/file${i}.go`;
    const racy = i % 10 === 3;
    const head = racy ? withImports(ordinaryFile(pkg, i, `${racyFunc(i)}\n// ${version}\n`)) : ordinaryFile(pkg, i, `\n// ${version}\n`);
    files[path] = i < modified ? [ordinaryFile(pkg, i), head] : [undefined, head];
  }
  return files;
}

async function main(): Promise<void> {
  const fake = new FakeGitHub('octo-org', 'service');
  const githubOrigin = await fake.listen();
  const port = await freePort();
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const server = await run(app, {
    env: {
      APP_ID: '123',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: new URL(githubOrigin).host,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: (process.env.BENCH_LOG_LEVEL ?? 'fatal') as 'fatal',
      LOG_FORMAT: 'json',
    },
  });

  let pullNumber = 0;
  async function runScenario(s: Scenario, opts: { newPull: boolean }): Promise<void> {
    if (opts.newPull) pullNumber++;
    fake.setFile(s.headSha, 'go.mod', 'module example.com/service\n\ngo 1.22\n');
    fake.setPull(pullNumber, s.headSha, s.files);
    const payload = benchPayload(pullNumber, s.headSha, opts.newPull ? 'opened' : 'synchronize');
    const body = JSON.stringify(payload);
    const firstRequest = fake.requests.length;
    let reviewAt: number | undefined;
    const timeline: string[] = [];
    fake.onRequest = (req) => {
      if (process.env.BENCH_TIMELINE) timeline.push(`${(performance.now() - sentAt).toFixed(0)} ${req.method} ${req.path}`);
      if (req.method === 'POST' && req.path.endsWith('/reviews')) reviewAt ??= performance.now();
    };
    const sentAt = performance.now();
    const res = await postWebhook(port, body, {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': `bench-${s.headSha}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    });
    for (let i = 0; i < 600 && fake.checkRun()?.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 50));
    const doneAt = performance.now();
    if (process.env.BENCH_TIMELINE) console.log(timeline.filter((_, i) => i < 8 || i > timeline.length - 5 || i % 20 === 0).join('\n'));
    const requests = fake.requests.slice(firstRequest);
    const changed = Object.keys(s.files).length;
    const byEndpoint = new Map<string, number>();
    for (const r of requests) {
      const key = r.replace(/\/contents\/internal.+$/, '/contents/<go file>').replace(/\/\d+(?=\/|$)/g, '/:n');
      byEndpoint.set(key, (byEndpoint.get(key) ?? 0) + 1);
    }
    const mark = (ok: boolean) => (ok ? 'ok' : 'MISS');
    const toReview = reviewAt === undefined ? undefined : reviewAt - sentAt;
    console.log(`\n${s.name} (webhook ${res.status}, check ${fake.checkRun()?.conclusion})`);
    console.log(
      toReview === undefined
        ? `  webhook → review: no review posted; webhook → check completed ${(doneAt - sentAt).toFixed(0)} ms`
        : `  webhook → review: ${toReview.toFixed(0)} ms (target ≤ ${TIME_TARGET_MS} ms) ${mark(toReview <= TIME_TARGET_MS)}`,
    );
    console.log(`  webhook → check completed: ${(doneAt - sentAt).toFixed(0)} ms`);
    console.log(`  GitHub requests: ${requests.length} for ${changed} changed files (target ≤ ${changed + 5}) ${mark(requests.length <= changed + 5)}`);
    for (const [endpoint, n] of [...byEndpoint].sort((a, b) => b[1] - a[1])) console.log(`    ${String(n).padStart(4)}  ${endpoint}`);
    // The engine's share: the same files analyzed directly, in this process, once.
    const engineStart = performance.now();
    analyze(Object.entries(s.files).map(([path, [, content]]) => ({ path, content })), { scope: 'all', goVersion: '1.22' });
    console.log(`  engine alone on these ${changed} files: ${(performance.now() - engineStart).toFixed(0)} ms`);
  }

  try {
    fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'fail_on: error\nmax_comments: 30\n');
    const mixed = pullFiles(60, 'v1');
    await runScenario({ name: `${FILES}-file PR: 60 modified + 40 new files, 10 racy (cold cache, first event of the installation)`, headSha: 'a'.repeat(40), files: mixed }, { newPull: true });
    const pushed = { ...mixed, 'internal/pkg0/file0.go': [mixed['internal/pkg0/file0.go']![0], ordinaryFile('pkg0', 0, '\n// v2\n')] as [string, string] };
    await runScenario({ name: 'push changing one file of that PR (warm blob cache)', headSha: 'c'.repeat(40), files: pushed }, { newPull: false });
    await runScenario({ name: `${FILES}-file PR: all ${FILES} files modified, 10 racy (cold caches, token already cached)`, headSha: 'd'.repeat(40), files: pullFiles(FILES, 'v3') }, { newPull: true });
  } finally {
    await server.stop();
    await fake.close();
  }
  // Probot's throttling keeps timers alive; the bench is done.
  process.exit(0);
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
