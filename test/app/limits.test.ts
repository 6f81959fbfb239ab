/** Operator limits (files, findings, file size): configurable, and never silent when hit. */
import type { AnalyzeOptions, Finding, SourceFile } from '../../src/engine/index.js';
import { DEFAULT_LIMITS, limitsFromEnv } from '../../src/app/limits.js';
import { HEAD, pullRequestPayload, setup, teardown } from './helpers.js';

afterEach(teardown);

function markerAnalyzer(calls: string[]) {
  return (files: SourceFile[], _options: AnalyzeOptions) => {
    const findings: Finding[] = [];
    for (const f of files) {
      calls.push(`${f.contextOnly ? '(context) ' : ''}${f.path}`);
      f.content.split('\n').forEach((text, i) => {
        if (text.includes('RACE')) findings.push({ rule: 'closure-write', file: f.path, line: i + 1, column: 2, endLine: i + 1, endColumn: 6, severity: text.includes('WARN') ? 'warning' : 'error', message: `race on line ${i + 1}`, related: [] });
      });
    }
    return { findings, suppressed: {}, files: files.map((f) => ({ file: f.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false })) };
  };
}

const racy = (n: number, races: number, tag = '') => `package p\n\nfunc F${n}() {\n${Array.from({ length: races }, (_, i) => `\tx = ${i} // RACE ${tag}`).join('\n')}\n}\n`;

test('limits come from RACECHECK_MAX_FILE_KB, RACECHECK_MAX_FILES, RACECHECK_MAX_FINDINGS and RACECHECK_PACKAGE_KB; bad values keep the defaults', () => {
  expect(limitsFromEnv({})).toEqual(DEFAULT_LIMITS);
  expect(limitsFromEnv({ RACECHECK_MAX_FILE_KB: '256', RACECHECK_MAX_FILES: '50', RACECHECK_MAX_FINDINGS: '20', RACECHECK_PACKAGE_KB: '512' })).toEqual({
    maxFileBytes: 256 * 1024,
    maxFiles: 50,
    maxFindings: 20,
    packageBytes: 512 * 1024,
  });
  expect(limitsFromEnv({ RACECHECK_MAX_FILES: '0', RACECHECK_MAX_FINDINGS: 'lots', RACECHECK_MAX_FILE_KB: '-1', RACECHECK_PACKAGE_KB: 'x' })).toEqual(DEFAULT_LIMITS);
});

test('the file limit: only the first N Go files are analyzed, the rest listed, and the summary says which setting', async () => {
  const calls: string[] = [];
  const h = await setup({ analyzer: markerAnalyzer(calls), limits: { maxFiles: 3 } });
  const files: Record<string, [undefined, string]> = {};
  for (let i = 0; i < 5; i++) files[`f${i}.go`] = [undefined, racy(i, 0)];
  h.fake.setPull(7, HEAD, files);
  await h.send('pull_request', pullRequestPayload('opened'));
  // The files past the limit are not reviewed; they are still read as context for their package.
  expect(calls).toEqual(['f0.go', 'f1.go', 'f2.go', '(context) f3.go', '(context) f4.go']);
  const summary = h.fake.checkRun()!.output!.summary!;
  expect(summary).toContain('### Limits reached');
  expect(summary).toContain('Only the first 3 of 5 Go files were analyzed (RACECHECK_MAX_FILES=3)');
  expect(summary).toContain('`f3.go`: past the file limit');
  expect(summary).toContain('`f4.go`: past the file limit');
});

test('the findings limit: the most severe are reported, and the summary says how many were left out', async () => {
  const h = await setup({ analyzer: markerAnalyzer([]), limits: { maxFindings: 2 } });
  h.fake.setPull(7, HEAD, { 'w.go': [undefined, racy(1, 3, 'WARN')], 'e.go': [undefined, racy(2, 2)] });
  await h.send('pull_request', pullRequestPayload('opened'));
  const run = h.fake.checkRun()!;
  expect(run.output!.summary).toContain('5 findings; only the 2 most severe are reported (RACECHECK_MAX_FINDINGS=2)');
  expect(run.output!.summary).toContain('Annotations: 2 of 5 (RACECHECK_MAX_FINDINGS)');
  expect(run.annotations).toHaveLength(2);
  expect(h.fake.reviewComments.map((c) => c.path)).toEqual(['e.go', 'e.go']);
});

test('the file size limit: a larger file is skipped with its size and the setting named', async () => {
  const calls: string[] = [];
  const h = await setup({ analyzer: markerAnalyzer(calls), limits: { maxFileBytes: 2048 } });
  const big = `package big\n\n// ${'x'.repeat(4096)}\n`;
  h.fake.setPull(7, HEAD, { 'big.go': ['package big\n', big], 'new.go': [undefined, big], 'ok.go': [undefined, racy(1, 0)] });
  await h.send('pull_request', pullRequestPayload('opened'));
  expect(calls).toEqual(['ok.go']);
  const summary = h.fake.checkRun()!.output!.summary!;
  expect(summary).toContain('`big.go`: over 2 KB (4 KB; the limit is RACECHECK_MAX_FILE_KB)');
  expect(summary).toContain('`new.go`: over 2 KB');
});

test('no limit hit: no limits section', async () => {
  const h = await setup({ analyzer: markerAnalyzer([]) });
  h.fake.setPull(7, HEAD, { 'a.go': [undefined, racy(1, 1)] });
  await h.send('pull_request', pullRequestPayload('opened'));
  expect(h.fake.checkRun()!.output!.summary).not.toContain('Limits reached');
});
