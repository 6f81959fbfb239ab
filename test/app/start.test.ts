/** `npm start` (dist/app/start.js): startup mistakes a new user makes end in one clear line, not a stack trace. */
import { spawnSync } from 'node:child_process';
import { requireBuild, repoRoot } from '../../src/app/testing/app-process.js';
import { privateKey } from './helpers.js';

beforeAll(() => requireBuild());

function start(env: Record<string, string>) {
  const run = spawnSync(process.execPath, ['dist/app/start.js'], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH ?? '', ...env } });
  return { code: run.status, stderr: run.stderr, stdout: run.stdout };
}

function expectOneLine(run: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^racecheck: [^\n]+\n$/);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
}

test('NODE_ENV=production without APP_ID', () => {
  expectOneLine(start({ NODE_ENV: 'production' }), /App ID is missing.*APP_ID/);
});

test('a role that needs Redis without REDIS_URL, and a bad setting', () => {
  const env = { APP_ID: '1', PRIVATE_KEY: privateKey(), WEBHOOK_SECRET: 's', NODE_ENV: 'production' };
  expectOneLine(start({ ...env, RACECHECK_ROLE: 'worker' }), /RACECHECK_ROLE=worker needs REDIS_URL/);
  expectOneLine(start({ ...env, RACECHECK_GITHUB_TIMEOUT_S: 'soon' }), /RACECHECK_GITHUB_TIMEOUT_S must be a positive number of seconds/);
});
