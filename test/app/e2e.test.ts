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
