/**
 * The engine's entry point: Go files in, findings out. Shared by the CLI, the GitHub App and the Action.
 */
import { buildFileModel, prepareFile } from './semantic/model.js';
import { ALL_RULES } from './rules/index.js';
import { findSuppressions } from './suppress.js';
import { effectiveGoVersion } from './goversion.js';
import { anchorInDiff, narrowToDiff } from './diff.js';
import type { AnalysisResult, AnalyzeOptions, FileReport, Finding, RuleMeta, SourceFile } from './types.js';

export * from './types.js';
export { parseUnifiedDiff, addedLinesFromPatch, anchorInDiff, narrowToDiff, DiffParseError } from './diff.js';
export type { DiffFile } from './diff.js';

export const DEFAULT_FILE_BUDGET_MS = 10_000;

/** Every rule's meta block, in a stable order. */
export const RULES: readonly RuleMeta[] = ALL_RULES.map((r) => r.meta);

function analyzeFile(file: SourceFile, options: AnalyzeOptions, result: AnalysisResult): void {
  const started = performance.now();
  const budget = options.fileBudgetMs ?? DEFAULT_FILE_BUDGET_MS;
  const report: FileReport = { file: file.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false };
  result.files.push(report);
  try {
    const rules = ALL_RULES.filter((rule) => options.rules?.[rule.meta.id]?.enabled !== false);
    const prepared = prepareFile(file.content);
    const walkTests = rules.flatMap((rule) => rule.walks?.(prepared) ?? []);
    const model = buildFileModel(prepared, {
      // The module's version from go.mod, overridden by the file's own //go:build line.
      goVersion: effectiveGoVersion(options.goVersion, file.content),
      alsoWalk: walkTests.length > 0 ? (body) => walkTests.some((test) => test(body)) : undefined,
    });
    report.hasSyntaxErrors = model.hasSyntaxErrors;
    const suppressions = findSuppressions(model.lines);
    const diffOnly = options.scope !== 'all' && file.addedLines !== undefined;
    for (const rule of rules) {
      const setting = options.rules?.[rule.meta.id];
      if (performance.now() - started > budget) {
        report.overBudget = true;
        break;
      }
      const seen = new Set<string>();
      const kept: Finding[] = [];
      rule.run(model, (d) => {
        const key = `${d.line}:${d.column}:${d.message}`;
        if (seen.has(key)) return;
        seen.add(key);
        const whole: Finding = {
          rule: rule.meta.id,
          file: file.path,
          line: d.line,
          column: d.column,
          endLine: d.endLine,
          endColumn: d.endColumn,
          severity: setting?.severity ?? rule.meta.defaultSeverity,
          message: d.message,
          related: (d.related ?? []).map((r) => ({ file: file.path, line: r.line, message: r.message })),
        };
        if (d.suggestion) whole.suggestion = d.suggestion;
        if (d.fixHint) whole.fixHint = d.fixHint;
        // Outside the diff: neither reported nor counted as suppressed.
        if (diffOnly && !anchorInDiff(whole, file.addedLines!)) return;
        // The suppression comment sits next to the flagged code, wherever the finding is anchored.
        if (suppressions.silences(rule.meta.id, d.line)) {
          result.suppressed[rule.meta.id] = (result.suppressed[rule.meta.id] ?? 0) + 1;
          return;
        }
        kept.push(whole);
      });
      // Anchoring and the one-side-in-the-diff dedupe are shared with the App (narrowToDiff).
      result.findings.push(...(diffOnly ? narrowToDiff(kept, new Map([[file.path, file.addedLines!]])) : kept));
    }
  } catch (err) {
    // One file's internal failure must not cost the others their review.
    report.error = err instanceof Error ? err.message : String(err);
  }
  report.elapsedMs = performance.now() - started;
  if (report.elapsedMs > budget) report.overBudget = true;
}

/** Analyzes Go files. Never throws on bad input: failures are reported per file. */
export function analyze(files: readonly SourceFile[], options: AnalyzeOptions = {}): AnalysisResult {
  const result: AnalysisResult = { findings: [], suppressed: {}, files: [] };
  for (const file of files) analyzeFile(file, options, result);
  result.findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return result;
}
