import { emptyFixStats, mergeFixStats, type AnalysisResult, type AnalyzeOptions, type FileReport, type Finding, type FixStats, type SourceFile } from '../engine/index.js';
import type { GoFile } from './files.js';

/** The engine's `analyze`, or anything shaped like it (a worker pool, a test stand-in). */
export type Analyzer = (files: SourceFile[], options: AnalyzeOptions) => AnalysisResult | Promise<AnalysisResult>;

export interface FileAnalysis {
  findings: Finding[];
  suppressed: Record<string, number>;
  fixes?: FixStats;
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

/** Analyzes one file with scope 'all', or returns its cached result; engine failures are not cached. */
export async function analyzeFile(file: GoFile, options: AnalyzeOptions, analyzer: Analyzer, cache: AnalysisCache): Promise<FileAnalysis> {
  const key = file.sha ? `${file.sha}\0${file.path}\0${options.goVersion ?? ''}\0${JSON.stringify(options.rules ?? {})}` : undefined;
  const hit = key ? cache.get(key) : undefined;
  if (hit) return hit;
  // One file per call, so suppression counts and failures are known per file.
  const fresh = await analyzer([{ path: file.path, content: file.content }], { ...options, scope: 'all' });
  const report = fresh.files[0] ?? { file: file.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false };
  const entry = { findings: fresh.findings, suppressed: fresh.suppressed, fixes: fresh.fixes, report };
  if (key && !report.error && !report.overBudget) cache.set(key, entry);
  return entry;
}

/** Joins per-file results in the given file order. */
export function combine(files: readonly GoFile[], analyses: ReadonlyMap<string, FileAnalysis>): AnalysisResult {
  const result: AnalysisResult = { findings: [], suppressed: {}, files: [], fixes: emptyFixStats() };
  for (const f of files) {
    const entry = analyses.get(f.path);
    if (!entry) continue;
    result.findings.push(...entry.findings);
    result.files.push(entry.report);
    mergeCounts(result.suppressed, entry.suppressed);
    mergeFixStats((result.fixes ??= emptyFixStats()), entry.fixes);
  }
  return result;
}

function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [rule, n] of Object.entries(from)) into[rule] = (into[rule] ?? 0) + n;
}
