/**
 * The engine's entry point: Go files in, findings out. Shared by the CLI, the GitHub App and the Action.
 */
import { buildFileModel, linkPackage, linkTestedPackage, mayRunCallbackUnderLock, prepareFile, walkCandidates, walkNeedsLeftOutBody, type FileModel, type LockedMethods, type PreparedFile, type SkeletonPlan, type WalkChoice } from './semantic/model.js';
import { buildPackageModel, type PackageModel } from './semantic/package.js';
import type { Diagnostic, Rule } from './rule.js';
import { ALL_RULES, DIFFERENTIAL_RULES } from './rules/index.js';
import { findSuppressions } from './suppress.js';
import { effectiveGoVersion, excludedByBuildTag } from './goversion.js';
import { anchorInDiff, everyLineAdded, narrowToDiff } from './diff.js';
import { FixVerifier, touchedFunctions } from './fix/verify.js';
import type { AnalysisResult, AnalyzeOptions, FileReport, Finding, FixStats, RuleMeta, SourceFile, SuggestedFix, TextEdit } from './types.js';
import type { Node } from './semantic/model.js';
import { ApiModels } from './models/index.js';
import { FunctionText, scanGoFile, type BodyTest, type SkeletonContext } from './skeleton.js';
import { parseGo } from './parse.js';
import type Parser from 'tree-sitter';

export * from './types.js';
export { parseUnifiedDiff, addedLinesFromPatch, anchorInDiff, narrowToDiff, DiffParseError } from './diff.js';
export type { DiffFile } from './diff.js';
export { applyEdits } from './fix/verify.js';
export { ApiModels, ModelError, loadModelsFile, parseModels } from './models/index.js';
export type { ModelEntry, FuncModel, TypeModel, ImplementationModel, CallbackMode } from './models/index.js';

/** No fixes yet. */
export function emptyFixStats(): FixStats {
  return { offered: 0, verified: 0, dropped: [] };
}

/** Adds one run's fix counts to another's. */
export function mergeFixStats(into: FixStats, from: FixStats | undefined): void {
  if (!from) return;
  into.offered += from.offered;
  into.verified += from.verified;
  into.dropped.push(...from.dropped);
}
export { addedLinesOf, analyzeChanges, compareVersions, headFixes, deltaOf, differentialKey, onlyRules, placeForReview, REVIEW_SCOPES, rulesNeedingBase } from './differential.js';
export type { ChangedFile, CompareInput, CompareOutput, ReviewedFinding, ReviewResult, ReviewScope } from './differential.js';
export { reverseApply, ReverseApplyError } from './delta.js';
export type { FileDelta } from './delta.js';

export const DEFAULT_FILE_BUDGET_MS = 10_000;

/** Whether a rule runs when the settings don't say: see RuleMeta.defaultEnabled. */
export function isOnByDefault(meta: RuleMeta, options: Pick<AnalyzeOptions, 'reviewingChanges'>): boolean {
  const d = meta.defaultEnabled ?? true;
  return d === 'changes' ? options.reviewingChanges === true : d;
}

/** Every rule's meta block, in a stable order. */
export const RULES: readonly RuleMeta[] = [...ALL_RULES, ...DIFFERENTIAL_RULES].map((r) => r.meta);

/** One file of a package being analyzed, with what the engine has learned of it so far. */
interface FileWork {
  file: SourceFile;
  report: FileReport;
  started: number;
  prepared?: PreparedFile;
  model?: FileModel;
  suppressions?: ReturnType<typeof findSuppressions>;
  /** Every diagnostic on the file, before the diff filter and suppression: the baseline a fix is checked against. */
  raw: { rule: string; message: string }[];
  /** Findings kept for the report, whose fixes are verified before they join the result. */
  reported: Finding[];
  /** The whole file's tree, for fix verification, when `prepared` is a skeleton parse. */
  fullTree?: Parser.Tree;
}

/**
 * The file's tree with every body: fix verification compares syntax errors and compile checks of the
 * whole file before and after an edit, so a skeleton parse (engine/skeleton.ts) will not do.
 */
function fullRootOf(work: FileWork): Node {
  const prepared = work.prepared!;
  if (prepared.skipped.size === 0) return prepared.tree.rootNode;
  return (work.fullTree ??= parseGo(work.file.content)).rootNode;
}

/** What the engine knows of a file before parsing it: its text and package, for the rules' tests. */
interface FileText {
  ctx: SkeletonContext;
  /** Which methods of locked structs an enabled rule needs walked (Rule.lockedMethods). */
  lockedMethods: LockedMethods;
  /** Which functions that lock or use atomics an enabled rule needs walked (Rule.lockingBodies). */
  lockingBodies: LockedMethods;
}

function fileTexts(files: readonly SourceFile[], rules: readonly Rule[], models: ApiModels): FileText[] {
  const scans = files.map((f) => scanGoFile(f.content));
  const packageSources = files.map((f) => f.content);
  const packageTypeSpecs = scans.flatMap((s) => s?.typeSpecs ?? []);
  return files.map((file, i) => {
    const ctx: SkeletonContext = { source: file.content, scanned: scans[i], packageSources, packageTypeSpecs, models };
    return { ctx, lockedMethods: walksAskedFor(rules, ctx, 'lockedMethods'), lockingBodies: walksAskedFor(rules, ctx, 'lockingBodies') };
  });
}

/** The union of the enabled rules' tests of one kind; a rule that does not say needs them all. */
function walksAskedFor(rules: readonly Rule[], ctx: SkeletonContext, kind: 'lockedMethods' | 'lockingBodies'): LockedMethods {
  const tests: BodyTest[] = [];
  for (const rule of rules) {
    const ask = rule[kind];
    if (!ask) return 'all';
    const test = ask.call(rule, ctx);
    if (test) tests.push(test);
  }
  if (tests.length === 0) return 'none';
  return tests.length === 1 ? tests[0] : (fn) => tests.some((test) => test(fn));
}

/**
 * Which bodies a file's parse keeps: those the model may walk (walkCandidates) and those an enabled
 * rule may read (Rule.bodies); a rule that may read any body has the file parsed in full. A sibling
 * loaded for context only, with no package rule to read it, needs no body at all.
 */
function skeletonPlan(file: SourceFile, text: FileText, rules: readonly Rule[], packageRules: boolean, hasExternalTests: boolean): SkeletonPlan | undefined {
  const { ctx } = text;
  const scanned = ctx.scanned;
  if (!scanned) return undefined;
  // A context file's bodies matter only to package rules, and to the external test package's calls.
  if (file.contextOnly && !packageRules) return { scanned, keep: (fn) => hasExternalTests && mayRunCallbackUnderLock(new FunctionText(file.content, fn)) };
  const tests: BodyTest[] = [walkCandidates(ctx, text.lockedMethods, text.lockingBodies)];
  for (const rule of rules) {
    const test = rule.bodies ? rule.bodies(ctx) : 'all';
    if (test === 'all') return undefined;
    if (test) tests.push(test);
  }
  return {
    scanned,
    keep: (fn) => {
      const body = new FunctionText(file.content, fn);
      try {
        return tests.some((test) => test(body));
      } catch {
        return true; // a test that fails keeps the body: nothing is lost
      }
    },
  };
}

function failed(work: FileWork, err: unknown): void {
  // One file's internal failure must not cost the others their review.
  work.report.error = err instanceof Error ? err.message : String(err);
}

/** Where a diagnostic lands: the diff filter, then suppression comments, then the rule's findings. */
function collector(work: FileWork, rule: Rule, options: AnalyzeOptions, result: AnalysisResult, kept: Finding[]) {
  const file = work.file;
  const setting = options.rules?.[rule.meta.id];
  const diffOnly = options.scope !== 'all' && file.addedLines !== undefined;
  const seen = new Set<string>();
  return (d: Diagnostic): void => {
    const key = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    work.raw.push({ rule: rule.meta.id, message: d.message });
    const whole: Finding = {
      rule: rule.meta.id,
      file: file.path,
      line: d.line,
      column: d.column,
      endLine: d.endLine,
      endColumn: d.endColumn,
      severity: setting?.severity ?? rule.meta.defaultSeverity,
      message: d.message,
      related: (d.related ?? []).map((r) => ({ file: r.file ?? file.path, line: r.line, message: r.message })),
    };
    if (d.threads) whole.threads = d.threads;
    if (d.fix) whole.fix = d.fix;
    if (d.fixHint) whole.fixHint = d.fixHint;
    // Outside the diff: neither reported nor counted as suppressed.
    if (diffOnly && !anchorInDiff(whole, file.addedLines!)) return;
    // The suppression comment sits next to the flagged code, wherever the finding is anchored.
    if (work.suppressions?.silences(rule.meta.id, d.line)) {
      result.suppressed[rule.meta.id] = (result.suppressed[rule.meta.id] ?? 0) + 1;
      return;
    }
    kept.push(whole);
  };
}

function flush(work: FileWork, options: AnalyzeOptions, kept: Finding[]): void {
  const file = work.file;
  const diffOnly = options.scope !== 'all' && file.addedLines !== undefined;
  // Anchoring and the one-side-in-the-diff dedupe are shared with the App (narrowToDiff).
  work.reported.push(...(diffOnly ? narrowToDiff(kept, new Map([[file.path, file.addedLines!]])) : kept));
}

/** Whether a message already gives a fix's advice (perhaps as the start of a longer sentence). */
function saysAlready(message: string, advice: string): boolean {
  return message.includes(advice.replace(/\.$/, ''));
}

/** Whether a fix is worth checking: see AnalyzeOptions.fixes. */
function offerable(fix: SuggestedFix, file: SourceFile, options: AnalyzeOptions): boolean {
  if (options.fixes === 'none') return false;
  if (options.fixes !== 'added-lines' || !file.addedLines) return true;
  const added = file.addedLines;
  return fix.edits.every((e) => everyLineAdded(e.startLine, e.endLine, added));
}

/**
 * Keeps each proposed fix of a file's findings only when it holds (engine/fix/verify.ts): the package
 * is analyzed again with the file edited. A dropped fix leaves its advice in the message, in words.
 */
function verifyFixes(work: FileWork, works: readonly FileWork[], options: AnalyzeOptions, stats: FixStats, tested?: PackageRun['tested']): void {
  const files = works.map((w) => w.file);
  // The file's own analysis time and its fixes' checks share the file's budget.
  const budget = options.fileBudgetMs ?? DEFAULT_FILE_BUDGET_MS;
  const deadline = performance.now() + budget - work.report.elapsedMs;
  const root = work.model!.tree.rootNode;
  // Siblings' models reused when an edit keeps the file's package-level declarations.
  const unedited = new Map(works.filter((w) => w !== work && w.prepared && !w.report.error).map((w) => [w.file, w]));
  let verifier: FixVerifier | undefined;
  for (const f of work.reported) {
    const fix = f.fix;
    if (!fix) continue;
    if (!offerable(fix, work.file, options)) {
      delete f.fix;
      if (options.fixes !== 'none' && !saysAlready(f.message, fix.message)) f.message = `${f.message} ${fix.message}`;
      continue;
    }
    stats.offered++;
    let reason: string | undefined;
    if (performance.now() > deadline) {
      reason = 'the file ran out of its time budget before the fix was checked';
    } else {
      verifier ??= new FixVerifier(work.file.content, { root: fullRootOf(work), diagnostics: work.raw }, (edited, edits) => {
        const again = analyzePackage(
          files.map((x) => (x === work.file ? { ...x, content: edited } : x)),
          { ...options, scope: 'all' },
          { findings: [], suppressed: {}, files: [] },
          { reportOn: work.file.path, verify: false, full: true, ...(touchedFunctions(root, edits) ? { reuse: unedited } : {}), ...(tested ? { tested } : {}) },
        ).find((w) => w.file.path === work.file.path);
        if (!again?.model) throw new Error('the edited file could not be analyzed');
        return { root: again.model.tree.rootNode, diagnostics: again.raw };
      }, works.filter((w) => w !== work && w.prepared).map((w) => ({ path: w.file.path, root: fullRootOf(w) })));
      try {
        reason = verifier.check(fix, { rule: f.rule, message: f.message });
      } catch (err) {
        reason = err instanceof Error ? err.message : String(err);
      }
    }
    if (reason === undefined) {
      stats.verified++;
      continue;
    }
    delete f.fix;
    stats.dropped.push({ file: f.file, rule: f.rule, line: f.line, reason });
    if (!saysAlready(f.message, fix.message)) f.message = `${f.message} ${fix.message}`;
  }
}

interface PackageRun {
  /** Only this file's diagnostics are wanted (re-analysis for a fix): other files' rules are skipped. */
  reportOn?: string;
  verify: boolean;
  /** Files whose parse and model from an earlier run still hold: they are linked in, not rebuilt. */
  reuse?: ReadonlyMap<SourceFile, FileWork>;
  /** Parse every body (fix verification reads the edited file's whole tree); otherwise a skeleton parse. */
  full?: boolean;
  /** For an external test package (`foo_test`): package foo of the same directory, analyzed first. */
  tested?: { name: string; works: readonly FileWork[] };
  /** The package's external test package is analyzed with it: bodies its calls read are kept. */
  hasExternalTests?: boolean;
}

/** The files of one Go package: one directory, one package clause (`foo_test` apart from `foo`). */
function analyzePackage(files: readonly SourceFile[], options: AnalyzeOptions, result: AnalysisResult, run: PackageRun = { verify: true }): FileWork[] {
  const skipped = (work: FileWork) => work.file.contextOnly === true || (run.reportOn !== undefined && work.file.path !== run.reportOn);
  const budget = options.fileBudgetMs ?? DEFAULT_FILE_BUDGET_MS;
  const rules = ALL_RULES.filter((rule) => options.rules?.[rule.meta.id]?.enabled ?? isOnByDefault(rule.meta, options));
  const models = ApiModels.standard().with(options.models);
  const works: FileWork[] = files.map((file) => {
    const earlier = run.reuse?.get(file);
    return {
      file,
      report: { file: file.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false },
      started: performance.now(),
      raw: [],
      reported: [],
      ...(earlier ? { prepared: earlier.prepared, model: earlier.model, suppressions: earlier.suppressions } : {}),
    };
  });
  const packageRules = rules.some((rule) => rule.runPackage);
  let texts: FileText[] | undefined;
  let plans: (SkeletonPlan | undefined)[] = [];
  try {
    texts = fileTexts(files, rules, models);
    if (!run.full && !options.fullParse) plans = files.map((file, i) => skeletonPlan(file, texts![i], rules, packageRules, run.hasExternalTests === true));
  } catch {
    plans = []; // every file parsed in full, every locked struct's methods walked
  }
  const walksOf = new Map(works.map((w, i) => [w, { lockedMethods: texts?.[i]?.lockedMethods ?? 'all', lockingBodies: texts?.[i]?.lockingBodies ?? 'all' }]));
  const prepare = (work: FileWork, plan: SkeletonPlan | undefined) => {
    try {
      work.prepared = prepareFile(work.file.content, models, plan);
    } catch (err) {
      delete work.prepared;
      failed(work, err);
    }
  };
  works.forEach((work, i) => {
    if (!work.prepared) prepare(work, plans[i]);
  });
  const link = () => {
    const prepared = works.flatMap((w) => (w.prepared ? [w.prepared] : []));
    if (prepared.length > 1) linkPackage(prepared);
    if (run.tested) linkTestedPackage(prepared, run.tested.name, run.tested.works.flatMap((w) => (w.prepared ? [w.prepared] : [])));
  };
  link();

  // A sibling's bodies matter only to package rules; without one running, its declarations (read when
  // it was prepared) are all the other files use.
  const building = () => works.filter((w) => w.prepared && !w.model && !(w.file.contextOnly && !packageRules));
  const walkChoiceOf = (work: FileWork): WalkChoice => {
    const tests = rules.flatMap((rule) => rule.walks?.(work.prepared!) ?? []);
    return {
      alsoWalk: tests.length > 0 ? (text: string) => tests.some((test) => test(text)) : undefined,
      ...walksOf.get(work),
    };
  };
  const walkChoices = new Map<FileWork, WalkChoice>();
  const missed: FileWork[] = [];
  for (const work of building()) {
    try {
      walkChoices.set(work, walkChoiceOf(work));
      // The skeleton plans keep a superset of what the walk selects; should one miss, the file is parsed again whole.
      if (walkNeedsLeftOutBody(work.prepared!, walkChoices.get(work)!)) missed.push(work);
    } catch (err) {
      failed(work, err);
    }
  }
  if (missed.length > 0) {
    for (const work of missed) prepare(work, undefined);
    link();
    for (const work of building()) {
      try {
        walkChoices.set(work, walkChoiceOf(work));
      } catch (err) {
        failed(work, err);
      }
    }
  }

  for (const work of building()) {
    if (work.report.error) continue;
    const started = performance.now();
    try {
      work.model = buildFileModel(work.prepared!, {
        path: work.file.path,
        // The module's version from go.mod, overridden by the file's own //go:build line.
        goVersion: effectiveGoVersion(options.goVersion, work.file.content),
        ...walkChoices.get(work),
      });
      work.report.hasSyntaxErrors = work.model.hasSyntaxErrors;
      work.suppressions = findSuppressions(work.model.lines);
      if (skipped(work)) continue;
      for (const rule of rules) {
        if (!rule.run) continue;
        if (performance.now() - started > budget) {
          work.report.overBudget = true;
          break;
        }
        const kept: Finding[] = [];
        rule.run(work.model, collector(work, rule, options, result, kept));
        flush(work, options, kept);
      }
    } catch (err) {
      failed(work, err);
    }
    work.report.elapsedMs = performance.now() - started;
  }

  const modelled = works.filter((w) => w.model && !w.report.error);
  const byModel = new Map(modelled.map((w) => [w.model!, w]));
  // Built for the package rules only: none may be enabled.
  let pkg: PackageModel | undefined;
  const packageModel = () =>
    (pkg ??= buildPackageModel(
      dirnameOf(files[0]?.path ?? ''),
      (modelled[0]?.prepared?.packageName ?? ''),
      modelled.map((w) => ({ model: w.model!, contextOnly: w.file.contextOnly === true, isTest: w.file.path.endsWith('_test.go') })),
    ));
  for (const rule of rules) {
    if (!rule.runPackage) continue;
    const started = performance.now();
    const kept = new Map<FileWork, Finding[]>();
    const collectors = new Map<FileWork, (d: Diagnostic) => void>();
    try {
      rule.runPackage(packageModel(), (model, d) => {
        const work = byModel.get(model);
        if (!work || skipped(work)) return;
        let collect = collectors.get(work);
        if (!collect) {
          const list: Finding[] = [];
          kept.set(work, list);
          collectors.set(work, (collect = collector(work, rule, options, result, list)));
        }
        collect(d);
      });
    } catch (err) {
      for (const w of modelled) failed(w, err);
    }
    for (const [work, list] of kept) flush(work, options, list);
    // The package rule's time is shared by its files.
    const share = (performance.now() - started) / Math.max(1, modelled.length);
    for (const w of modelled) w.report.elapsedMs += share;
  }

  const known = new Set(ALL_RULES.map((r) => r.meta.id));
  const enabled = new Set(rules.map((r) => r.meta.id));
  for (const work of works) {
    if (skipped(work)) continue;
    if (run.verify && work.model) verifyFixes(work, works, options, (result.fixes ??= emptyFixStats()), run.tested);
    result.findings.push(...work.reported);
    if (work.report.elapsedMs > budget) work.report.overBudget = true;
    if (work.suppressions && !work.report.overBudget && !work.report.error) {
      const added = options.scope !== 'all' ? work.file.addedLines : undefined;
      const problems = work.suppressions.problems(known, enabled, (line) => added === undefined || added.has(line));
      if (problems.length > 0) work.report.ignoreProblems = problems;
    }
    result.files.push(work.report);
  }
  return works;
}

function dirnameOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
}

/** Files grouped by package, in the order each package first appears, with its directory and name; a standalone file is a package of its own. */
function packagesOf(files: readonly SourceFile[], standalone: ReadonlySet<SourceFile> = new Set()): { dir: string; name: string; files: SourceFile[] }[] {
  const groups = new Map<string, { dir: string; name: string; files: SourceFile[] }>();
  for (const file of files) {
    const dir = dirnameOf(file.path);
    const name = packageClause(file.content);
    const key = standalone.has(file) ? `${dir}\0${name}\0${file.path}` : `${dir}\0${name}`;
    const group = groups.get(key);
    if (group) group.files.push(file);
    else groups.set(key, { dir, name, files: [file] });
  }
  return [...groups.values()];
}

// The package clause, read without parsing: the first `package x` outside comments.
function packageClause(source: string): string {
  const m = /^\s*package\s+([A-Za-z_]\w*)/m.exec(source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''));
  return m?.[1] ?? '';
}

/** Analyzes Go files. Never throws on bad input: failures are reported per file. */
export function analyze(files: readonly SourceFile[], options: AnalyzeOptions = {}): AnalysisResult {
  const result: AnalysisResult = { findings: [], suppressed: {}, files: [], fixes: emptyFixStats() };
  // A file no build takes in: a `package main` one is a program of its own (`go run gen.go` ignores
  // the tag), analyzed alone; any other is dead code, left out as `go vet` leaves it.
  const neverBuilt = files.filter((f) => excludedByBuildTag(f.content));
  const standalone = new Set(neverBuilt.filter((f) => packageClause(f.content) === 'main'));
  const excluded = new Set(neverBuilt.filter((f) => !standalone.has(f)));
  for (const f of excluded) result.files.push({ file: f.path, hasSyntaxErrors: false, elapsedMs: 0, overBudget: false, excludedByBuild: true });
  const packages = packagesOf(excluded.size > 0 ? files.filter((f) => !excluded.has(f)) : files, standalone);
  type Package = (typeof packages)[number];
  const testOf = (pkg: Package) => packages.find((p) => p.dir === pkg.dir && p.name === `${pkg.name}_test`);
  const testedBy = (pkg: Package) => (pkg.name.endsWith('_test') ? packages.find((p) => p.dir === pkg.dir && `${p.name}_test` === pkg.name) : undefined);
  // A package's models are kept only until its external test package has read them.
  const kept = new Map<Package, FileWork[]>();
  const done = new Set<Package>();
  const analyzeOnce = (pkg: Package): void => {
    if (done.has(pkg)) return;
    const tested = testedBy(pkg);
    if (tested) analyzeOnce(tested);
    done.add(pkg);
    const testedWorks = tested ? kept.get(tested) : undefined;
    const test = testOf(pkg);
    const works = analyzePackage(pkg.files, options, result, {
      verify: true,
      ...(tested && testedWorks ? { tested: { name: tested.name, works: testedWorks } } : {}),
      ...(test && !done.has(test) ? { hasExternalTests: true } : {}),
    });
    if (tested) kept.delete(tested);
    if (test && !done.has(test)) kept.set(pkg, works);
  };
  for (const pkg of packages) analyzeOnce(pkg);
  // Reports in the order of the files given, whichever package was analyzed first.
  const order = new Map(files.map((f, i) => [f.path, i]));
  result.files.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
  result.findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return result;
}
