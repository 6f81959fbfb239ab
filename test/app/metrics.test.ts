/** /metrics and /healthz on the real Probot server (as `npm start` runs it), after reviews against the fake GitHub. */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'probot';
import { createApp } from '../../src/app/index.js';
import { Metrics } from '../../src/app/metrics.js';
import type { RunOutcome } from '../../src/app/run.js';
import { FakeGitHub } from '../../src/app/testing/fake-github.js';
import { startLocalApp } from '../../src/app/testing/local-server.js';
import { GO_MOD, HEAD, goSource, privateKey, pullRequestPayload } from './helpers.js';

const SECRET = 'metrics-webhook-secret';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format's sample lines (no comments). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one sample with this name whose labels include `labels`; undefined when absent. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

let fake: FakeGitHub;
let server: Server;
let base: string;
const outcomes: RunOutcome[] = [];

beforeAll(async () => {
  fake = new FakeGitHub('octo-org', 'service');
  const githubOrigin = await fake.listen();
  const local = await startLocalApp(createApp({ onRunComplete: (o) => outcomes.push(o) }), {
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

async function deliver(event: string, payload: unknown): Promise<Response> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  return fetch(`${base}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `metrics-${Math.random()}`, 'x-hub-signature-256': signature },
    body,
  });
}

async function waitForRuns(n: number): Promise<void> {
  for (let i = 0; i < 200 && outcomes.length < n; i++) await new Promise((r) => setTimeout(r, 50));
  expect(outcomes).toHaveLength(n);
}

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

test('GET /healthz answers 200 with status, uptime and the package version', async () => {
  const res = await fetch(`${base}/healthz`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  const body = (await res.json()) as { status: string; uptime: number; version: string };
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(body).toEqual({ status: 'ok', uptime: expect.any(Number), version: pkg.version });
  expect(body.uptime).toBeGreaterThanOrEqual(0);
});

test('other paths still reach Probot: /ping answers PONG and unknown paths 404', async () => {
  expect(await (await fetch(`${base}/ping`)).text()).toBe('PONG');
  expect((await fetch(`${base}/metricsz`)).status).toBe(404);
});

test('before any delivery, /metrics has the process metrics and no run samples', async () => {
  const samples = await scrape();
  expect(value(samples, 'racecheck_process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
  expect(value(samples, 'racecheck_run_duration_seconds_count')).toBe(0);
  expect(samples.some((s) => s.name === 'racecheck_runs_total')).toBe(false);
});

test('a review of the seed PR counts the webhook, the run, its closure-write findings and its duration', async () => {
  fake.setFile(HEAD, 'go.mod', GO_MOD);
  fake.setPull(7, HEAD, { 'run.go': [undefined, goSource('1-closure-capture.go')] });
  expect((await deliver('pull_request', pullRequestPayload('opened'))).status).toBe(200);
  await waitForRuns(1);

  const samples = await scrape();
  expect(value(samples, 'racecheck_webhooks_received_total', { event: 'pull_request', action: 'opened' })).toBe(1);
  expect(value(samples, 'racecheck_runs_total', { outcome: 'failure' })).toBe(1);
  // Every finding in scope was posted as a comment on this first review.
  const closureWrites = fake.reviewComments.filter((c) => c.body.includes('closure-write')).length;
  expect(closureWrites).toBeGreaterThan(0);
  expect(value(samples, 'racecheck_findings_total', { rule: 'closure-write' })).toBe(closureWrites);
  expect(samples.filter((s) => s.name === 'racecheck_findings_total').reduce((n, s) => n + s.value, 0)).toBe(outcomes[0]!.posted);
  expect(value(samples, 'racecheck_run_duration_seconds_count')).toBe(1);
  expect(value(samples, 'racecheck_run_duration_seconds_bucket', { le: '+Inf' })).toBe(1);
  expect(value(samples, 'racecheck_run_duration_seconds_sum')).toBeGreaterThan(0);
  // The fake answered every request, so apart from the missing config files nothing failed.
  expect(samples.filter((s) => s.name === 'racecheck_github_api_errors_total' && s.labels.status !== '404')).toEqual([]);
});

test('a failed GitHub request is counted by status, and the run by its outcome', async () => {
  fake.setPull(8, HEAD, { 'run.go': [undefined, goSource('1-closure-capture.go')] });
  // 422 is never retried, so exactly one request fails.
  fake.fail('GET', /\/pulls\/8\/files$/, 422, 'Injected');
  expect((await deliver('pull_request', pullRequestPayload('synchronize', HEAD, 8))).status).toBe(200);
  await waitForRuns(2);

  const samples = await scrape();
  expect(value(samples, 'racecheck_webhooks_received_total', { event: 'pull_request', action: 'synchronize' })).toBe(1);
  expect(value(samples, 'racecheck_github_api_errors_total', { status: '422' })).toBe(1);
  const label = (o: RunOutcome) => (o.error ? 'error' : o.conclusion);
  expect(label(outcomes[1]!)).not.toBe('failure'); // the run did not finish its review
  for (const outcome of new Set(outcomes.map(label))) {
    expect(value(samples, 'racecheck_runs_total', { outcome })).toBe(outcomes.filter((o) => label(o) === outcome).length);
  }
  expect(value(samples, 'racecheck_run_duration_seconds_count')).toBe(2);
});

test('each Metrics instance has its own registry', async () => {
  const a = new Metrics();
  const b = new Metrics();
  a.webhookReceived('pull_request', 'opened');
  expect(value(parse(await a.registry.metrics()), 'racecheck_webhooks_received_total', { event: 'pull_request', action: 'opened' })).toBe(1);
  expect(value(parse(await b.registry.metrics()), 'racecheck_webhooks_received_total', { event: 'pull_request', action: 'opened' })).toBeUndefined();
});
