/** Redeliveries and pushes that arrive while a run is going: nothing duplicated, nothing stale. */
import type { AnalyzeOptions, Finding, SourceFile } from '../../src/engine/index.js';
import { HEAD, pullRequestPayload, setup, teardown, type Harness } from './helpers.js';

afterEach(teardown);

const OLD = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const NEW = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const NEWEST = 'cccccccccccccccccccccccccccccccccccccccc';
const BASE = 'package main\n\nfunc Foo() {}\n';

/** Flags lines containing RACE; waits for `release()` on files whose content contains `HOLD`. */
function gatedAnalyzer() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const held = new Promise<void>((resolve) => (entered = resolve));
  const analyzer = async (files: SourceFile[], _options: AnalyzeOptions) => {
    if (files.some((f) => f.content.includes('HOLD'))) {
      entered();
      await gate;
    }
    const findings: Finding[] = [];
    for (const f of files) {
      f.content.split('\n').forEach((text, i) => {
        if (text.includes('RACE')) findings.push({ rule: 'closure-write', file: f.path, line: i + 1, column: 2, endLine: i + 1, endColumn: 6, severity: 'error', message: `race on line ${i + 1}`, related: [] });
      });
    }
    return { findings, suppressed: {}, files: files.map((f) => ({ file: f.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false })) };
  };
  return { analyzer, release, held };
}

function push(h: Harness, sha: string, extra: string): void {
  h.fake.setPull(7, sha, { 'a.go': [BASE, `${BASE}\nfunc A() {\n\tx = 1 // RACE ${extra}\n}\n`] });
}

function receive(h: Harness, id: string, payload: unknown): Promise<void> {
  return h.probot.receive({ id, name: 'pull_request', payload: payload as any });
}

test('the same delivery twice posts each comment once', async () => {
  const { analyzer, release } = gatedAnalyzer();
  release();
  const h = await setup({ analyzer });
  push(h, HEAD, '');
  const payload = pullRequestPayload('opened');
  await Promise.all([receive(h, 'same-id', payload), receive(h, 'same-id', payload)]);
  await h.queue.idle();
  expect(h.fake.reviews).toHaveLength(1);
  expect(h.fake.reviewComments).toHaveLength(1);
  expect([...h.fake.checkRuns.values()].map((r) => r.conclusion)).toEqual(['failure', 'failure']);
  expect(h.fake.checkRun()!.output!.summary).toContain('0 new, 1 already posted');
});

test('a push during a run supersedes it: no review for the old head, its check completed as superseded', async () => {
  const { analyzer, release, held } = gatedAnalyzer();
  const h = await setup({ analyzer });
  push(h, OLD, 'HOLD');
  await receive(h, 'd1', pullRequestPayload('synchronize', OLD));
  await held; // the run for OLD is mid-analysis
  push(h, NEW, 'new');
  await receive(h, 'd2', pullRequestPayload('synchronize', NEW));
  release();
  await h.queue.idle();

  const runs = [...h.fake.checkRuns.values()];
  expect(runs.map((r) => r.head_sha)).toEqual([OLD, NEW]);
  const [old, current] = runs;
  expect(old).toMatchObject({ status: 'completed', conclusion: 'neutral' });
  expect(old!.output!.title).toBe(`Superseded by ${NEW.slice(0, 7)}`);
  expect(old!.output!.summary).toContain(`Superseded by ${NEW}`);
  expect(current).toMatchObject({ status: 'completed', conclusion: 'failure' });
  // Only the newest head is reviewed, and the review is pinned to it.
  expect(h.fake.reviews.map((r) => r.commit_id)).toEqual([NEW]);
  expect(h.fake.reviewComments.every((c) => c.commit_id === NEW)).toBe(true);
  expect(h.outcomes.map((o) => o.superseded)).toEqual([NEW, undefined]);
});

test('a queued run whose head was overtaken completes its check at once without analyzing', async () => {
  const { analyzer, release, held } = gatedAnalyzer();
  const h = await setup({ analyzer });
  push(h, OLD, 'HOLD');
  await receive(h, 'd1', pullRequestPayload('synchronize', OLD));
  await held;
  // NEW queues behind OLD, then NEWEST arrives before NEW starts.
  push(h, NEW, 'new');
  await receive(h, 'd2', pullRequestPayload('synchronize', NEW));
  push(h, NEWEST, 'newest');
  await receive(h, 'd3', pullRequestPayload('synchronize', NEWEST));
  release();
  await h.queue.idle();

  const byHead = new Map([...h.fake.checkRuns.values()].map((r) => [r.head_sha, r]));
  expect([...byHead.keys()].sort()).toEqual([OLD, NEW, NEWEST].sort());
  expect(byHead.get(OLD)!.output!.summary).toContain(`Superseded by ${NEWEST}`);
  // Created already completed: a single request, never in progress.
  expect(byHead.get(NEW)!.history).toHaveLength(1);
  expect(byHead.get(NEW)!.history[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
  expect(byHead.get(NEW)!.output!.summary).toContain(`Superseded by ${NEWEST}`);
  expect(byHead.get(NEWEST)!.conclusion).toBe('failure');
  expect(h.fake.reviews.map((r) => r.commit_id)).toEqual([NEWEST]);
  for (const run of h.fake.checkRuns.values()) expect(run.history.at(-1)).toMatchObject({ status: 'completed' });
  // NEW's files were never fetched.
  expect(h.fake.graphqlQueries.flat().some((e) => e.startsWith(NEW))).toBe(false);
});

test('review comments and check runs are tied to the analyzed head, not the one GitHub has moved to since', async () => {
  const { analyzer, release } = gatedAnalyzer();
  release();
  const h = await setup({ analyzer });
  push(h, OLD, '');
  // The pull request already moved on, but no event for the new head has arrived: review what was asked.
  await h.send('pull_request', pullRequestPayload('synchronize', OLD));
  expect(h.fake.checkRun()!.head_sha).toBe(OLD);
  expect(h.fake.reviews.map((r) => r.commit_id)).toEqual([OLD]);
  expect(h.fake.graphqlQueries.flat().every((e) => e.startsWith(`${OLD}:`))).toBe(true);
});
