/**
 * The real server (probot `run`) against strangers: a 100 MB unsigned body is refused before it is read and
 * never logged, a forged signature's payload is never logged, a replayed delivery runs once, and the App
 * refuses to start in production without a webhook secret.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
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
const logLines: string[] = [];

beforeAll(async () => {
  fake = new FakeGitHub('octo-org', 'service');
  const githubOrigin = await fake.listen();
  const sink = new Writable({
    write(chunk, _enc, done) {
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

/**
 * POSTs `total` bytes of filler over a raw socket, generated as it is sent (the test never holds the body),
 * chunked unless a Content-Length is given. A raw socket because the server may close the connection
 * mid-upload once it has answered: the answer already received stays readable, whatever the writes do.
 */
function postStream(target: string, total: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(target);
  const chunked = headers['content-length'] === undefined;
  const head = [
    'POST /api/github/webhooks HTTP/1.1',
    `host: ${hostname}:${port}`,
    'content-type: application/json',
    ...(chunked ? ['transfer-encoding: chunked'] : []),
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let sent = 0;
    let answered = false;
    const finish = () => {
      const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(received);
      if (m) resolve({ status: Number(m[1]), body: m[2]! });
      else reject(new Error(`no HTTP answer (received ${JSON.stringify(received.slice(0, 200))})`));
    };
    socket.on('data', (d) => {
      received += d.toString('latin1');
      // The whole answer is a few hundred bytes; once its body is in, stop uploading.
      if (!answered && /\r\n\r\n[\s\S]*\}$/.test(received)) {
        answered = true;
        socket.destroy();
      }
    });
    socket.on('error', () => undefined); // writes fail once the server closes; what it answered still counts
    socket.on('close', finish);
    const pump = () => {
      while (!answered && !socket.destroyed && sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        const data = n === chunk.length ? chunk : chunk.subarray(0, n);
        const ok = socket.write(chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data);
        if (!ok) return void socket.once('drain', pump);
      }
      if (!answered && !socket.destroyed && sent >= total && chunked) socket.write('0\r\n\r\n');
    };
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
  });
}

const webhookHeaders = (id: string) => ({ 'x-github-event': 'pull_request', 'x-github-delivery': id, 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) });

describe('the compiled server in a process of its own', () => {
  let child: ChildProcess;
  let childBase: string;
  let childLog = '';
  const stats = () => new Promise<{ rss: number; peak: number; logBytes: number }>((resolve) => child.once('message', resolve as never));

  beforeAll(async () => {
    child = fork(fileURLToPath(new URL('../support/guarded-server.mjs', import.meta.url)), [], {
      env: { ...process.env, NODE_OPTIONS: '', TEST_PRIVATE_KEY: privateKey(), TEST_WEBHOOK_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    child.stdout!.on('data', (d) => (childLog += d));
    childBase = ((await new Promise((resolve) => child.once('message', resolve))) as { base: string }).base;
  });

  afterAll(() => {
    child?.kill();
  });

  test('a 100 MB unsigned body is refused with 413 before it is read: RSS grows under 150 MB, the log under 1 KB', async () => {
    const size = 100 * 1024 * 1024;
    for (const [id, headers] of [
      ['huge-1', { 'content-length': String(size) }],
      // Without a Content-Length (chunked), reading stops at 25 MB.
      ['huge-2', {}],
    ] as const) {
      const asked = stats();
      child.send('reset');
      const before = await asked;
      const res = await postStream(childBase, size, { ...webhookHeaders(id), ...headers });
      expect(res.status).toBe(413);
      const asked2 = stats();
      child.send('stats');
      const after = await asked2;
      expect(after.peak - before.rss).toBeLessThan(150 * 1024 * 1024);
      expect(after.logBytes - before.logBytes).toBeLessThan(1024);
    }
    const refusals = childLog.split('\n').filter((l) => l.includes('webhook refused'));
    expect(refusals.length).toBe(2);
    expect(refusals[0]).toContain('"deliveryId":"huge-1"');
    expect(refusals[0]).toContain(`"size":${size}`);
    expect(refusals[0]).toContain('"event":"pull_request"');
    expect(refusals[1]).toContain('"deliveryId":"huge-2"');
  });
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
