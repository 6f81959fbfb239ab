/** The App reviews what a pull request introduces: base rebuilt from the patch, scope from the config. */
import { GO_MOD, HEAD, pullRequestPayload, setup, teardown, type Harness } from './helpers.js';

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
// The pull request adds one unrelated call to Run, which already had the race on err.
const TOUCHED = RACY.replace('\twg.Wait()\n\treturn err', '\twg.Wait()\n\tnote()\n\treturn err');

let h: Harness;
beforeEach(async () => {
  h = await setup();
  h.fake.setFile(HEAD, 'go.mod', GO_MOD);
});
afterEach(teardown);

test('a race already on the base branch, in a function the PR touches, is not blamed on it; the summary says so', async () => {
  h.fake.setPull(7, HEAD, { 'svc/run.go': [RACY, TOUCHED] });
  await h.send('pull_request', pullRequestPayload('opened'));
  const run = h.fake.checkRun()!;
  expect(run.conclusion).toBe('success');
  expect(h.fake.reviewComments).toHaveLength(0);
  expect(run.output?.summary).toMatch(/\*\*0 findings\*\* introduced by this change\./);
  expect(run.output?.summary).toMatch(/races? already on the base branch in functions this change touches (is|are) not reported/);
  // Still visible as annotations on the check run.
  expect((run.annotations as { path: string }[]).some((a) => a.path === 'svc/run.go')).toBe(true);
});

test('scope: touched shows it, as a comment that says it is already on the base branch', async () => {
  h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'scope: touched\n');
  h.fake.setPull(7, HEAD, { 'svc/run.go': [RACY, TOUCHED] });
  await h.send('pull_request', pullRequestPayload('opened'));
  expect(h.fake.reviewComments.length).toBeGreaterThan(0);
  for (const c of h.fake.reviewComments) expect(c.body).toContain('This race is already on the base branch');
  expect(h.fake.checkRun()!.output?.summary).toContain('in the code this change touches');
});

test('a file whose patch does not reverse onto its head is reviewed head-only, and the summary says so', async () => {
  const pull = h.fake.setPull(7, HEAD, { 'svc/run.go': [RACY, TOUCHED] });
  // A patch that no longer matches the head (as when GitHub's patch and the fetched content disagree).
  pull.files[0]!.patch = pull.files[0]!.patch!.replace('+\tnote()', '+\tnote2()');
  await h.send('pull_request', pullRequestPayload('opened'));
  expect(h.fake.checkRun()!.output?.summary).toMatch(/Reviewed without their base version[^\n]*\n- `svc\/run.go`: the patch does not reverse onto the head/);
});

test('an invalid scope in the config names the key', async () => {
  h.fake.setDefaultBranchFile('service', '.github/racecheck.yml', 'scope: everything\n');
  h.fake.setPull(7, HEAD, { 'svc/run.go': [RACY, TOUCHED] });
  await h.send('pull_request', pullRequestPayload('opened'));
  expect(h.fake.checkRun()).toMatchObject({ conclusion: 'action_required' });
  expect(h.fake.checkRun()!.output?.summary).toContain('`scope`');
});
