/** `npm start` (dist/app/start.js): startup mistakes a new user makes end in one clear line, not a stack trace. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

test('importing the app module starts no analysis workers; Probot loading the app starts them', () => {
  // Child processes of this process, from /proc (Linux, as CI).
  const script = `
import { readdirSync, readFileSync } from 'node:fs';
const { Probot } = await import(process.env.PROBOT_MODULE);
const children = () => readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => {
  try { return readFileSync('/proc/' + p + '/stat', 'utf8').replace(/^.*\\) /, '').split(' ')[1] === String(process.pid); } catch { return false; }
}).length;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const { createApp } = await import(process.env.APP_MODULE);
const app = createApp();
await sleep(500);
const afterImport = children();
await new Probot({ appId: 1, privateKey: process.env.KEY, secret: 'test' }).load(app);
await sleep(500);
console.log(JSON.stringify({ afterImport, afterLoad: children() }));
process.exit(0);
`;
  const scratch = mkdtempSync(join(tmpdir(), 'racecheck-start-'));
  const file = join(scratch, 'load.mjs');
  writeFileSync(file, script);
  const run = spawnSync(process.execPath, [file], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: process.env.PATH ?? '', KEY: privateKey(), RACECHECK_ANALYSIS_WORKERS: '2', LOG_LEVEL: 'fatal', APP_MODULE: pathToFileURL(join(repoRoot, 'dist/app/index.js')).href,
      PROBOT_MODULE: pathToFileURL(join(repoRoot, 'node_modules/probot/lib/index.js')).href,
    },
  });
  rmSync(scratch, { recursive: true, force: true });
  expect(run.stderr).toBe('');
  expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toEqual({ afterImport: 0, afterLoad: 2 });
});
