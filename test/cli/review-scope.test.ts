/** The CLI reviewing a change: --scope, what each scope shows, head-only files, the JSON fields. */
import { diffOf } from '../fixtures/harness.js';
import { cli, makeTree, removeTrees } from './helpers.js';

afterAll(removeTrees);

interface Reviewed {
  findings: { rule: string; file: string; line: number; origin?: string; anchorLine?: number; message: string }[];
}

const LOCKED = `package store

import "sync"

type Store struct {
	mu    sync.Mutex
	items map[string]int
}

func (s *Store) Get(k string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.items[k]
}

func (s *Store) Set(k string, v int) {
	s.mu.Lock()
	s.items[k] = v
	s.mu.Unlock()
}
`;
const UNLOCKED = LOCKED.replace('\ts.mu.Lock()\n\ts.items[k] = v\n\ts.mu.Unlock()\n', '\ts.items[k] = v\n');

const RACY = `package svc

import "sync"

func work() error { return nil }
func note()       {}

func Run() error {
	var err error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err = work()
	}()
	err = work()
	wg.Wait()
	return err
}
`;
const TOUCHED = RACY.replace('\twg.Wait()\n\treturn err', '\twg.Wait()\n\tnote()\n\treturn err');

function tree(path: string, base: string, head: string): string {
  return makeTree({ [path]: head, 'change.diff': diffOf(path, base, head), 'go.mod': 'module example.com/x\n\ngo 1.22\n' });
}

test('a diff that only deletes a Lock/Unlock pair reports the unguarded access, introduced, anchored on it', async () => {
  const root = tree('store/store.go', LOCKED, UNLOCKED);
  const run = await cli(['--diff', 'change.diff', '--format', 'json'], root);
  expect(run.code).toBe(1);
  const { findings } = JSON.parse(run.stdout) as Reviewed;
  const line = UNLOCKED.split('\n').indexOf('\ts.items[k] = v') + 1;
  expect(findings).toEqual([expect.objectContaining({ rule: 'removed-sync', file: 'store/store.go', line, origin: 'introduced', anchorLine: line })]);
  expect(findings[0]!.message).toContain('removes `s.mu.Lock()` (was line 17)');
});

test('a pre-existing race in a touched function: hidden by default, shown with --scope touched and --scope all', async () => {
  const root = tree('svc/run.go', RACY, TOUCHED);
  const introduced = await cli(['--diff', 'change.diff', '--format', 'json'], root);
  expect(introduced.code).toBe(0);
  expect((JSON.parse(introduced.stdout) as Reviewed).findings).toEqual([]);
  const touched = JSON.parse((await cli(['--diff', 'change.diff', '--scope', 'touched', '--format', 'json'], root)).stdout) as Reviewed;
  expect(touched.findings.length).toBeGreaterThan(0);
  expect(touched.findings.every((f) => f.origin === 'pre-existing' && f.message.includes('already on the base branch'))).toBe(true);
  const all = JSON.parse((await cli(['--diff', 'change.diff', '--all', '--format', 'json'], root)).stdout) as Reviewed;
  expect(all.findings.length).toBeGreaterThanOrEqual(touched.findings.length);
});

test('a patch that does not match the file is reviewed head-only, with a warning', async () => {
  const root = makeTree({ 'svc/run.go': TOUCHED.replace('\tnote()\n', '\tnote() // edited since\n'), 'change.diff': diffOf('svc/run.go', RACY, TOUCHED) });
  const run = await cli(['--diff', 'change.diff'], root);
  expect(run.stderr).toMatch(/^racecheck: warning: svc\/run\.go: reviewed without its base version \(the patch does not reverse onto the head/m);
});

test.each([
  [['--diff', 'change.diff', '--scope', 'everything'], /unknown --scope 'everything' \(expected introduced, touched, all\)/],
  [['--diff', 'change.diff', '--scope', 'touched', '--all'], /--all means --scope all; it cannot be combined with --scope touched/],
  [['--scope', 'touched', '.'], /--scope only applies to --diff and --base/],
])('racecheck %j is a one-line usage error', async (argv, message) => {
  const root = tree('svc/run.go', RACY, TOUCHED);
  const run = await cli(argv, root);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
});
