/**
 * Which fixes the engine checks (AnalyzeOptions.fixes): a review can show a suggestion only on lines
 * the change added, so a review's head analysis checks only those fixes, and a base analysis none.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyze, analyzeChanges, type AnalyzeOptions, type SourceFile } from '../../src/engine/index.js';

const SOURCE = readFileSync(fileURLToPath(new URL('../seed/1-closure-capture.go', import.meta.url)), 'utf8');
const PATH = 'seed/1-closure-capture.go';

function closureWrites(file: SourceFile, fixes?: AnalyzeOptions['fixes']) {
  const result = analyze([file], { scope: 'all', goVersion: '1.22', ...(fixes ? { fixes } : {}) });
  return { findings: result.findings.filter((f) => f.rule === 'closure-write'), fixes: result.fixes! };
}

const everything = closureWrites({ path: PATH, content: SOURCE });
const fixed = everything.findings.find((f) => f.fix)!;
const fixLines = new Set(fixed.fix!.edits.flatMap((e) => Array.from({ length: e.endLine - e.startLine + 1 }, (_, i) => e.startLine + i)));

test('by default every fix is checked and offered', () => {
  expect(fixed).toBeDefined();
  expect(everything.fixes.offered).toBeGreaterThan(0);
  expect(everything.fixes.verified).toBe(everything.fixes.offered - everything.fixes.dropped.length);
});

test("'added-lines': a fix on added lines is checked and offered as before", () => {
  const { findings, fixes } = closureWrites({ path: PATH, content: SOURCE, addedLines: fixLines }, 'added-lines');
  const same = findings.find((f) => f.line === fixed.line)!;
  expect(same.fix).toEqual(fixed.fix);
  expect(fixes.offered).toBeGreaterThan(0);
});

test("'added-lines': a fix that rewrites an unchanged line is not checked, and gives its advice in words", () => {
  const elsewhere = new Set([1]);
  const { findings, fixes } = closureWrites({ path: PATH, content: SOURCE, addedLines: elsewhere }, 'added-lines');
  const same = findings.find((f) => f.line === fixed.line)!;
  expect(same.fix).toBeUndefined();
  expect(same.message).toContain(fixed.fix!.message.replace(/\.$/, ''));
  expect(fixes.offered).toBe(0);
});

test("'none': no fix is offered or checked (a base analysis)", () => {
  const { findings, fixes } = closureWrites({ path: PATH, content: SOURCE }, 'none');
  expect(findings.length).toBe(everything.findings.length);
  expect(findings.every((f) => f.fix === undefined)).toBe(true);
  expect(fixes.offered).toBe(0);
});

test('a review offers the suggestion for a race the change adds, on its added lines', () => {
  // The whole racy file is new: every line is added, so its fix is checked and shown.
  const lines = SOURCE.split('\n');
  const patch = `--- /dev/null\n+++ b/${PATH}\n@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}\n`;
  const review = analyzeChanges([{ path: PATH, content: SOURCE, patch }], { scope: 'introduced', goVersion: '1.22' });
  const same = review.findings.find((f) => f.rule === 'closure-write' && f.line === fixed.line)!;
  expect(same.fix).toEqual(fixed.fix);
});
