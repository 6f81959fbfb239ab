/** .github/racecheck.yml: validation, org defaults and _extends, and what a bad file does to the check. */
import { parseConfig } from '../../src/app/config.js';
import { GO_MOD, HEAD, goSource, pullRequestPayload, setup, teardown, type Harness } from './helpers.js';

afterEach(teardown);

let h: Harness;
beforeEach(async () => {
  h = await setup();
  h.fake.setFile(HEAD, 'go.mod', GO_MOD);
  h.fake.setPull(7, HEAD, { 'run.go': [undefined, goSource('1-closure-capture.go')] });
});

test.each([
  ['an unknown key', 'fail_onn: never\n', '`fail_onn`'],
  ['a bad fail_on value', 'fail_on: sometimes\n', '`fail_on`'],
  ['a bad max_comments', 'max_comments: -1\n', '`max_comments`'],
  ['an unknown rule', 'rules:\n  closure-writes: off\n', '`rules.closure-writes`'],
  ['a bad rule setting', 'rules:\n  closure-write: loud\n', '`rules.closure-write`'],
  ['an ignore that is not a list', 'ignore: "*.go"\n', '`ignore`'],
  ['a glob with too many `*` in a segment (catastrophic backtracking)', 'ignore: ["*a*a*a*a*b"]\n', 'invalid value for `ignore.0` in .github/racecheck.yml: at most 2 `*` in one path segment'],
])('%s gives action_required naming the key', async (_name, yaml, key) => {
  h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', yaml);
  await h.send('pull_request', pullRequestPayload('opened'));
  const run = h.fake.checkRun()!;
  expect(run.status).toBe('completed');
  expect(run.conclusion).toBe('action_required');
  expect(run.output!.summary).toContain(key);
  expect(run.history.at(-1)).toMatchObject({ details_url: 'https://docs.example/racecheck/' });
  expect(h.fake.reviews).toHaveLength(0);
});

test('glob caps: length, count, wildcards and extended globs are refused with a clear error; ordinary globs pass', () => {
  const error = (ignore: string[]) => {
    const result = parseConfig({ ignore });
    return result.ok ? undefined : result.error;
  };
  expect(error(['*a*a*a*a*b'])).toMatch(/at most 2 `\*` in one path segment/);
  expect(error(['x'.repeat(201)])).toMatch(/at most 200 characters/);
  expect(error(Array.from({ length: 21 }, (_, i) => `dir${i}/**`))).toMatch(/invalid value for `ignore`.*at most 20 ignore globs/);
  expect(error(['**/+(a|aa)*.go'])).toMatch(/extended globs/);
  expect(error(['a*/b*/c*/d*/e*/f*/g*'])).toMatch(/at most 6 wildcards/);
  for (const ok of ['internal/legacy/**', '**/*_test.go', '**/*mock*.go', 'gen/*/*.pb.go', '**/x/**/y/**/*.go']) expect(error([ok])).toBeUndefined();
});

test('YAML that does not parse gives action_required, not a crash', async () => {
  h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'rules: [unclosed\n');
  await h.send('pull_request', pullRequestPayload('opened'));
  expect(h.fake.checkRun()!.conclusion).toBe('action_required');
  expect(h.fake.checkRun()!.output!.summary).toContain('invalid YAML');
});

test('a rule turned off, fail_on never and ignore globs take effect', async () => {
  h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'rules:\n  closure-write: off\n');
  await h.send('pull_request', pullRequestPayload('opened'));
  expect(h.fake.checkRun()!.conclusion).toBe('success');
  expect(h.fake.reviews).toHaveLength(0);

  h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'fail_on: never\n');
  await h.send('pull_request', pullRequestPayload('synchronize'));
  expect(h.fake.checkRun()!.conclusion).toBe('success');
  expect(h.fake.reviews).toHaveLength(1);

  h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'ignore: ["**/run.go"]\n');
  await h.send('pull_request', pullRequestPayload('synchronize'));
  expect(h.fake.checkRun()!.output!.summary).toContain('`run.go`: ignored by config');
});

test('the org .github repo config applies when the repo has none, and _extends is followed', async () => {
  h.fake.setDefaultBranchFile('.github', '.github/racecheck.yml', '_extends: policies\nmax_comments: 1\n');
  h.fake.setDefaultBranchFile('policies', '.github/racecheck.yml', 'fail_on: never\n');
  await h.send('pull_request', pullRequestPayload('opened'));
  expect(h.fake.reviewComments).toHaveLength(1);
  expect(h.fake.checkRun()!.conclusion).toBe('success');
});

test('severity override with fail_on warning', () => {
  const result = parseConfig({ rules: { 'closure-write': { severity: 'warning' }, 'copied-lock': false }, fail_on: 'warning' });
  expect(result).toEqual({
    ok: true,
    config: { rules: { 'closure-write': { severity: 'warning' }, 'copied-lock': { enabled: false } }, ignore: [], failOn: 'warning', maxComments: 30, scope: 'introduced', models: [] },
  });
  expect(parseConfig(null)).toMatchObject({ ok: true, config: { failOn: 'error', maxComments: 30 } });
});

/** A worker pool of the repository's own: racecheck cannot know that Submit runs its callback concurrently. */
const POOL_USER = `package service

import "example.com/service/workers"

func Total(p *workers.Pool, xs []int) int {
	total := 0
	for _, x := range xs {
		x := x
		p.Submit(func() {
			total += x
		})
	}
	p.Wait()
	return total
}
`;

describe('models of the repository\'s own APIs', () => {
  const SUBMIT_RUNS_CONCURRENTLY = 'models:\n  - { func: example.com/service/workers.Pool.Submit, callbacks: { "0": concurrent } }\n';

  test('a one-line model in .github/racecheck.yml turns the callback into concurrent code, and the race into a finding', async () => {
    h.fake.setPull(8, HEAD, { 'total.go': [undefined, POOL_USER] });

    await h.send('pull_request', pullRequestPayload('opened', HEAD, 8));
    expect(h.fake.checkRun()!.conclusion).toBe('success');
    expect(h.fake.reviewComments).toHaveLength(0);

    h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', SUBMIT_RUNS_CONCURRENTLY);
    await h.send('pull_request', pullRequestPayload('synchronize', HEAD, 8));
    expect(h.fake.checkRun()!.conclusion).toBe('failure');
    const comments = h.fake.reviewComments.filter((c: any) => c.path === 'total.go');
    expect(comments.map((c: any) => c.line)).toEqual([10]);
    expect(comments[0].body).toContain('`total`');
  });

  test.each([
    ['a callback mode that does not exist', 'models:\n  - { func: example.com/service/workers.Pool.Submit, callbacks: { "0": later } }\n', 'models.0.callbacks.0 must be one of sync, async, cleanup, concurrent, awaited, subtest, ui'],
    ['an entry that is neither a func nor a type', 'models:\n  - { function: example.com/service/workers.Pool.Submit }\n', 'models.0 needs a "func"'],
    ['a malformed name', 'models:\n  - { func: "pool Submit", callbacks: { "0": concurrent } }\n', 'models.0.func must be an import path and a name'],
  ])('%s gives action_required with a one-line error', async (_name, yaml, message) => {
    h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', yaml);
    await h.send('pull_request', pullRequestPayload('opened'));
    const run = h.fake.checkRun()!;
    expect(run.conclusion).toBe('action_required');
    expect(run.output!.summary).toContain(message);
    expect(run.output!.summary).not.toMatch(/\n\s+at /);
  });
});
