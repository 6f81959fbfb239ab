/**
 * The README's install path: `npm install -g` from a clone gives a `racecheck` command that works from any
 * directory (an empty one here), not only inside the project's folder as `npx racecheck` does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RACY_GO, makeTree, removeTrees } from './helpers.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let prefix: string;

beforeAll(() => {
  expect(existsSync(repoRoot + 'dist/cli/main.js')).toBe(true); // built by `npm ci` (prepare) or `npm run build`
  prefix = mkdtempSync(join(tmpdir(), 'racecheck-global-'));
  // --prefix stands for the global folder, so the test leaves the machine's own alone.
  const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, repoRoot, '--no-audit', '--no-fund', '--prefer-offline'], { encoding: 'utf8', cwd: tmpdir() });
  if (install.status !== 0) throw new Error(`npm install -g failed:\n${install.stderr}`);
}, 240_000);

afterAll(() => {
  removeTrees();
  rmSync(prefix, { recursive: true, force: true });
});

test('the installed racecheck runs from an empty directory and finds the race', () => {
  const bin = join(prefix, 'bin', 'racecheck');
  expect(existsSync(bin)).toBe(true);
  const dir = makeTree({ 'racy.go': RACY_GO });
  const version = spawnSync(bin, ['--version'], { cwd: dir, encoding: 'utf8' });
  expect(version.status).toBe(0);
  expect(version.stdout).toMatch(/^racecheck \d+\.\d+\.\d+\n$/);
  const run = spawnSync(bin, ['racy.go'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/^racy\.go:13:3: \[closure-write\] /m);
});
