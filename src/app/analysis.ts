import { createHash } from 'node:crypto';
import { addedLinesOf, compareVersions, deltaOf, headFixes, emptyFixStats, mergeFixStats, onlyRules, rulesNeedingBase, type AnalysisResult, type AnalyzeOptions, type CompareOutput, type FileDelta, type FileReport, type Finding, type FixStats, type ReviewScope, type SourceFile } from '../engine/index.js';
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
 * Analysis results keyed by what was analyzed (each file's path and blob sha or content hash, whether
 * it was context only), the Go version and the rule settings: a push that changes one package
 * re-analyzes only that package, and a re-run of the same head analyzes nothing. The models are part of the key: they change findings as the rules do.
 */
export class AnalysisCache {
  private readonly entries = new Map<string, { value: JobAnalysis; bytes: number }>();
  private bytes = 0;
  /** Bounded by bytes (estimated from the entry's JSON), least recently used first out. */
  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  get(key: string): JobAnalysis | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  set(key: string, value: JobAnalysis): void {
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

/** One analyzer job's results, per reported file (in the job's order). */
export interface JobAnalysis {
  files: { path: string; analysis: FileAnalysis }[];
}

/** A file of an analyzer job: reported on, or read for its package's facts only. */
export interface JobFile {
  path: string;
  content: string;
  /** Blob sha (or another name of exactly this content); absent: the content is hashed for the cache key. */
  sha?: string | null;
  contextOnly?: boolean;
  /** Lines the change added, for a head analyzed with `fixes: 'added-lines'`. */
  addedLines?: ReadonlySet<number>;
}

function cacheKey(files: readonly JobFile[], options: AnalyzeOptions): string {
  const hash = createHash('sha256').update(`${options.goVersion ?? ''}\0${JSON.stringify(options.rules ?? {})}\0${JSON.stringify(options.models ?? [])}\0${options.reviewingChanges === true}\0${options.fixes ?? 'all'}`);
  for (const f of files) {
    const name = f.sha ?? `sha256:${createHash('sha256').update(f.content).digest('hex')}`;
    hash.update(`\0${f.contextOnly ? 'c' : 'r'}\0${f.path}\0${name}`);
    if (f.addedLines) hash.update(`\0+${[...f.addedLines].join(',')}`);
  }
  return hash.digest('hex');
}

/**
 * Analyzes one job (a package: the files reported on and their context-only siblings) with scope 'all',
 * or returns its cached result. Each reported file gets its findings and report; the job's suppression
 * counts and fix statistics ride on its first reported file, so that summing over files counts each once.
 * Failed and stopped jobs are not cached.
 */
export async function analyzeJob(files: readonly JobFile[], options: AnalyzeOptions, analyzer: Analyzer, cache: AnalysisCache): Promise<JobAnalysis> {
  const key = cacheKey(files, options);
  const hit = cache.get(key);
  if (hit) return hit;
  const fresh = await analyzer(
    files.map((f) => ({ path: f.path, content: f.content, ...(f.contextOnly ? { contextOnly: true } : {}), ...(f.addedLines ? { addedLines: f.addedLines } : {}) })),
    { ...options, scope: 'all' },
  );
  const reported = files.filter((f) => !f.contextOnly);
  const job: JobAnalysis = {
    files: reported.map((f, i) => ({
      path: f.path,
      analysis: {
        findings: fresh.findings.filter((x) => x.file === f.path),
        suppressed: i === 0 ? fresh.suppressed : {},
        ...(i === 0 && fresh.fixes ? { fixes: fresh.fixes } : {}),
        report: fresh.files.find((r) => r.file === f.path) ?? { file: f.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false },
      },
    })),
  };
  if (job.files.every((f) => !f.analysis.report.error && !f.analysis.report.overBudget)) cache.set(key, job);
  return job;
}

/** Analyzes one file alone with scope 'all', or returns its cached result. */
export async function analyzeFile(file: GoFile, options: AnalyzeOptions, analyzer: Analyzer, cache: AnalysisCache): Promise<FileAnalysis> {
  const job = await analyzeJob([{ path: file.path, content: file.content, sha: file.sha }], options, analyzer, cache);
  return job.files[0]!.analysis;
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

/** Head and base of a changed file, and the rules whose base findings its review needs. */
interface Prepared {
  file: GoFile;
  patch: string;
  delta?: FileDelta;
  headOnly?: string;
}

function prepare(file: GoFile): Prepared {
  const patch = file.patch ?? '';
  const rebuilt = patch ? deltaOf({ content: file.content, patch }) : { error: 'GitHub sent no patch for it (a binary or very large diff)' };
  return { file, patch, ...('delta' in rebuilt ? { delta: rebuilt.delta } : { headOnly: rebuilt.error }) };
}

function baseSha(content: string): string {
  return `base:${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
}

/**
 * Reviews the changed files of one package together, with the package's unchanged files (`siblings`) as
 * context: the head analyzed as one job (cached), the bases rebuilt from the patches and analyzed (only the
 * rules that fired where the change can show them, with the other files' bases and the siblings as context)
 * only when some head has findings to compare, then each file compared. With no siblings and one file,
 * this is the file reviewed alone.
 */
export async function reviewPackage(
  files: readonly GoFile[],
  siblings: readonly GoFile[],
  options: AnalyzeOptions,
  scope: ReviewScope,
  analyzer: Analyzer,
  cache: AnalysisCache,
): Promise<Map<string, FileReview>> {
  const context: JobFile[] = siblings.map((f) => ({ path: f.path, content: f.content, sha: f.sha, contextOnly: true }));
  const prepared = files.map(prepare);
  // Only fixes the review can show are checked: those rewriting added lines (outside scope 'all').
  const changed: JobFile[] = prepared.map((p) => ({ path: p.file.path, content: p.file.content, sha: p.file.sha, addedLines: addedLinesOf({ patch: p.patch, ...(p.delta ? { delta: p.delta } : {}) }) }));
  const head = await analyzeJob([...changed, ...context], { ...options, fixes: headFixes(scope) }, analyzer, cache);
  const heads = new Map(head.files.map((f) => [f.path, f.analysis]));
  const baseRules = new Set<string>();
  const needsBase = new Set<string>();
  for (const p of prepared) {
    if (!p.delta) continue;
    const rules = rulesNeedingBase(heads.get(p.file.path)?.findings ?? [], p.delta);
    for (const r of rules) baseRules.add(r);
    if (rules.size > 0) needsBase.add(p.file.path);
  }
  const baseFindings = new Map<string, Finding[]>();
  if (needsBase.size > 0) {
    // The package as it was: each changed file's base (a file the change added did not exist; one whose
    // base could not be rebuilt stands in with its head), and the unchanged files.
    const baseFiles: JobFile[] = [];
    for (const p of prepared) {
      const content = p.delta ? p.delta.base : p.file.content;
      if (content === '') continue;
      baseFiles.push({ path: p.file.path, content, sha: p.delta ? baseSha(content) : p.file.sha, ...(needsBase.has(p.file.path) ? {} : { contextOnly: true }) });
    }
    // Base findings are only matched against head's, never shown: no fix is checked.
    const base = await analyzeJob([...baseFiles, ...context], { ...options, rules: onlyRules(baseRules, options.rules), fixes: 'none' }, analyzer, cache);
    for (const f of base.files) baseFindings.set(f.path, f.analysis.findings);
  }
  const out = new Map<string, FileReview>();
  for (const p of prepared) {
    const path = p.file.path;
    const headAnalysis = heads.get(path) ?? { findings: [], suppressed: {}, report: { file: path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false } };
    const review = compareVersions({
      path,
      head: p.file.content,
      patch: p.patch,
      ...(p.delta ? { delta: p.delta } : {}),
      ...(needsBase.has(path) ? { baseFindings: baseFindings.get(path) ?? [] } : {}),
      headFindings: headAnalysis.findings,
      scope,
      ...(options.goVersion ? { goVersion: options.goVersion } : {}),
      ...(options.rules ? { rules: options.rules } : {}),
      ...(options.models ? { models: options.models } : {}),
    });
    out.set(path, { head: headAnalysis, review, ...(p.headOnly ? { headOnly: p.headOnly } : {}) });
  }
  return out;
}

/** Reviews one changed file alone (its package's other files unknown): see reviewPackage. */
export async function reviewFile(file: GoFile, options: AnalyzeOptions, scope: ReviewScope, analyzer: Analyzer, cache: AnalysisCache): Promise<FileReview> {
  return (await reviewPackage([file], [], options, scope, analyzer, cache)).get(file.path)!;
}
