import type { AnalysisResult, AnalyzeOptions, FileReport, Finding, SourceFile } from '../engine/index.js';
import type { GoFile } from './files.js';

export type Analyzer = (files: SourceFile[], options: AnalyzeOptions) => AnalysisResult;

interface FileAnalysis {
  findings: Finding[];
  suppressed: Record<string, number>;
  report: FileReport;
}

/**
 * Whole-file analysis results keyed by blob sha, path, Go version and rule settings: a file's findings
 * depend on nothing else, so a push that changes one file re-analyzes only that file.
 */
export class AnalysisCache {
  private readonly entries = new Map<string, FileAnalysis>();
  constructor(private readonly maxEntries = 20_000) {}

  get(key: string): FileAnalysis | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: FileAnalysis): void {
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** Analyzes each file once with scope 'all' (reusing cached results); engine failures of a file are not cached. */
export function analyzeWhole(files: readonly GoFile[], options: AnalyzeOptions, analyzer: Analyzer, cache: AnalysisCache): AnalysisResult {
  const settings = `${options.goVersion ?? ''}\0${JSON.stringify(options.rules ?? {})}`;
  const byPath = new Map<string, FileAnalysis>();
  const misses: GoFile[] = [];
  for (const f of files) {
    const hit = f.sha ? cache.get(`${f.sha}\0${f.path}\0${settings}`) : undefined;
    if (hit) byPath.set(f.path, hit);
    else misses.push(f);
  }
  // One file per call, so suppression counts and failures are known per file and cacheable.
  for (const f of misses) {
    const fresh = analyzer([{ path: f.path, content: f.content }], { ...options, scope: 'all' });
    const report = fresh.files[0] ?? { file: f.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false };
    const entry = { findings: fresh.findings, suppressed: fresh.suppressed, report };
    byPath.set(f.path, entry);
    if (f.sha && !report.error && !report.overBudget) cache.set(`${f.sha}\0${f.path}\0${settings}`, entry);
  }
  const result: AnalysisResult = { findings: [], suppressed: {}, files: [] };
  for (const f of files) {
    const entry = byPath.get(f.path)!;
    result.findings.push(...entry.findings);
    result.files.push(entry.report);
    mergeCounts(result.suppressed, entry.suppressed);
  }
  return result;
}

function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [rule, n] of Object.entries(from)) into[rule] = (into[rule] ?? 0) + n;
}

/**
 * The engine's diff scope applied to whole-file findings: a finding stays when one of its accesses is on an
 * added line, anchored there (GitHub comments only on diff lines). A re-anchored finding loses its
 * suggestion, which edits a line outside the diff. Mirrors the engine's own 'diff' scope.
 */
export function restrictToDiff(findings: readonly Finding[], addedLines: ReadonlyMap<string, ReadonlySet<number>>): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const f of findings) {
    const added = addedLines.get(f.file);
    if (!added) continue;
    let kept: Finding | undefined;
    if (added.has(f.line)) kept = f;
    else {
      const anchor = f.related.filter((r) => r.file === f.file).map((r) => r.line).find((line) => added.has(line));
      if (anchor === undefined) continue;
      const { suggestion: _dropped, ...rest } = f;
      kept = { ...rest, line: anchor, column: 1, endLine: anchor, endColumn: 1 };
    }
    const key = `${kept.file}:${kept.line}:${kept.column}:${kept.rule}:${kept.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(kept);
  }
  return out;
}
