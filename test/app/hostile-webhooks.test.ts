/**
 * The real server (probot `run`) against strangers: a 100 MB unsigned body is refused before it is read and
 * never logged, a forged signature's payload is never logged, a replayed delivery runs once, and the App
 * refuses to start in production without a webhook secret.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { pino } from 'pino';
import { Probot, type Server } from 'probot';
import { createApp } from '../../src/app/index.js';
import { RunQueue } from '../../src/app/queue.js';
import { RecentDeliveries } from '../../src/app/webhook-guard.js';
import { FakeGitHub } from '../../src/app/testing/fake-github.js';
import { startLocalApp } from '../../src/app/testing/local-server.js';
import { GO_MOD, HEAD, goSource, privateKey, pullRequestPayload } from './helpers.js';

const SECRET = `whsec-${randomBytes(12).toString('hex')}`;
let fake: FakeGitHub;
let server: Server;
let base: string;
const queue = new RunQueue();
let logBytes = 0;
const logLines: string[] = [];

beforeAll(async () => {
  fake = new FakeGitHub('octo-org', 'service');
  const githubOrigin = await fake.listen();
  const sink = new Writable({
    write(chunk, _enc, done) {
      logBytes += chunk.length;
      logLines.push(chunk.toString());
      done();
    },
  });
  const local = await startLocalApp(createApp({ queue }), { githubOrigin, privateKey: privateKey(), webhookSecret: SECRET, probot: { log: pino({ level: 'info' }, sink) } });
  server = local.server;
  base = local.base;
});

afterAll(async () => {
  await queue.idle();
  await server?.stop();
  await fake?.close();
});

/** POSTs `total` bytes of JSON-ish filler, generated as it is sent (the test never holds the body). */
function postStream(total: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/github/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      res.on('error', () => resolve({ status: res.statusCode!, body: text }));
    });
    // The server closes the connection mid-upload once it has answered; that is the point.
    req.on('error', (err) => setTimeout(() => reject(err), 2000));
    body.pipe(req);
  });
}

const webhookHeaders = (id: string) => ({ 'x-github-event': 'pull_request', 'x-github-delivery': id, 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) });

test('a 100 MB unsigned body is refused with 413 before it is read: RSS grows under 150 MB, the log under 1 KB', async () => {
  const size = 100 * 1024 * 1024;
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const logGrowth: number[] = [];
  try {
    let logBefore = logBytes;
    const declared = await postStream(size, { ...webhookHeaders('huge-1'), 'content-length': String(size) });
    expect(declared.status).toBe(413);
    logGrowth.push(logBytes - logBefore);
    // Without a Content-Length (chunked), reading stops at 25 MB.
    logBefore = logBytes;
    const chunked = await postStream(size, webhookHeaders('huge-2'));
    expect(chunked.status).toBe(413);
    logGrowth.push(logBytes - logBefore);
  } finally {
    clearInterval(sampler);
  }
  expect(peak - rssBefore).toBeLessThan(150 * 1024 * 1024);
  for (const growth of logGrowth) expect(growth).toBeLessThan(1024);
  const refusals = logLines.filter((l) => l.includes('webhook refused'));
  expect(refusals.length).toBe(2);
  expect(refusals[0]).toContain('"deliveryId":"huge-1"');
  expect(refusals[0]).toContain(`"size":${size}`);
  expect(refusals[0]).toContain('"event":"pull_request"');
});

test('a forged delivery is refused and its payload is never logged', async () => {
  const marker = `attacker-${randomBytes(6).toString('hex')}`;
  const payload = JSON.stringify({ ...pullRequestPayload('opened'), marker });
  const before = fake.requests.length;
  const res = await fetch(`${base}/api/github/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', ...webhookHeaders('forged-1') }, body: payload });
  expect(res.status).toBe(401);
  await queue.idle();
  expect(fake.requests.length).toBe(before);
  expect(logLines.join('')).not.toContain(marker);
  expect(logLines.some((l) => l.includes('"deliveryId":"forged-1"') && l.includes('signature does not match'))).toBe(true);
});

test('a replayed delivery id is acknowledged but runs once', async () => {
  const head = 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd';
  fake.setFile(head, 'go.mod', GO_MOD);
  fake.setPull(12, head, { 'run.go': [undefined, goSource('1-closure-capture.go')] });
  const body = JSON.stringify(pullRequestPayload('opened', head, 12));
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const send = () =>
    fetch(`${base}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'replayed-1', 'x-hub-signature-256': signature },
      body,
    });
  expect((await send()).status).toBe(200);
  await queue.idle();
  const second = await send();
  expect(second.status).toBe(200);
  expect(await second.text()).toContain('duplicate delivery');
  await queue.idle();
  expect([...fake.checkRuns.values()].filter((c) => c.history.some((h) => h.head_sha === head)).length).toBe(1);
  expect(HEAD).not.toBe(head);
});

test('delivery ids are forgotten after the window', () => {
  let now = 0;
  const recent = new RecentDeliveries(1000, () => now);
  expect(recent.remember('a')).toBe(true);
  expect(recent.remember('a')).toBe(false);
  now = 1500;
  expect(recent.remember('a')).toBe(true);
});

describe('in production', () => {
  async function load(secret: string | undefined): Promise<string[]> {
    const refusals: string[] = [];
    const probot = new Probot({ appId: 123, privateKey: privateKey(), ...(secret ? { secret } : {}), log: pino({ level: 'silent' }) });
    await probot.load(createApp({ queue: new RunQueue(), env: { NODE_ENV: 'production' }, refuseToStart: (m) => refusals.push(m) }));
    return refusals;
  }

  test('refuses to start without WEBHOOK_SECRET, with one clear line', async () => {
    const refusals = await load(undefined);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/^racecheck: refusing to start: WEBHOOK_SECRET is not set/);
    expect(refusals[0]).not.toContain('\n');
  });

  test('starts with a secret', async () => {
    expect(await load(SECRET)).toEqual([]);
  });
});
