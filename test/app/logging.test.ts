/** Log lines of review runs on the real Probot server, captured at trace level: context on every run line, no secrets. */
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Server } from 'probot';
import { createApp } from '../../src/app/index.js';
import { deliveryLogger } from '../../src/app/logging.js';
import type { RunOutcome } from '../../src/app/run.js';
import { FakeGitHub } from '../../src/app/testing/fake-github.js';
import { startLocalApp } from '../../src/app/testing/local-server.js';
import { GO_MOD, HEAD, goSource, privateKey, pullRequestPayload } from './helpers.js';

const SECRET = 'logging-webhook-secret-5f2c';
const TOKEN = 'ghs_fake'; // the installation token FakeGitHub issues

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

let fake: FakeGitHub;
let server: Server;
let base: string;
const logged = capture();
const outcomes: RunOutcome[] = [];

beforeAll(async () => {
  fake = new FakeGitHub('octo-org', 'service');
  const githubOrigin = await fake.listen();
  const local = await startLocalApp(createApp({ onRunComplete: (o) => outcomes.push(o) }), {
    githubOrigin,
    privateKey: privateKey(),
    webhookSecret: SECRET,
    probot: {
      log: pino({ level: 'trace', name: 'probot' }, logged.stream),
    },
  });
  server = local.server;
  base = local.base;

  fake.setFile(HEAD, 'go.mod', GO_MOD);
  fake.setPull(7, HEAD, { 'run.go': [undefined, goSource('1-closure-capture.go')] });
  fake.setPull(9, HEAD, { 'run.go': [undefined, goSource('1-closure-capture.go')] });
  // PR 9's run fails on a GitHub error, so the error path's lines (with the request error) are captured too.
  fake.fail('GET', /\/pulls\/9\/files$/, 422, 'Injected');
  await deliver('delivery-ok', pullRequestPayload('opened'));
  await deliver('delivery-failing', pullRequestPayload('opened', HEAD, 9));
  for (let i = 0; i < 200 && outcomes.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  await server?.stop();
  await fake?.close();
});

async function deliver(id: string, payload: unknown): Promise<void> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const res = await fetch(`${base}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': id, 'x-hub-signature-256': signature },
    body,
  });
  expect(res.status).toBe(200);
}

const records = () => logged.lines.map((l) => JSON.parse(l) as Record<string, unknown>);

test('both runs finished, one of them failing on the injected error', () => {
  expect(outcomes).toHaveLength(2);
  expect(outcomes.filter((o) => o.error)).toHaveLength(1);
});

test('every line of a run carries its delivery id, owner/repo and PR number', () => {
  const ok = records().filter((r) => r.deliveryId === 'delivery-ok');
  const failing = records().filter((r) => r.deliveryId === 'delivery-failing');
  // The run's own lines: debug (fetched files), info (finished), error (failed).
  expect(ok.map((r) => r.msg)).toEqual(expect.arrayContaining(['fetched Go files', 'racecheck run finished']));
  expect(failing.some((r) => r.level === 50)).toBe(true);
  for (const r of ok) expect(r).toMatchObject({ repo: 'octo-org/service', pr: 7 });
  for (const r of failing) expect(r).toMatchObject({ repo: 'octo-org/service', pr: 9 });
  // No line with one of those messages was logged without the delivery's context.
  const runMessages = new Set([...ok, ...failing].map((r) => r.msg));
  for (const r of records()) if (runMessages.has(r.msg)) expect(r.deliveryId).toBeDefined();
});

test("the failed run's request error is logged with its Authorization header censored", () => {
  const failed = records().find((r) => r.deliveryId === 'delivery-failing' && r.level === 50) as { err?: { status?: number; request?: { headers?: Record<string, string> } } };
  expect(failed.err?.status).toBe(422);
  expect(failed.err?.request?.headers?.authorization).toBe('[REDACTED]');
});

test('no log line contains the webhook secret, the installation token or the private key', () => {
  expect(logged.lines.length).toBeGreaterThan(20); // trace level: server, webhook, octokit and run lines
  const keyBody = privateKey().split('\n').filter((l) => l && !l.startsWith('-----'));
  for (const line of logged.lines) {
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain(TOKEN);
    expect(line).not.toContain('PRIVATE KEY');
    for (const chunk of keyBody) expect(line).not.toContain(chunk);
  }
});

test('the delivery logger censors secret-looking fields wherever a caller puts them', () => {
  const out = capture();
  const log = deliveryLogger(pino({ level: 'info' }, out.stream), { deliveryId: 'd-1', owner: 'o', repo: 'r', pullNumber: 3 });
  log.info({ headers: { authorization: 'token ghs_leak1' }, token: 'ghs_leak2', options: { privateKey: 'leak3', secret: 'leak4' } }, 'a request');
  log.error({ err: { message: 'boom', request: { headers: { authorization: 'token ghs_leak5' } } } }, 'failed');
  expect(out.lines).toHaveLength(2);
  for (const line of out.lines) expect(line).not.toMatch(/leak/);
  const [first, second] = out.lines.map((l) => JSON.parse(l));
  expect(first).toMatchObject({ deliveryId: 'd-1', repo: 'o/r', pr: 3, headers: { authorization: '[REDACTED]' }, token: '[REDACTED]', options: { privateKey: '[REDACTED]', secret: '[REDACTED]' } });
  expect(second.err.request.headers.authorization).toBe('[REDACTED]');
});
