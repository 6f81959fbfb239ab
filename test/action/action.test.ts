/**
 * The GitHub Action end to end: a recorded pull_request event, a real git checkout with the seed race
 * (two errgroup closures assigning the outer `err`), and a fake GitHub API on 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { runAction, exitStatus, readInputs } from '../../src/action/main.js';
import { MAX_REVIEW_COMMENTS, postReview } from '../../src/action/review.js';
import type { Env } from '../../src/action/main.js';
import type { Finding, Severity } from '../../src/engine/index.js';
import { sarifSchemaErrors } from '../cli/sarif-schema.js';

const seed = (name: string) => readFileSync(new URL(`../seed/${name}`, import.meta.url), 'utf8');
const BASE_GO = seed('1-closure-capture.fixed.go');
const HEAD_GO = seed('1-closure-capture.go');
/** `err = Baz()` in the first wg.Go closure. */
const RACY_LINE = HEAD_GO.split('\n').indexOf('\t\terr = Baz()') + 1;

const made: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'racecheck-action-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=gopher', '-c', 'user.email=gopher@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();
}

interface Repo {
  dir: string;
  baseSha: string;
  headSha: string;
}

/** main has the fixed seed; the pull request's branch makes it racy. */
function makeRepo(base = BASE_GO, head = HEAD_GO): Repo {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'go.mod'), 'module example.com/payments\n\ngo 1.22\n');
  writeFileSync(join(dir, 'run.go'), base);
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'base');
  const baseSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-q', '-b', 'concurrent-run');
  writeFileSync(join(dir, 'run.go'), head);
  git(dir, 'commit', '-q', '-am', 'run Baz and Bar concurrently');
  return { dir, baseSha, headSha: git(dir, 'rev-parse', 'HEAD') };
}

/** The recorded event with this repository's commits in it. */
function writeEvent(repo: Repo, dir = tempDir()): string {
  const event = JSON.parse(readFileSync(new URL('./fixtures/pull_request.synchronize.json', import.meta.url), 'utf8')) as {
    after: string;
    pull_request: { base: { sha: string }; head: { sha: string } };
  };
  event.after = repo.headSha;
  event.pull_request.base.sha = repo.baseSha;
  event.pull_request.head.sha = repo.headSha;
  const path = join(dir, 'event.json');
  writeFileSync(path, JSON.stringify(event));
  return path;
}

interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** A GitHub API stand-in: review comments to list, and a status for creating a review. */
class FakeGitHub {
  requests: Recorded[] = [];
  existingComments: { path: string; body: string }[] = [];
  reviewStatus = 200;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        const path = req.url ?? '';
        this.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body: text ? JSON.parse(text) : undefined });
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.method === 'GET' && path.startsWith('/repos/octo-org/payments/pulls/42/comments')) return send(200, this.existingComments);
        if (req.method === 'POST' && path === '/repos/octo-org/payments/pulls/42/reviews') {
          if (this.reviewStatus === 403) {
            return send(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' });
          }
          if (this.reviewStatus !== 200) return send(this.reviewStatus, { message: 'Server Error' });
          return send(200, { id: 80, state: 'COMMENTED' });
        }
        send(404, { message: 'Not Found' });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  reviews(): Recorded[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/reviews'));
  }
}

let github: FakeGitHub;
let apiUrl: string;
beforeEach(async () => {
  github = new FakeGitHub();
  apiUrl = await github.start();
});
afterEach(() => github.stop());

interface ActionRun {
  code: number;
  stdout: string;
  outputs: string;
}

async function action(repo: Repo, inputs: Record<string, string>, extraEnv: Env = {}): Promise<ActionRun> {
  const outputFile = join(tempDir(), 'github_output');
  writeFileSync(outputFile, '');
  const env: Env = {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: writeEvent(repo),
    GITHUB_WORKSPACE: repo.dir,
    GITHUB_REPOSITORY: 'octo-org/payments',
    GITHUB_API_URL: apiUrl,
    GITHUB_OUTPUT: outputFile,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replace(/-/g, '_')}`, v])),
    ...extraEnv,
  };
  let stdout = '';
  const code = await runAction(env, { stdout: { write: (s: string) => (stdout += s) } });
  return { code, stdout, outputs: readFileSync(outputFile, 'utf8') };
}

interface SarifLog {
  runs: {
    tool: { driver: { name: string } };
    results: {
      ruleId: string;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
      partialFingerprints: Record<string, string>;
    }[];
  }[];
}

describe('mode: sarif', () => {
  test('writes a valid SARIF file with the race on the pull request line, and calls no API', async () => {
    const repo = makeRepo();
    const run = await action(repo, { mode: 'sarif', 'sarif-file': 'out/racecheck.sarif', 'github-token': 'ghs_test' });
    expect(run.code).toBe(1);
    const sarifPath = join(repo.dir, 'out/racecheck.sarif');
    const log = JSON.parse(readFileSync(sarifPath, 'utf8')) as SarifLog;
    expect(sarifSchemaErrors(log)).toEqual([]);
    const results = log.runs[0]!.results;
    expect(results.length).toBeGreaterThan(0);
    expect(results[0]).toMatchObject({
      ruleId: 'closure-write',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'run.go' }, region: { startLine: RACY_LINE } } }],
    });
    expect(results[0]!.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]{16}:1$/);
    expect(run.outputs).toContain(`findings=${results.length}\n`);
    expect(run.outputs).toContain(`sarif-file=${sarifPath}\n`);
    expect(run.stdout).toMatch(/^racecheck: \d+ findings? \(closure-write \d+\) in 1 file/m);
    expect(run.stdout).not.toContain('::error');
    expect(github.requests).toEqual([]);
  });

  test('describes the checked-out merge commit, whose lines differ from head when main moved on', async () => {
    const repo = makeRepo();
    // main gains lines above the race after the branch was cut; checkout's merge commit shifts it down.
    git(repo.dir, 'checkout', '-q', 'main');
    writeFileSync(join(repo.dir, 'run.go'), BASE_GO.replace('package main\n', 'package main\n\n// Package main runs things.\n'));
    git(repo.dir, 'commit', '-q', '-am', 'doc comment');
    const baseSha = git(repo.dir, 'rev-parse', 'HEAD');
    git(repo.dir, 'checkout', '-q', '--detach', baseSha);
    git(repo.dir, 'merge', '-q', '--no-ff', '-m', 'Merge head into base', repo.headSha);
    const run = await action({ ...repo, baseSha }, { mode: 'sarif' });
    const log = JSON.parse(readFileSync(join(repo.dir, 'racecheck.sarif'), 'utf8')) as SarifLog;
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.startLine).toBe(RACY_LINE + 2);
    expect(run.code).toBe(1);
  });

  test('fail-on never passes with findings; a clean pull request passes and writes an empty result list', async () => {
    const repo = makeRepo();
    expect((await action(repo, { mode: 'sarif', 'fail-on': 'never' })).code).toBe(0);
    const clean = makeRepo();
    git(clean.dir, 'checkout', '-q', 'main');
    const run = await action({ ...clean, headSha: clean.baseSha }, { mode: 'sarif' });
    expect(run.code).toBe(0);
    const log = JSON.parse(readFileSync(join(clean.dir, 'racecheck.sarif'), 'utf8')) as SarifLog;
    expect(log.runs[0]!.results).toEqual([]);
  });
});

describe('mode: review', () => {
  test('prints annotations and posts one COMMENT review with the inline comment and suggestion', async () => {
    const repo = makeRepo();
    const run = await action(repo, { mode: 'review', 'github-token': 'ghs_test' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^::error file=run\\.go,line=${RACY_LINE},col=\\d+,.*title=racecheck closure-write::`, 'm'));
    const reviews = github.reviews();
    expect(reviews).toHaveLength(1);
    expect(reviews[0]!.authorization).toBe('token ghs_test');
    const body = reviews[0]!.body as { commit_id: string; event: string; comments: { path: string; line: number; side: string; body: string }[] };
    expect(body.commit_id).toBe(repo.headSha);
    expect(body.event).toBe('COMMENT');
    const comment = body.comments.find((c) => c.line === RACY_LINE)!;
    expect(comment).toMatchObject({ path: 'run.go', side: 'RIGHT' });
    expect(comment.body).toContain('```suggestion\n\t\terr := Baz()\n```');
    expect(comment.body).toContain('](https://github.com/racecheck/racecheck/blob/main/docs/rules/closure-write.md)');
    expect(run.stdout).toMatch(/posted a review with \d+ inline comments?/);
  });

  test('a re-run does not repeat comments already on the pull request', async () => {
    const repo = makeRepo();
    await action(repo, { mode: 'review', 'github-token': 'ghs_test' });
    const posted = (github.reviews()[0]!.body as { comments: { path: string; body: string }[] }).comments;
    github.existingComments = posted.map((c) => ({ path: c.path, body: c.body }));
    const rerun = await action(repo, { mode: 'review', 'github-token': 'ghs_test' });
    expect(github.reviews()).toHaveLength(1);
    expect(rerun.stdout).toContain('already commented');
    expect(rerun.code).toBe(1);
  });

  test('a 403 on the review falls back to annotations, exiting per fail-on', async () => {
    const repo = makeRepo();
    github.reviewStatus = 403;
    const run = await action(repo, { mode: 'review', 'github-token': 'ghs_readonly', 'fail-on': 'error' });
    expect(github.reviews()).toHaveLength(1);
    expect(run.stdout).toMatch(/^::notice::racecheck could not post a review \(403: Resource not accessible by integration/m);
    expect(run.stdout).toMatch(/^::error file=run\.go,line=/m);
    expect(run.code).toBe(1);
    const lenient = await action(repo, { mode: 'review', 'github-token': 'ghs_readonly', 'fail-on': 'never' });
    expect(lenient.stdout).toContain('::notice::racecheck could not post a review');
    expect(lenient.code).toBe(0);
  });

  test('any other review failure is a warning; the annotations and exit status stand', async () => {
    const repo = makeRepo();
    github.reviewStatus = 500;
    const run = await action(repo, { mode: 'review', 'github-token': 'ghs_test' });
    expect(run.stdout).toMatch(/^::error file=run\.go,line=/m);
    expect(run.stdout).toMatch(/^::warning::racecheck could not post a review: Server Error/m);
    expect(run.code).toBe(1);
  });
});

describe('postReview', () => {
  test(`comments on at most ${MAX_REVIEW_COMMENTS} findings and says the rest are annotations`, async () => {
    const pr = { owner: 'octo-org', repo: 'payments', number: 42, baseSha: 'a'.repeat(40), headSha: 'b'.repeat(40) };
    const findings: Finding[] = Array.from({ length: MAX_REVIEW_COMMENTS + 7 }, (_, i) => ({
      rule: 'closure-write', file: 'big.go', line: i + 1, column: 2, endLine: i + 1, endColumn: 5, severity: 'error', message: `race ${i}`, related: [],
    }));
    const fingerprints = findings.map((_, i) => `${'c'.repeat(16)}:${i + 1}`);
    const octokit = new Octokit({ auth: 'ghs_test', baseUrl: apiUrl });
    const outcome = await postReview(octokit, pr, findings, fingerprints, 'https://example.com/');
    expect(outcome).toEqual({ posted: MAX_REVIEW_COMMENTS, skipped: 0, omitted: 7 });
    const body = github.reviews()[0]!.body as { body: string; comments: unknown[] };
    expect(body.comments).toHaveLength(MAX_REVIEW_COMMENTS);
    expect(body.body).toContain(`found ${MAX_REVIEW_COMMENTS + 7} possible data races`);
    expect(body.body).toContain('all are in the workflow run\'s annotations');
  });
});

describe('runs that cannot review', () => {
  test('a shallow checkout without the base commit fails with how to fix it', async () => {
    const repo = makeRepo();
    const run = await action({ ...repo, baseSha: 'f'.repeat(40) }, { mode: 'sarif' });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^::error::racecheck: the base commit f{40} is not in the checkout; use actions\/checkout with fetch-depth: 0/m);
  });

  test('a push event writes an empty SARIF log so the upload step still succeeds', async () => {
    const repo = makeRepo();
    const pushEvent = join(tempDir(), 'push.json');
    writeFileSync(pushEvent, JSON.stringify({ ref: 'refs/heads/main', after: repo.headSha, repository: { full_name: 'octo-org/payments' } }));
    const run = await action(repo, { mode: 'sarif' }, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: pushEvent });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('::notice::racecheck reviews pull requests; the push event has none');
    const log = JSON.parse(readFileSync(join(repo.dir, 'racecheck.sarif'), 'utf8')) as SarifLog;
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.runs[0]!.results).toEqual([]);
  });

  test('input path limits the review to files under it', async () => {
    const repo = makeRepo();
    const outside = await action(repo, { mode: 'review', path: 'internal' });
    expect(outside.stdout).toMatch(/^racecheck: no findings in 0 files/m);
    expect(outside.code).toBe(0);
    const inside = await action(repo, { mode: 'review', path: 'run.go' });
    expect(inside.code).toBe(1);
    const escaping = await action(repo, { mode: 'review', path: '../elsewhere' });
    expect(escaping.code).toBe(2);
    expect(escaping.stdout).toMatch(/^::error::racecheck: input path \.\.\/elsewhere is outside the repository/m);
  });

  test("input models teaches it the repository's own APIs; a bad model file is an input error", async () => {
    const pooled = (body: string) => `package payments

import "example.com/acme/workers"

func Total(p *workers.Pool, xs []int) int {
	total := 0
${body}	p.Wait()
	return total
}
`;
    const repo = makeRepo(pooled(''), pooled('\tfor _, x := range xs {\n\t\tp.Submit(func() { total += x })\n\t}\n'));
    writeFileSync(join(repo.dir, 'models.json'), JSON.stringify({ models: [{ func: 'example.com/acme/workers.Pool.Submit', callbacks: { '0': 'concurrent' } }] }));
    writeFileSync(join(repo.dir, 'bad-models.json'), JSON.stringify({ models: [{ func: 'example.com/acme/workers.Pool.Submit', callbacks: { '0': 'later' } }] }));
    const sarif = () => (JSON.parse(readFileSync(join(repo.dir, 'racecheck.sarif'), 'utf8')) as SarifLog).runs[0]!.results.map((r) => r.ruleId);
    const without = await action(repo, { mode: 'sarif' });
    expect(without.code).toBe(0);
    expect(sarif()).toEqual([]);
    const withModels = await action(repo, { mode: 'sarif', models: 'models.json' });
    expect(withModels.code).toBe(1);
    expect(sarif()).toEqual(['closure-write']);
    const bad = await action(repo, { mode: 'sarif', models: 'models.json, bad-models.json' });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/^::error::racecheck: input models: .*bad-models\.json: bad model: models\.0\.callbacks\.0 must be one of/);
  });

  test('bad inputs are reported, not thrown', async () => {
    const repo = makeRepo();
    const run = await action(repo, { mode: 'comment' });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('::error::racecheck: input mode must be sarif or review (got comment)\n');
    expect(existsSync(join(repo.dir, 'racecheck.sarif'))).toBe(false);
  });
});

describe('inputs and exit status', () => {
  test('defaults match action.yml', () => {
    expect(readInputs({})).toEqual({ mode: 'sarif', token: undefined, sarifFile: 'racecheck.sarif', failOn: 'error', workingDirectory: '.', path: '.', models: [] });
    const action = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8');
    for (const [input, value] of [['mode', 'sarif'], ['sarif-file', 'racecheck.sarif'], ['fail-on', 'error']]) {
      expect(action).toMatch(new RegExp(`\\n  ${input}:\\n(?:    .*\\n)*?    default: ['"]?${value}['"]?\\n`));
    }
  });

  test('fail-on compares severities', () => {
    const finding = (severity: Severity): Finding => ({ rule: 'r', file: 'f.go', line: 1, column: 1, endLine: 1, endColumn: 2, severity, message: 'm', related: [] });
    expect(exitStatus([finding('warning')], 'error')).toBe(0);
    expect(exitStatus([finding('warning')], 'warning')).toBe(1);
    expect(exitStatus([finding('info')], 'warning')).toBe(0);
    expect(exitStatus([finding('error')], 'never')).toBe(0);
  });
});
