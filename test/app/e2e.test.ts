/**
 * The real Probot server (probot `run`, as `npm start` uses) on loopback, pointed through GHE_HOST at a fake
 * GitHub served over HTTP, receiving HMAC-signed webhooks. Retries and throttling are Probot's defaults.
 */
import { createHmac } from 'node:crypto';
import type { Server } from 'probot';
import app from '../../src/app/index.js';
import { FakeGitHub } from '../../src/app/testing/fake-github.js';
import { startLocalApp } from '../../src/app/testing/local-server.js';
import { GO_MOD, HEAD, goSource, privateKey, pullRequestPayload } from './helpers.js';

const SECRET = 'e2e-webhook-secret';

let fake: FakeGitHub;
let server: Server;
let base: string;

beforeAll(async () => {
  fake = new FakeGitHub('octo-org', 'service');
  const githubOrigin = await fake.listen();
  const local = await startLocalApp(app, {
    githubOrigin,
    privateKey: privateKey(),
    webhookSecret: SECRET,
    env: { LOG_LEVEL: 'fatal', LOG_FORMAT: 'json' },
  });
  server = local.server;
  base = local.base;
});

afterAll(async () => {
  await server?.stop();
  await fake?.close();
});

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function deliver(event: string, payload: unknown, secret = SECRET): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${base}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `e2e-${Math.random()}`, 'x-hub-signature-256': sign(body, secret) },
    body,
  });
}

test('GET /ping answers PONG (the Docker health check)', async () => {
  const res = await fetch(`${base}/ping`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('PONG');
});

test('a webhook with a bad signature is rejected and reaches no GitHub endpoint', async () => {
  const before = fake.requests.length;
  const res = await deliver('pull_request', pullRequestPayload('opened'), 'wrong-secret');
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(fake.requests.length).toBe(before);
});

test('a signed pull_request webhook produces the review and a failing check over HTTP', async () => {
  fake.setFile(HEAD, 'go.mod', GO_MOD);
  fake.setPull(7, HEAD, { 'run.go': [undefined, goSource('1-closure-capture.go')] });
  const res = await deliver('pull_request', pullRequestPayload('opened'));
  expect(res.status).toBe(200);
  // The middleware answers after the handler finished, but allow for a slow 202.
  for (let i = 0; i < 100 && fake.checkRun()?.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 100));
  const run = fake.checkRun()!;
  expect(run.conclusion).toBe('failure');
  expect(fake.reviews).toHaveLength(1);
  expect(fake.reviewComments.some((c) => c.line === 21 && c.body.includes('```suggestion\n\t\terr := Baz()\n```'))).toBe(true);
  // The GHE base URL was honoured: every API call went through /api/v3 on the fake.
  expect(fake.requests).toContain('POST /app/installations/2/access_tokens');
  expect(fake.requests).toContain('POST /repos/octo-org/service/pulls/7/reviews');
  expect(fake.enterprisePrefixed).toBe(fake.requests.length);
});

const LOCKED_STORE = `package store

import "sync"

type Store struct {
	mu    sync.Mutex
	items map[string]int
}

func (s *Store) Get(k string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.items[k]
}

func (s *Store) Set(k string, v int) {
	s.mu.Lock()
	s.items[k] = v
	s.mu.Unlock()
}
`;

test('a pull request that only deletes a Lock()/Unlock() pair gets one comment on the deletion, naming the removed line and the unguarded access', async () => {
  const head = '2222222222222222222222222222222222222222';
  const unlocked = LOCKED_STORE.replace('\ts.mu.Lock()\n\ts.items[k] = v\n\ts.mu.Unlock()\n', '\ts.items[k] = v\n');
  fake.setFile(head, 'go.mod', GO_MOD);
  const pull = fake.setPull(8, head, { 'store/store.go': [LOCKED_STORE, unlocked] });
  const reviewsBefore = fake.reviews.length;
  const commentsBefore = fake.reviewComments.length;
  const res = await deliver('pull_request', pullRequestPayload('opened', head, 8));
  expect(res.status).toBe(200);
  for (let i = 0; i < 100 && !(fake.checkRun()?.head_sha === head && fake.checkRun()?.status === 'completed'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(fake.checkRun()).toMatchObject({ head_sha: head, status: 'completed', conclusion: 'failure' });
  expect(fake.reviews.length - reviewsBefore).toBe(1);
  const comments = fake.reviewComments.slice(commentsBefore);
  expect(comments).toHaveLength(1);
  const [comment] = comments;
  // The deletion's hunk: the patch GitHub lists for the file, and the line that lost its lock.
  const patch = pull.files.find((f) => f.filename === 'store/store.go')!.patch!;
  expect(patch).toMatch(/^-\ts\.mu\.Lock\(\)$/m);
  expect(comment!.path).toBe('store/store.go');
  expect(unlocked.split('\n')[comment!.line - 1]).toBe('\ts.items[k] = v');
  expect(comment!.body).toContain('`removed-sync`');
  expect(comment!.body).toContain('This pull request removes `s.mu.Lock()` (was line 17), which guarded `s.items` here');
});
