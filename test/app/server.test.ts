/**
 * The real Probot server (probot `run`) on loopback against the fake GitHub over HTTP, with every log line
 * captured at trace level: webhooks are answered before the review is done, no secret is ever logged, and
 * only the installation's repository is touched.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Server } from 'probot';
import { createApp } from '../../src/app/index.js';
import { RunQueue } from '../../src/app/queue.js';
import { FakeGitHub } from '../../src/app/testing/fake-github.js';
import { startLocalApp } from '../../src/app/testing/local-server.js';
import { analyze, type AnalyzeOptions, type SourceFile } from '../../src/engine/index.js';
import { GO_MOD, HEAD, goSource, privateKey, pullRequestPayload } from './helpers.js';

const SECRET = `whsec-${randomBytes(12).toString('hex')}`;

let fake: FakeGitHub;
let server: Server;
let base: string;
const queue = new RunQueue();
const logLines: string[] = [];
/** Holds the analysis of any file containing HOLD until released. */
let gate: { release: () => void; promise: Promise<void> } | undefined;
const events: string[] = [];

async function analyzer(files: SourceFile[], options: AnalyzeOptions) {
  if (gate && files.some((f) => f.content.includes('HOLD'))) {
    events.push('analysis started');
    await gate.promise;
    events.push('analysis finished');
  }
  return analyze(files, options);
}

beforeAll(async () => {
  fake = new FakeGitHub('octo-org', 'service');
  fake.installationToken = `ghs_${randomBytes(18).toString('hex')}`;
  fake.onRequest = (req) => {
    if (req.method === 'POST' && req.path.endsWith('/reviews')) events.push('review posted');
  };
  const githubOrigin = await fake.listen();
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const local = await startLocalApp(createApp({ analyzer, queue }), {
    githubOrigin,
    privateKey: privateKey(),
    webhookSecret: SECRET,
    env: { LOG_LEVEL: 'trace' },
    probot: {
      log: pino({ level: 'trace' }, sink),
    },
  });
  server = local.server;
  base = local.base;
});

afterAll(async () => {
  gate?.release();
  await queue.idle();
  await server?.stop();
  await fake?.close();
});

async function deliver(payload: unknown, secret = SECRET): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${base}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': `srv-${Math.random()}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
}

test('the webhook is answered 200 while the analysis is still running; the review follows', async () => {
  let release!: () => void;
  gate = { release: () => release(), promise: new Promise<void>((resolve) => (release = resolve)) };
  const head = 'abababababababababababababababababababab';
  fake.setFile(head, 'go.mod', GO_MOD);
  fake.setPull(9, head, { 'run.go': [undefined, `${goSource('1-closure-capture.go')}// HOLD\n`] });
  const res = await deliver(pullRequestPayload('opened', head, 9));
  events.push(`response ${res.status}`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('ok\n');
  // Wait until the run reaches the analyzer (it may not have yet), then let it finish.
  for (let i = 0; i < 200 && !events.includes('analysis started'); i++) await new Promise((r) => setTimeout(r, 25));
  gate.release();
  await queue.idle();
  gate = undefined;
  expect(events).toEqual(['response 200', 'analysis started', 'analysis finished', 'review posted']);
  expect(fake.reviews.at(-1)!.commit_id).toBe(head);
});

test('a forged signature is rejected and reaches no GitHub endpoint', async () => {
  const before = fake.requests.length;
  const res = await deliver(pullRequestPayload('opened'), 'not-the-secret');
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  await queue.idle();
  expect(fake.requests.length).toBe(before);
});

test('a full review at LOG_LEVEL=trace logs no token, private key or webhook secret, and touches only the installation’s repository', async () => {
  fake.setFile(HEAD, 'go.mod', GO_MOD);
  fake.setPull(7, HEAD, { 'run.go': [goSource('1-closure-capture.go').replace('err = Baz()', 'err = Qux()'), goSource('1-closure-capture.go')] });
  const res = await deliver(pullRequestPayload('synchronize'));
  expect(res.status).toBe(200);
  await queue.idle();
  expect(fake.reviews.some((r) => r.commit_id === HEAD)).toBe(true);

  const logs = logLines.join('');
  // The capture is real: Probot's debug lines (every GitHub request, with its body) and the run's are there.
  expect(logs).toContain('"level":20');
  expect(logs).toContain('racecheck run finished');
  expect(logs).toContain('GitHub request: POST');

  const secrets = [fake.installationToken, SECRET, privateKey(), ...privateKey().split('\n').filter((l) => l.length >= 40)];
  // Every Authorization header GitHub saw: the app's JWT and the installation token.
  for (const auth of fake.authorizations) secrets.push(auth.replace(/^(bearer|token)\s+/i, ''));
  expect(fake.authorizations.size).toBeGreaterThanOrEqual(2);
  for (const secret of secrets) expect(logs.includes(secret)).toBe(false);

  for (const request of fake.requests) {
    expect(request).toMatch(/^(POST \/app\/installations\/2\/access_tokens|POST \/graphql|\w+ \/repos\/octo-org\/(service|\.github)\/)/);
  }
  // The org's .github repository is read only for the configuration file.
  for (const request of fake.requests.filter((r) => r.includes('/repos/octo-org/.github/'))) expect(request).toMatch(/^GET .*\/contents\/\.github%2Fracecheck\.yml$/);
  expect(fake.graphqlRepos.length).toBeGreaterThan(0);
  expect(new Set(fake.graphqlRepos)).toEqual(new Set(['octo-org/service']));
});
