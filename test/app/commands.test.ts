/** `/racecheck` comments and re-run requests. */
import { parseCommand, RefusalLimiter } from '../../src/app/commands.js';
import { GO_MOD, HEAD, commentPayload, fixture, goSource, setup, teardown, type Harness } from './helpers.js';

afterEach(teardown);

const SEED = goSource('1-closure-capture.go');

let h: Harness;
beforeEach(async () => {
  h = await setup();
  h.fake.setFile(HEAD, 'go.mod', GO_MOD);
  h.fake.setPull(7, HEAD, { 'run.go': [undefined, SEED] }, 'alice');
  h.fake.setPermission('alice', 'write');
});

describe('who may run /racecheck', () => {
  test('the pull request author is honoured when they have write access', async () => {
    await h.send('issue_comment', commentPayload('/racecheck', 'alice', 'alice'));
    expect(h.fake.reactions).toEqual([{ commentId: 3001, content: 'rocket' }]);
    expect(h.fake.checkRun()?.head_sha).toBe(HEAD);
    expect(h.fake.reviews).toHaveLength(1);
  });

  test('an author without write access (a fork) is refused like anyone else', async () => {
    h.fake.setPull(7, HEAD, { 'run.go': [undefined, SEED] }, 'dave');
    await h.send('issue_comment', commentPayload('/racecheck', 'dave', 'dave'));
    expect(h.fake.reactions).toEqual([{ commentId: 3001, content: '-1' }]);
    expect(h.fake.checkRuns.size).toBe(0);
  });

  test.each(['admin', 'maintain', 'write'] as const)('a collaborator with %s access is honoured', async (permission) => {
    h.fake.setPermission('bob', permission);
    await h.send('issue_comment', commentPayload('/racecheck', 'bob'));
    expect(h.fake.reactions).toHaveLength(1);
    expect(h.fake.checkRuns.size).toBe(1);
    expect(h.fake.issueComments).toHaveLength(0);
  });

  test.each(['read', 'triage'] as const)('a collaborator with %s access gets a -1 reaction and nothing more', async (permission) => {
    h.fake.setPermission('carol', permission);
    await h.send('issue_comment', commentPayload('/racecheck', 'carol'));
    expect(h.fake.issueComments).toHaveLength(0);
    expect(h.fake.reactions).toEqual([{ commentId: 3001, content: '-1' }]);
    expect(h.fake.checkRuns.size).toBe(0);
  });

  test('a stranger flooding commands gets one reaction, no comment, and no other write', async () => {
    for (let i = 0; i < 60; i++) await h.send('issue_comment', commentPayload('/racecheck all', 'mallory'));
    expect(h.fake.issueComments).toHaveLength(0);
    expect(h.fake.reactions).toEqual([{ commentId: 3001, content: '-1' }]);
    expect(h.fake.requests.filter((r) => !r.startsWith('GET') && !r.includes('access_tokens'))).toEqual(['POST /repos/octo-org/service/issues/comments/3001/reactions']);
    expect(h.fake.checkRuns.size).toBe(0);
  });
});

test('refusals are limited per user and come back after the window', () => {
  let now = 0;
  const limiter = new RefusalLimiter(1000, () => now);
  expect(limiter.take('repo\0mallory')).toBe(true);
  expect(limiter.take('repo\0mallory')).toBe(false);
  expect(limiter.take('repo\0eve')).toBe(true);
  now = 1001;
  expect(limiter.take('repo\0mallory')).toBe(true);
});

test('/racecheck re-runs on the current head, not the one in the event', async () => {
  const newHead = '4444444444444444444444444444444444444444';
  h.fake.setFile(newHead, 'go.mod', GO_MOD);
  h.fake.setPull(7, newHead, { 'run.go': [undefined, SEED] }, 'alice');
  await h.send('issue_comment', commentPayload('please look again\n/racecheck'));
  expect(h.fake.checkRun()!.head_sha).toBe(newHead);
  expect(h.fake.reviews[0]!.commit_id).toBe(newHead);
});

test('/racecheck all reports on the whole of each changed file', async () => {
  const old = SEED;
  // Touch only a comment line: the races are outside the diff, so a plain run reports nothing.
  const changed = SEED.replace('func Foo() error { return nil }', 'func Foo() error { return nil } // changed');
  h.fake.setPull(7, HEAD, { 'run.go': [old, changed] }, 'alice');
  await h.send('issue_comment', commentPayload('/racecheck'));
  expect(h.fake.checkRun()!.conclusion).toBe('success');
  await h.send('issue_comment', commentPayload('/racecheck all'));
  const run = h.fake.checkRun()!;
  expect(run.conclusion).toBe('failure');
  expect(run.output!.summary).toContain('in the changed files');
  // Lines 21 and 29 are outside the hunk, so they are listed in the summary rather than commented.
  expect(run.output!.summary).toContain('`run.go:21` `closure-write`');
  expect(h.fake.reviews).toHaveLength(0);
});

test('/racecheck help replies with usage and runs nothing', async () => {
  await h.send('issue_comment', commentPayload('/racecheck help'));
  expect(h.fake.issueComments).toHaveLength(1);
  expect(h.fake.issueComments[0]!.body).toContain('/racecheck all');
  expect(h.fake.checkRuns.size).toBe(0);
});

test('comments without the command, on issues, or from bots are ignored', async () => {
  await h.send('issue_comment', commentPayload('looks good, ran racecheck locally'));
  const onIssue = commentPayload('/racecheck');
  delete onIssue.issue.pull_request;
  await h.send('issue_comment', onIssue);
  const fromBot = commentPayload('/racecheck', 'racecheck[bot]');
  fromBot.comment.user.type = 'Bot';
  await h.send('issue_comment', fromBot);
  expect(h.fake.requests.filter((r) => !r.includes('access_tokens'))).toEqual([]);
});

test('check_run.rerequested re-runs the pull request', async () => {
  await h.send('check_run', fixture('check_run.rerequested.json'));
  expect(h.fake.checkRun()!.head_sha).toBe(HEAD);
  expect(h.fake.reviews).toHaveLength(1);
});

test('check_suite.rerequested re-runs the pull request', async () => {
  await h.send('check_suite', fixture('check_suite.rerequested.json'));
  expect(h.fake.checkRuns.size).toBe(1);
  expect(h.fake.checkRun()!.conclusion).toBe('failure');
});

test('parseCommand', () => {
  expect(parseCommand('/racecheck')).toEqual({ kind: 'run', scope: 'diff' });
  expect(parseCommand('hi\n  /racecheck ALL  \n')).toEqual({ kind: 'run', scope: 'all' });
  expect(parseCommand('/racecheck help')).toEqual({ kind: 'help' });
  expect(parseCommand('/racecheck bogus')).toEqual({ kind: 'help' });
  expect(parseCommand('please run /racecheck')).toBeUndefined();
  expect(parseCommand('/racechecking')).toBeUndefined();
});

test('parseCommand ignores the command inside code, HTML comments and quotes', () => {
  expect(parseCommand('```\n/racecheck\n```')).toBeUndefined();
  expect(parseCommand('~~~~go\n/racecheck all\n~~~\n/racecheck\n~~~~')).toBeUndefined();
  expect(parseCommand('    /racecheck')).toBeUndefined();
  expect(parseCommand('\t/racecheck')).toBeUndefined();
  expect(parseCommand('<!-- /racecheck -->')).toBeUndefined();
  expect(parseCommand('<!--\n/racecheck\n-->')).toBeUndefined();
  expect(parseCommand('> /racecheck')).toBeUndefined();
  expect(parseCommand('> quoted\n>/racecheck all')).toBeUndefined();
  // Outside them, it still counts.
  expect(parseCommand('```\nlog\n```\n/racecheck all')).toEqual({ kind: 'run', scope: 'all' });
  expect(parseCommand('<!-- hidden -->\n/racecheck')).toEqual({ kind: 'run', scope: 'diff' });
  expect(parseCommand('> please\n\n/racecheck help')).toEqual({ kind: 'help' });
});
