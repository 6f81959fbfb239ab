/**
 * The differential review: analyze the base and the head of each changed file, keep what the pull
 * request introduced, and place each finding where GitHub takes a comment. Built on analyze() and
 * the Finding shape only, so it composes with however analyze() models a package.
 */
import type Parser from 'tree-sitter';
import parseDiff from 'parse-diff';
import { analyze } from './index.js';
import { parseGo } from './parse.js';
import { scanGoFile } from './skeleton.js';
import { reverseApply, ReverseApplyError, type FileDelta } from './delta.js';
import { everyLineAdded } from './diff.js';
import { ALL_RULES, DIFFERENTIAL_RULES } from './rules/index.js';
import { findSuppressions } from './suppress.js';
import { effectiveGoVersion } from './goversion.js';
import type { RemovalDiagnostic } from './rule.js';
import type { AnalysisResult, AnalyzeOptions, Finding, RuleSetting, SourceFile } from './types.js';
import { ApiModels, type ModelEntry } from './models/index.js';

const RULE_METAS = ALL_RULES.map((r) => r.meta);

/** Which findings a review of a change reports. */
export type ReviewScope = 'introduced' | 'touched' | 'all';
export const REVIEW_SCOPES: readonly ReviewScope[] = ['introduced', 'touched', 'all'];

/** A changed file: its head content and its patch (a `git diff` section or GitHub's hunks). */
export interface ChangedFile extends SourceFile {
  patch: string;
}

export interface ReviewedFinding extends Finding {
  /** Whether the base already had this finding; 'unknown' when the base could not be rebuilt. */
  origin: 'introduced' | 'pre-existing' | 'unknown';
  /** The head line inside a hunk where a review comment can sit; absent: a check-run annotation only. */
  anchorLine?: number;
}

export interface ReviewResult extends AnalysisResult {
  findings: ReviewedFinding[];
  /** Files whose patch could not be reversed onto the head: analyzed head-only, as plain diff review. */
  headOnly: { file: string; reason: string }[];
  /** Races the base already had in functions the change touches, not shown in scope 'introduced'. */
  preExistingNotShown: number;
}

/** The base and line mapping of a changed file, or why they could not be rebuilt. */
export function deltaOf(file: { content: string; patch: string }): { delta: FileDelta } | { error: string } {
  try {
    return { delta: reverseApply(file.content, file.patch) };
  } catch (err) {
    if (err instanceof ReverseApplyError) return { error: `the patch does not reverse onto the head (${err.message})` };
    return { error: `the patch does not parse (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** Added and in-hunk head lines, read from the patch alone (for a file that is analyzed head-only). */
function linesOfPatch(patch: string): { added: Set<number>; hunkLines: Set<number> } {
  const added = new Set<number>();
  const hunkLines = new Set<number>();
  for (const file of parseDiff(patch)) {
    for (const chunk of file.chunks) {
      for (const c of chunk.changes) {
        if (c.content.startsWith('\\')) continue;
        if (c.type === 'add') {
          added.add(c.ln);
          hunkLines.add(c.ln);
        } else if (c.type === 'normal') hunkLines.add(c.ln2);
      }
    }
  }
  return { added, hunkLines };
}

interface Span {
  start: number;
  end: number;
}

/**
 * The lines of a file's top-level functions and methods. The skeleton's lexical scan finds them
 * without a parse, which the App would otherwise run on its main thread for each changed file with
 * findings. The parse decides when the scan gave up, or when a line starting with `func` is not one
 * it found (a declaration without a body, an odd layout, a raw string).
 */
export function functionSpans(source: string): Span[] {
  const scanned = scanGoFile(source);
  if (scanned) {
    const lineAt = lineFinder(source);
    const spans = scanned.functions.map((fn) => ({ start: lineAt(fn.start), end: lineAt(fn.bodyEnd - 1) }));
    const starts = new Set(spans.map((s) => s.start));
    const funcLines = [...source.matchAll(/^func[\s(]/gm)].map((m) => lineAt(m.index!));
    if (funcLines.length === spans.length && funcLines.every((l) => starts.has(l))) return spans;
  }
  return parseGo(source)
    .rootNode.namedChildren.filter((n) => n.type === 'function_declaration' || n.type === 'method_declaration')
    .map((n) => ({ start: n.startPosition.row + 1, end: n.endPosition.row + 1 }));
}

/** The 1-based line of a string index in `source`. */
function lineFinder(source: string): (index: number) => number {
  const starts = [0];
  for (let nl = source.indexOf('\n'); nl !== -1; nl = source.indexOf('\n', nl + 1)) starts.push(nl + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** A blank or comment-only line: editing it changes no behaviour. */
const inert = (text: string | undefined) => /^\s*(?:\/\/.*)?$/.test(text ?? '');

/** Functions the change edits in code (an added or deleted line that is not blank or a comment). */
function changedSpans(spans: readonly Span[], added: ReadonlySet<number>, deletions: FileDelta['deletions'], headLines: readonly string[]): Span[] {
  const points = [
    ...[...added].filter((l) => !inert(headLines[l - 1])),
    ...deletions.filter((d) => d.lines.some((l) => !inert(l.text))).map((d) => d.headPosition),
  ];
  return spans.filter((s) => points.some((p) => s.start < p && p <= s.end) || (added.has(s.start) && !inert(headLines[s.start - 1])));
}

const collapse = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();

/** The first `name` a message quotes: the variable or field a rule reports on. */
function subjectOf(f: Finding): string {
  return /`([^`]+)`/.exec(f.message)?.[1] ?? '';
}

function involvedLines(f: Finding): number[] {
  return [f.line, ...f.related.filter((r) => r.file === f.file).map((r) => r.line)];
}

/**
 * A finding's identity across base and head: rule, file, variable or field, and the normalized code
 * of its accesses. Line numbers and messages (which quote line numbers) stay out, so moved code matches.
 */
export function differentialKey(f: Finding, lines: readonly string[]): string {
  const accesses = f.related.map((r) => (r.file === f.file ? collapse(lines[r.line - 1]) : `${r.file}`)).sort();
  return [f.rule, f.file, subjectOf(f), collapse(lines[f.line - 1]), ...accesses].join('\0');
}

// The base's lines as differentialKey reads them, once per delta.
const baseTextsByDelta = new WeakMap<FileDelta, Set<string>>();

/**
 * A head finding that no base finding can share an identity with: one of its own lines (its access, or
 * a related access in its file) reads as no line of the base does. It is introduced, and needs no
 * analysis of the base to say so; a file the change adds has no base lines at all.
 */
function absentFromBase(f: Finding, delta: FileDelta): boolean {
  let texts = baseTextsByDelta.get(delta);
  if (!texts) baseTextsByDelta.set(delta, (texts = new Set(delta.baseLines.map(collapse))));
  return involvedLines(f).some((l) => !texts.has(collapse(delta.headLines[l - 1])));
}

export interface CompareInput {
  path: string;
  head: string;
  patch: string;
  /** Undefined: the base could not be rebuilt, the file is reviewed head-only. */
  delta?: FileDelta;
  headFindings: readonly Finding[];
  /** The base's findings, for the rules of rulesNeedingBase; absent when that is empty. */
  baseFindings?: readonly Finding[];
  scope: ReviewScope;
  goVersion?: string;
  rules?: Record<string, RuleSetting>;
  /** The user's models (AnalyzeOptions.models), for the differential rules. */
  models?: ModelEntry[];
}

export interface CompareOutput {
  findings: ReviewedFinding[];
  preExistingNotShown: number;
  suppressed: Record<string, number>;
}

const quote = (text: string) => '`' + text.replace(/`/g, "'") + '`';

/** Findings of the differential rules (removed-sync) on one file's two versions. */
function removalFindings(input: CompareInput, delta: FileDelta, trees: () => { base: Parser.Tree; head: Parser.Tree }, suppressed: Record<string, number>) {
  const out: (Finding & { removed: RemovalDiagnostic['removed'] })[] = [];
  if (delta.deletions.length === 0) return out;
  const rules = DIFFERENTIAL_RULES.filter((r) => input.rules?.[r.meta.id]?.enabled !== false);
  if (rules.length === 0) return out;
  const { base, head } = trees();
  const suppressions = findSuppressions(delta.headLines);
  const goVersion = effectiveGoVersion(input.goVersion, input.head);
  const models = ApiModels.standard().with(input.models);
  for (const rule of rules) {
    const seen = new Set<string>();
    rule.compare({ delta, baseTree: base, headTree: head, models, ...(goVersion ? { goVersion } : {}) }, (d) => {
      const key = `${d.line}:${d.message}`;
      if (seen.has(key)) return;
      seen.add(key);
      if (suppressions.silences(rule.meta.id, d.line)) {
        suppressed[rule.meta.id] = (suppressed[rule.meta.id] ?? 0) + 1;
        return;
      }
      out.push({
        rule: rule.meta.id,
        file: input.path,
        line: d.line,
        column: d.column,
        endLine: d.endLine,
        endColumn: d.endColumn,
        severity: input.rules?.[rule.meta.id]?.severity ?? rule.meta.defaultSeverity,
        message: d.message,
        related: (d.related ?? []).map((r) => ({ file: input.path, line: r.line, message: r.message })),
        removed: d.removed,
      });
    });
  }
  return out;
}

// A file's head is read for its function spans once, whichever of rulesNeedingBase and
// compareVersions asks first (the App asks both, on its main thread).
const spansByDelta = new WeakMap<FileDelta, Span[]>();

function headSpans(delta: FileDelta): Span[] {
  let spans = spansByDelta.get(delta);
  if (!spans) spansByDelta.set(delta, (spans = functionSpans(delta.head)));
  return spans;
}

/** The head lines a change added: the only lines a review can show a suggestion on (outside scope 'all'). */
export function addedLinesOf(file: { patch: string; delta?: FileDelta }): ReadonlySet<number> {
  return (file.delta ?? linesOfPatch(file.patch)).added;
}

/** Which fixes a review's head analysis checks: only those it can show, outside scope 'all'. */
export function headFixes(scope: ReviewScope): 'all' | 'added-lines' {
  return scope === 'all' ? 'all' : 'added-lines';
}

/**
 * One file's review: head findings classified as introduced or pre-existing against the base, the
 * removals the differential rules find, narrowed to the scope and anchored on the diff.
 */
export function compareVersions(input: CompareInput): CompareOutput {
  const suppressed: Record<string, number> = {};
  const { delta } = input;
  const { added, hunkLines } = delta ?? linesOfPatch(input.patch);
  let parsed: { base: Parser.Tree; head: Parser.Tree } | undefined;
  const trees = () => (parsed ??= { base: parseGo(delta!.base), head: parseGo(input.head) });
  const removals = delta ? removalFindings(input, delta, trees, suppressed) : [];
  if (input.headFindings.length === 0 && removals.length === 0) return { findings: [], preExistingNotShown: 0, suppressed };

  const headLines = delta?.headLines ?? input.head.split('\n');
  const spans = delta ? headSpans(delta) : functionSpans(input.head);
  const spanOf = (line: number) => spans.find((s) => s.start <= line && line <= s.end);
  const changed = new Set(changedSpans(spans, added, delta?.deletions ?? [], headLines));

  // The base's findings, as a multiset of identities.
  const baseCounts = new Map<string, number>();
  if (delta && input.baseFindings) {
    for (const f of input.baseFindings) {
      const key = differentialKey(f, delta.baseLines);
      baseCounts.set(key, (baseCounts.get(key) ?? 0) + 1);
    }
  }
  const originOf = (f: Finding, touched: boolean): ReviewedFinding['origin'] => {
    if (!delta) return 'unknown';
    // Code the change leaves alone is not compared (its base was not analyzed, see rulesNeedingBase).
    if (!touched) return 'pre-existing';
    if (absentFromBase(f, delta)) return 'introduced';
    if (!input.baseFindings) return 'pre-existing';
    const key = differentialKey(f, headLines);
    const n = baseCounts.get(key) ?? 0;
    if (n === 0) return 'introduced';
    baseCounts.set(key, n - 1);
    return 'pre-existing';
  };

  let preExistingNotShown = 0;
  const kept: ReviewedFinding[] = [];
  for (const f of input.headFindings) {
    const lines = involvedLines(f);
    const ownLinesAdded = lines.some((l) => added.has(l));
    const inChangedFunction = lines.some((l) => {
      const s = spanOf(l);
      return s !== undefined && changed.has(s);
    });
    const origin = originOf(f, ownLinesAdded || inChangedFunction);
    let show: boolean;
    if (input.scope === 'all') show = true;
    else if (input.scope === 'touched') show = ownLinesAdded || inChangedFunction;
    else if (origin === 'pre-existing') show = ownLinesAdded;
    else if (origin === 'introduced') show = ownLinesAdded || inChangedFunction;
    else show = ownLinesAdded; // head-only: as a plain diff review
    if (!show) {
      if (origin === 'pre-existing' && inChangedFunction) preExistingNotShown++;
      continue;
    }
    let message = f.message;
    if (origin === 'pre-existing' && input.scope !== 'all') {
      message += ownLinesAdded
        ? ' This race is already on the base branch: the pull request changes one of its lines but did not introduce it.'
        : ' This race is already on the base branch: the pull request changes this function but did not introduce or worsen it.';
    }
    kept.push(withSuggestionIfPlaceable({ ...f, message, origin }, added, input.scope));
  }

  // A removal another rule already reports as severely on the same line becomes a sentence of that
  // finding (whose message describes the race); a less severe one gives way to the removal.
  const rank = { error: 0, warning: 1, info: 2 } as const;
  for (const r of removals) {
    const { removed, ...finding } = r;
    const same = kept.findIndex((k) => k.origin !== 'pre-existing' && involvedLines(k).includes(r.line));
    const other = same >= 0 ? kept[same] : undefined;
    if (other && rank[other.severity] > rank[r.severity]) kept.splice(same, 1);
    else if (other) {
      if (!r.message.startsWith('This pull request moves')) other.message += ` This pull request removes ${quote(removed.text)} (was line ${removed.line}).`;
      continue;
    }
    kept.push({ ...finding, origin: 'introduced' });
  }

  // One race reported from each of its accesses: outside scope 'all', a finding on an unchanged line is
  // dropped when one for the same rule and variable already names its line (or it names that one's).
  const preferred = [...kept].sort((a, b) => Number(added.has(b.line)) - Number(added.has(a.line)) || a.line - b.line);
  const races: ReviewedFinding[] = [];
  for (const f of preferred) {
    const same = input.scope !== 'all' && !added.has(f.line) && races.some((r) => r.rule === f.rule && subjectOf(r) === subjectOf(f) && (involvedLines(f).includes(r.line) || involvedLines(r).includes(f.line)));
    if (!same) races.push(f);
  }
  const findings = races.map((f) => {
    const anchorLine = anchorFor(f, hunkLines, added, delta, spanOf);
    return anchorLine === undefined ? f : { ...f, anchorLine };
  });
  findings.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return { findings, preExistingNotShown, suppressed };
}

/** A fix stays only when every edit rewrites lines the change added (outside scope 'all'): it is offered whole or not at all. */
function withSuggestionIfPlaceable(f: ReviewedFinding, added: ReadonlySet<number>, scope: ReviewScope): ReviewedFinding {
  const fix = f.fix;
  if (!fix || scope === 'all' || fix.edits.every((e) => everyLineAdded(e.startLine, e.endLine, added))) return f;
  const { fix: _dropped, ...rest } = f;
  return rest;
}

/**
 * Where the review comment goes: the access when its line is in a hunk; otherwise the nearest change
 * (added line, or the line a deletion left) of the same function, then any hunk line of it; else none.
 */
function anchorFor(
  f: Finding,
  hunkLines: ReadonlySet<number>,
  added: ReadonlySet<number>,
  delta: FileDelta | undefined,
  spanOf: (line: number) => Span | undefined,
): number | undefined {
  if (hunkLines.has(f.line)) return f.line;
  const involved = involvedLines(f);
  const spans = involved.map(spanOf).filter((s): s is Span => s !== undefined);
  const inSpans = (l: number) => spans.some((s) => s.start <= l && l <= s.end);
  const nearest = (candidates: number[]) =>
    candidates.filter((l) => hunkLines.has(l) && inSpans(l)).sort((a, b) => Math.abs(a - f.line) - Math.abs(b - f.line) || a - b)[0];
  const deletionLines = (delta?.deletions ?? []).flatMap((d) => [d.headPosition, d.headPosition - 1]);
  const changes = [...involved.filter((l) => hunkLines.has(l)), ...added, ...deletionLines];
  return nearest(changes) ?? nearest([...hunkLines]);
}

/**
 * A reviewed finding as an inline comment places it: on its anchor line, saying which line races when
 * that is another line (and then without a fix, whose edits would land on the anchor line).
 */
export function placeForReview(f: ReviewedFinding): Finding | undefined {
  if (f.anchorLine === undefined) return undefined;
  const { origin: _origin, anchorLine, ...finding } = f;
  if (anchorLine === f.line) return finding;
  const { fix: _dropped, ...rest } = finding;
  return {
    ...rest,
    line: anchorLine,
    column: 1,
    endLine: anchorLine,
    endColumn: 1,
    message: `${f.message} (The racing access is line ${f.line}, outside this pull request's diff.)`,
  };
}

/**
 * The rules whose base findings a file's review needs: those of head findings the change could show
 * (on an added line, or in a function it changes) and the base could also have (see absentFromBase).
 * Empty: the base need not be analyzed at all, which is the common case (most changed files have no
 * finding, or only ones in functions the change leaves alone or on lines it wrote new).
 */
export function rulesNeedingBase(headFindings: readonly Finding[], delta: FileDelta): Set<string> {
  const rules = new Set<string>();
  if (headFindings.length === 0 || delta.base === '') return rules;
  const spans = headSpans(delta);
  const changed = changedSpans(spans, delta.added, delta.deletions, delta.headLines);
  for (const f of headFindings) {
    const lines = involvedLines(f);
    if (lines.some((l) => delta.added.has(l) || changed.some((s) => s.start <= l && l <= s.end)) && !absentFromBase(f, delta)) rules.add(f.rule);
  }
  return rules;
}

/** Rule settings that run only `ids` (the base analysis needs no other rule). */
export function onlyRules(ids: ReadonlySet<string>, settings: Record<string, RuleSetting> = {}): Record<string, RuleSetting> {
  const out: Record<string, RuleSetting> = {};
  for (const meta of RULE_METAS) out[meta.id] = ids.has(meta.id) ? { ...settings[meta.id], enabled: true } : { enabled: false };
  return out;
}

/**
 * Reviews changed files the differential way: head and (where needed) base analyzed with analyze(),
 * each file compared with compareVersions. Files of the change are analyzed together, so a
 * package-aware analyze() sees them as one package in both versions.
 */
export function analyzeChanges(files: readonly ChangedFile[], options: Omit<AnalyzeOptions, 'scope'> & { scope: ReviewScope }): ReviewResult {
  // A review of changes: rules that are on only for changes (RuleMeta.defaultEnabled 'changes') run.
  const { scope, ...rest } = options;
  const analyzeOptions = { ...rest, reviewingChanges: true };
  const deltas = new Map<string, FileDelta>();
  const headOnly: ReviewResult['headOnly'] = [];
  for (const file of files) {
    if (file.contextOnly) continue;
    const d = deltaOf(file);
    if ('delta' in d) deltas.set(file.path, d.delta);
    else headOnly.push({ file: file.path, reason: d.error });
  }
  const sourceOf = (f: ChangedFile, content: string): SourceFile => ({ ...(f.contextOnly ? { contextOnly: true } : {}), path: f.path, content });
  // Each changed file carries its added lines: fixes that rewrite other lines can't be suggestions, so they go unchecked.
  const head = analyze(
    files.map((f) => (f.contextOnly ? sourceOf(f, f.content) : { ...sourceOf(f, f.content), addedLines: addedLinesOf({ patch: f.patch, ...(deltas.has(f.path) ? { delta: deltas.get(f.path)! } : {}) }) })),
    { ...analyzeOptions, scope: 'all', fixes: headFixes(scope) },
  );
  const headByFile = groupByFile(head.findings);
  // Only the bases that can change what is shown, with only the rules that fired there.
  const baseRules = new Set<string>();
  const withBase = files.filter((f) => {
    const delta = deltas.get(f.path);
    if (f.contextOnly || !delta) return false;
    const rules = rulesNeedingBase(headByFile.get(f.path) ?? [], delta);
    for (const r of rules) baseRules.add(r);
    return rules.size > 0;
  });
  const base =
    withBase.length > 0
      ? analyze([...withBase.map((f) => sourceOf(f, deltas.get(f.path)!.base)), ...files.filter((f) => f.contextOnly)], {
          ...analyzeOptions,
          rules: onlyRules(baseRules, analyzeOptions.rules),
          scope: 'all',
          // Base findings are only matched against head's, never shown.
          fixes: 'none',
        })
      : undefined;
  const baseByFile = groupByFile(base?.findings ?? []);
  const result: ReviewResult = { findings: [], suppressed: { ...head.suppressed }, files: head.files, headOnly, preExistingNotShown: 0 };
  for (const file of files) {
    if (file.contextOnly) continue;
    const delta = deltas.get(file.path);
    const out = compareVersions({
      path: file.path,
      head: file.content,
      patch: file.patch,
      ...(delta ? { delta } : {}),
      ...(delta && withBase.includes(file) ? { baseFindings: baseByFile.get(file.path) ?? [] } : {}),
      headFindings: headByFile.get(file.path) ?? [],
      scope,
      ...(options.goVersion ? { goVersion: options.goVersion } : {}),
      ...(options.rules ? { rules: options.rules } : {}),
      ...(options.models ? { models: options.models } : {}),
    });
    result.findings.push(...out.findings);
    result.preExistingNotShown += out.preExistingNotShown;
    for (const [rule, n] of Object.entries(out.suppressed)) result.suppressed[rule] = (result.suppressed[rule] ?? 0) + n;
  }
  result.findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return result;
}

function groupByFile(findings: readonly Finding[]): Map<string, Finding[]> {
  const by = new Map<string, Finding[]>();
  for (const f of findings) (by.get(f.file) ?? by.set(f.file, []).get(f.file)!).push(f);
  return by;
}
