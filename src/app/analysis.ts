import { createHash } from 'node:crypto';
import { compareVersions, deltaOf, emptyFixStats, mergeFixStats, onlyRules, rulesNeedingBase, type AnalysisResult, type AnalyzeOptions, type CompareOutput, type FileReport, type Finding, type FixStats, type ReviewScope, type SourceFile } from '../engine/index.js';
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
 * Whole-file analysis results keyed by blob sha, path, Go version, rule settings and models: a file's findings
 * depend on nothing else, so a push that changes one file re-analyzes only that file.
 */
export class AnalysisCache {
  private readonly entries = new Map<string, { value: FileAnalysis; bytes: number }>();
  private bytes = 0;
  /** Bounded by bytes (estimated from the entry's JSON), least recently used first out. */
  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  get(key: string): FileAnalysis | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  set(key: string, value: FileAnalysis): void {
    const bytes = 2 * (key.length + JSON.stringify(value).length);
    if (bytes > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Analyzes one file with scope 'all', or returns its cached result; engine failures are not cached. */
export async function analyzeFile(file: GoFile, options: AnalyzeOptions, analyzer: Analyzer, cache: AnalysisCache): Promise<FileAnalysis> {
  // The models change findings as the rules do: a repository's own models are part of the key.
  const key = file.sha ? `${file.sha}\0${file.path}\0${options.goVersion ?? ''}\0${JSON.stringify(options.rules ?? {})}\0${JSON.stringify(options.models ?? [])}` : undefined;
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

export interface FileReview {
  head: FileAnalysis;
  review: CompareOutput;
  /** Why the file was reviewed without its base version, if it was. */
  headOnly?: string;
}

/**
 * Reviews one changed file: the head analyzed whole (cached by blob), the base rebuilt from the patch
 * and analyzed only when the head has findings to compare (cached by content), then compared.
 */
export async function reviewFile(file: GoFile, options: AnalyzeOptions, scope: ReviewScope, analyzer: Analyzer, cache: AnalysisCache): Promise<FileReview> {
  const head = await analyzeFile(file, options, analyzer, cache);
  const patch = file.patch ?? '';
  const rebuilt = patch ? deltaOf({ content: file.content, patch }) : { error: 'GitHub sent no patch for it (a binary or very large diff)' };
  const delta = 'delta' in rebuilt ? rebuilt.delta : undefined;
  let baseFindings: Finding[] | undefined;
  const baseRules = delta ? rulesNeedingBase(head.findings, delta) : new Set<string>();
  if (delta && baseRules.size > 0) {
    const sha = `base:${createHash('sha256').update(delta.base).digest('hex').slice(0, 32)}`;
    const baseOptions = { ...options, rules: onlyRules(baseRules, options.rules) };
    baseFindings = (await analyzeFile({ path: file.path, content: delta.base, sha, patch: undefined }, baseOptions, analyzer, cache)).findings;
  }
  const review = compareVersions({
    path: file.path,
    head: file.content,
    patch,
    ...(delta ? { delta } : {}),
    ...(baseFindings ? { baseFindings } : {}),
    headFindings: head.findings,
    scope,
    ...(options.goVersion ? { goVersion: options.goVersion } : {}),
    ...(options.rules ? { rules: options.rules } : {}),
  });
  return { head, review, ...('error' in rebuilt ? { headOnly: rebuilt.error } : {}) };
}
