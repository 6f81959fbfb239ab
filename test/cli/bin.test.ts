/** The installed entry point: bin/racecheck.js running the compiled dist/cli/main.js as a real process. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLEAN_GO, RACY_GO, makeTree, newFileDiff, removeTrees } from './helpers.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bin = repoRoot + 'bin/racecheck.js';

beforeAll(() => {
  // CI builds dist in `npm ci` (prepare); locally build once if it is missing.
  if (!existsSync(repoRoot + 'dist/cli/main.js')) {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'ignore' });
  }
  expect(existsSync(repoRoot + 'dist/cli/main.js')).toBe(true);
}, 180_000);

afterAll(removeTrees);

function racecheck(args: string[], cwd: string, input?: string) {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('exits 1 and prints findings for a racy tree', () => {
  const root = makeTree({ 'go.mod': 'module m\n\ngo 1.22\n', 'racy.go': RACY_GO, 'clean.go': CLEAN_GO });
  const run = racecheck([], root);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^racy\.go:13:3: \[closure-write\] /m);
  expect(run.stdout).toMatch(/^racecheck: 2 findings \(closure-write 2\) in 2 files/m);
});

test('reads a diff from stdin and exits 0 when the added lines are clean', () => {
  const root = makeTree({ 'clean.go': CLEAN_GO });
  const run = racecheck(['--diff', '-', '--format', 'json'], root, newFileDiff('clean.go', CLEAN_GO));
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual({ findings: [], suppressed: {}, files: 1, fixes: { offered: 0, verified: 0, dropped: [] }, syntaxErrors: [], ignoreProblems: [] });
});

test('an unknown flag exits 2 with one line on stderr', () => {
  const run = racecheck(['--frobnicate'], makeTree({}));
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe('racecheck: unknown option --frobnicate (see racecheck --help)\n');
});
