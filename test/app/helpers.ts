/** Shared setup for the App tests: a FakeGitHub behind nock, a Probot instance, and webhook payloads from fixtures. */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { Probot, ProbotOctokit } from 'probot';
import { createApp, type AppOptions } from '../../src/app/index.js';
import type { RunOutcome } from '../../src/app/run.js';
import { RunQueue } from '../../src/app/queue.js';
import { FakeGitHub } from '../../src/app/testing/fake-github.js';

export const API = 'https://api.github.com';
export const HEAD = '1111111111111111111111111111111111111111';
export const GO_MOD = 'module example.com/service\n\ngo 1.22\n';

let cachedKey: string | undefined;
/** A throwaway RSA key per test run; Probot signs its app JWT with it. */
export function privateKey(): string {
  cachedKey ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return cachedKey;
}

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** A Go program from the seed article's reproducers (test/seed), as a pull request would carry it. */
export function goSource(name: string): string {
  return readFileSync(new URL(`../seed/${name}`, import.meta.url), 'utf8');
}

/** Sends every api.github.com request nock sees to the fake, so Octokit's real fetch path is exercised. */
export function routeNockTo(fake: FakeGitHub): void {
  nock.disableNetConnect();
  const scope = nock(API).persist();
  for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
    scope.intercept(() => true, method).reply(function (uri, body) {
      const url = new URL(uri, API);
      const parsed = typeof body === 'string' ? (body ? JSON.parse(body) : undefined) : body;
      const headers = Object.fromEntries(Object.entries(this.req.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const res = fake.handle({ method, path: url.pathname, query: url.searchParams, headers, body: parsed }, API);
      return [res.status, typeof res.body === 'string' ? res.body : JSON.stringify(res.body), res.headers];
    });
  }
}

export interface Harness {
  fake: FakeGitHub;
  probot: Probot;
  outcomes: RunOutcome[];
  /** Log records at warn and above, parsed. */
  logs: Record<string, unknown>[];
  queue: RunQueue;
  /** Delivers an event and waits for the runs it queued (the handler itself returns at once). */
  send(name: string, payload: unknown): Promise<void>;
}

/** `throttle: true` keeps Probot's throttling plugin on (its 1 s spacing of writes), as in production. */
export async function setup(appOptions: AppOptions = {}, harness: { throttle?: boolean } = {}): Promise<Harness> {
  const fake = new FakeGitHub('octo-org', 'service');
  routeNockTo(fake);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const probot = new Probot({
    appId: 123,
    privateKey: privateKey(),
    log: pino({ level: 'warn' }, sink),
    // Retries stay on (as in production) but without back-off delays. Throttling's 1 s spacing of writes
    // is off here to keep tests fast; the end-to-end test and the bench run with it on.
    Octokit: ProbotOctokit.defaults((options: any) => ({
      ...options,
      retry: { retries: 2, retryAfterBaseValue: 0 },
      throttle: { ...options.throttle, enabled: harness.throttle === true },
    })),
  });
  const outcomes: RunOutcome[] = [];
  const queue = appOptions.queue ?? new RunQueue();
  await probot.load(createApp({ docsBaseUrl: 'https://docs.example/racecheck/', ...appOptions, queue, onRunComplete: (o) => outcomes.push(o) }));
  let delivery = 0;
  return {
    fake,
    probot,
    outcomes,
    logs,
    queue,
    send: async (name, payload) => {
      await probot.receive({ id: `delivery-${++delivery}`, name: name as any, payload: payload as any });
      await queue.idle();
    },
  };
}

export function teardown(): void {
  nock.cleanAll();
  nock.enableNetConnect();
}

/** The pull_request fixture with its action, number and head sha replaced. */
export function pullRequestPayload(action: string, headSha = HEAD, number = 7): any {
  const payload = fixture('pull_request.opened.json');
  payload.action = action;
  payload.number = number;
  payload.pull_request.number = number;
  payload.pull_request.head.sha = headSha;
  return payload;
}

export function commentPayload(body: string, commenter = 'alice', prAuthor = 'alice'): any {
  const payload = fixture('issue_comment.created.json');
  payload.comment.body = body;
  payload.comment.user.login = commenter;
  payload.sender.login = commenter;
  payload.issue.user.login = prAuthor;
  return payload;
}
