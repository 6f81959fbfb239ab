/**
 * The racecheck command line: review Go files, a diff, or the current branch for data-race hazards.
 * runCli holds all the logic (testable with fake streams); main wires it to the process.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { analyze, analyzeChanges, emptyFixStats, loadModelsFile, mergeFixStats, ModelError, parseUnifiedDiff, DiffParseError, REVIEW_SCOPES, RULES } from '../engine/index.js';
import type { AnalysisResult, ChangedFile, ModelEntry, ReviewResult, ReviewScope, RuleSetting, SourceFile } from '../engine/index.js';
import { effectiveGoVersion } from '../engine/goversion.js';
import { CliError, describeFsError } from './errors.js';
import { collectGoFiles, isSkippedDir } from './files.js';
import { diffAgainstBase } from './git.js';
import { releaseNativeMemory } from './native-memory.js';
import { ModuleVersionResolver } from './gomod.js';
import { formatGithub, formatJson, formatText, OUTPUT_FORMATS, summaryLine } from './format.js';
import type { OutputFormat, RunSummary } from './format.js';
import { formatSarif } from './sarif.js';
import { docsBaseUrl } from '../report/docs-url.js';
import { FAIL_ON_VALUES, failsOn, isFailOn, type FailOn } from '../report/fail-on.js';
import { progressFor } from './progress.js';

export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  /** Progress and, for json/sarif, the closing summary go here when it is a TTY. */
  stderr: { write(text: string): unknown; isTTY?: boolean };
  cwd: string;
  /** Where `--diff -` reads from; defaults to process.stdin. */
  stdin?: AsyncIterable<string | Buffer>;
  /** Environment for NO_COLOR and RACECHECK_DOCS_BASE_URL; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Milliseconds clock for progress throttling; defaults to performance.now. */
  now?: () => number;
}

export const USAGE = `Usage:
  racecheck [options] [PATH...]          analyze .go files and directories (default: .)
  racecheck [options] --diff FILE|-      review what a unified diff introduces (- reads stdin)
  racecheck [options] --base REV         review this branch like a pull request against REV

Options:
  --diff FILE|-        unified diff to review; files are read from --root
  --base REV           diff merge-base(REV, HEAD) against the working tree (git)
  --root DIR           directory the diff's paths are relative to / the git repository (default: .)
  --scope SCOPE        with --diff/--base: introduced (default: what the change adds or
                       enables, incl. removed locks, copies and joins), touched (also races
                       the base already had in the functions it changes), all (whole files)
  --all                the same as --scope all
  --format FORMAT      text (default), json, sarif (SARIF 2.1.0, for code scanning),
                       or github (workflow-command annotations)
  --go-version 1.N     Go version for files outside any module (default: none)
  --fail-on SEVERITY   exit 1 on a finding at least this severe: warning (default: any
                       finding), error (as the App and the Action do by default), never
  --models FILE        a JSON file of models of your own APIs (see docs/models.md); repeatable
  --enable RULE,...    turn on rules that are off by default (see --list-rules)
  --disable RULE,...   turn rules off
  --list-rules         print the rules and exit
  -h, --help           print this help and exit
  -v, --version        print the version and exit

Directories are walked recursively, skipping vendor/, testdata/ and hidden directories.
Exit status: 0 no findings (at or above --fail-on), 1 findings, 2 usage or I/O error.
`;

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

interface ParsedArgs {
  paths: string[];
  diff?: string;
  base?: string;
  root?: string;
  scope?: ReviewScope;
  format: OutputFormat;
  goVersion?: string;
  /** The least severe finding that makes the exit status 1. */
  failOn: FailOn;
  /** Per-rule on/off from --enable and --disable. */
  rules: Record<string, RuleSetting>;
  /** Models files from --models, read when the run starts. */
  models: string[];
  help: boolean;
  version: boolean;
  listRules: boolean;
}

/** `--enable a,b --enable c` → on/off settings; an unknown rule id is a usage error. */
function ruleSwitches(enable: readonly string[], disable: readonly string[]): Record<string, RuleSetting> {
  const settings: Record<string, RuleSetting> = {};
  const known = new Set(RULES.map((r) => r.id));
  for (const [values, enabled, flag] of [[enable, true, '--enable'], [disable, false, '--disable']] as const) {
    for (const id of values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)) {
      if (!known.has(id)) throw new CliError(`${flag}: unknown rule '${id}' (see racecheck --list-rules)`);
      settings[id] = { enabled };
    }
  }
  return settings;
}

function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        diff: { type: 'string' },
        base: { type: 'string' },
        root: { type: 'string' },
        all: { type: 'boolean', default: false },
        scope: { type: 'string' },
        format: { type: 'string', default: 'text' },
        'go-version': { type: 'string' },
        'fail-on': { type: 'string', default: 'warning' },
        'list-rules': { type: 'boolean', default: false },
        enable: { type: 'string', multiple: true, default: [] },
        models: { type: 'string', multiple: true, default: [] },
        disable: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    // parseArgs messages are multi-sentence; keep the part that names the problem.
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new CliError(`unknown option ${unknown[1]} (see racecheck --help)`);
    const missing = /Option '([^']+)' argument missing/.exec(message);
    if (missing) throw new CliError(`option ${missing[1].replace(/^-\w, /, '').replace(/ <value>$/, '')} needs a value`);
    throw new CliError(message.split('\n')[0]);
  }
  const v = parsed.values;
  if (!OUTPUT_FORMATS.includes(v.format as OutputFormat)) {
    throw new CliError(`unknown --format '${v.format}' (expected ${OUTPUT_FORMATS.join(', ')})`);
  }
  if (v.diff !== undefined && v.base !== undefined) throw new CliError('--diff and --base cannot be used together');
  if ((v.diff !== undefined || v.base !== undefined) && parsed.positionals.length > 0) {
    throw new CliError(`paths cannot be combined with ${v.diff !== undefined ? '--diff' : '--base'} (got ${parsed.positionals[0]})`);
  }
  if (v.root !== undefined && v.diff === undefined && v.base === undefined) {
    throw new CliError('--root only applies to --diff and --base');
  }
  if (v.scope !== undefined && !REVIEW_SCOPES.includes(v.scope as ReviewScope)) {
    throw new CliError(`unknown --scope '${v.scope}' (expected ${REVIEW_SCOPES.join(', ')})`);
  }
  if (v.scope !== undefined && v.all && v.scope !== 'all') throw new CliError(`--all means --scope all; it cannot be combined with --scope ${v.scope}`);
  if (v.scope !== undefined && v.diff === undefined && v.base === undefined) throw new CliError('--scope only applies to --diff and --base');
  if (v['go-version'] !== undefined && !/^1\.\d+$/.test(v['go-version'])) {
    throw new CliError(`--go-version must look like 1.21 (got ${v['go-version']})`);
  }
  const failOn = v['fail-on'] ?? 'warning';
  if (!isFailOn(failOn)) throw new CliError(`unknown --fail-on '${failOn}' (expected ${FAIL_ON_VALUES.join(', ')})`);
  return {
    paths: parsed.positionals,
    diff: v.diff,
    base: v.base,
    root: v.root,
    scope: v.all ? 'all' : (v.scope as ReviewScope | undefined),
    format: v.format as OutputFormat,
    goVersion: v['go-version'],
    failOn,
    rules: ruleSwitches(v.enable ?? [], v.disable ?? []),
    models: v.models ?? [],
    help: v.help ?? false,
    version: v.version ?? false,
    listRules: v['list-rules'] ?? false,
  };
}

/** A file to analyze, before its content is read. */
interface Target {
  displayPath: string;
  absolutePath: string;
  addedLines?: Set<number>;
  /** A sibling of a changed file, read for its package's facts only. */
  contextOnly?: boolean;
  /** The file's hunks, for reviewing a change. */
  patch?: string;
}

/** Bytes of unchanged sibling files read per package; past it the package is reviewed file by file. */
const SIBLING_BUDGET_BYTES = 4 << 20;

/**
 * The other .go files in the directories of the changed files: one package's facts (its types,
 * which lock guards what, which methods run on goroutines) live across its files.
 */
async function siblingTargets(changed: readonly Target[]): Promise<Target[]> {
  const seen = new Set(changed.map((t) => t.absolutePath));
  const dirs = new Map<string, string>();
  for (const t of changed) dirs.set(dirname(t.absolutePath), dirname(t.displayPath));
  const out: Target[] = [];
  for (const [absDir, displayDir] of dirs) {
    let entries: string[];
    try {
      entries = (await readdir(absDir)).filter((n) => n.endsWith('.go')).sort();
    } catch {
      continue; // the changed files say what is wrong when they are read
    }
    const candidates: Target[] = [];
    let bytes = 0;
    for (const name of entries) {
      const abs = resolve(absDir, name);
      if (seen.has(abs)) continue;
      try {
        const info = await stat(abs);
        if (!info.isFile()) continue;
        bytes += info.size;
      } catch {
        continue;
      }
      candidates.push({ displayPath: displayDir === '.' ? name : `${displayDir}/${name}`, absolutePath: abs, contextOnly: true });
    }
    if (bytes <= SIBLING_BUDGET_BYTES) out.push(...candidates);
  }
  return out;
}

async function readAll(input: AsyncIterable<string | Buffer>): Promise<string> {
  const chunks: string[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
  return chunks.join('');
}

/** Targets from a diff's text: touched, non-deleted .go files outside vendor/ and testdata/. */
function targetsFromDiff(diffText: string, root: string, origin: string): Target[] {
  let files;
  try {
    files = parseUnifiedDiff(diffText);
  } catch (err) {
    const why = err instanceof DiffParseError ? err.message : describeFsError(err);
    throw new CliError(`${origin} does not parse as a unified diff: ${why}`);
  }
  return files
    .filter((f) => !f.deleted && f.path.endsWith('.go'))
    .filter((f) => !f.path.split('/').slice(0, -1).some(isSkippedDir))
    .map((f) => ({ displayPath: f.path, absolutePath: resolve(root, f.path), addedLines: f.addedLines, patch: f.patch }));
}

async function readSources(targets: readonly Target[], missingHint: string): Promise<(SourceFile & { absolutePath: string; patch?: string })[]> {
  // Bounded: a whole repository at once would run out of file descriptors.
  const limit = pLimit(32);
  return Promise.all(
    targets.map((t) => limit(async () => {
      let content: string;
      try {
        content = await readFile(t.absolutePath, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${t.displayPath}: ${describeFsError(err)}${missingHint}`);
      }
      const file: SourceFile & { absolutePath: string; patch?: string } = { path: t.displayPath, content, absolutePath: t.absolutePath };
      if (t.addedLines) file.addedLines = t.addedLines;
      if (t.contextOnly) file.contextOnly = true;
      if (t.patch !== undefined) file.patch = t.patch;
      return file;
    })),
  );
}

/**
 * Files grouped by effective Go version (nearest go.mod, overridden by the file's build tag),
 * since analyze() takes one version per call. `fallbackVersion` covers files outside any module.
 */
export function groupByGoVersion(
  files: readonly (SourceFile & { absolutePath: string })[],
  fallbackVersion?: string,
): Map<string | undefined, SourceFile[]> {
  const modules = new ModuleVersionResolver(fallbackVersion);
  const groups = new Map<string | undefined, SourceFile[]>();
  for (const { absolutePath, ...file } of files) {
    const version = effectiveGoVersion(modules.versionFor(absolutePath), file.content);
    const group = groups.get(version) ?? [];
    group.push(file);
    groups.set(version, group);
  }
  return groups;
}

/** Files per analyze() call; between calls the event loop runs so freed syntax trees are released. */
const ANALYZE_BATCH = 50;

/** Batches of about ANALYZE_BATCH files that never split a directory (a package is analyzed whole). */
function batchesByDirectory(files: readonly SourceFile[]): SourceFile[][] {
  const byDir = new Map<string, SourceFile[]>();
  for (const f of files) {
    const dir = dirname(f.path);
    const list = byDir.get(dir);
    if (list) list.push(f);
    else byDir.set(dir, [f]);
  }
  const batches: SourceFile[][] = [];
  let current: SourceFile[] = [];
  for (const group of byDir.values()) {
    if (current.length > 0 && current.length + group.length > ANALYZE_BATCH) {
      batches.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Analyzes in batches: tree-sitter trees are freed by finalizers that only run when the event
 * loop turns, so one synchronous call over a whole repository would hold every tree at once.
 */
export async function analyzeByGoVersion(
  files: readonly (SourceFile & { absolutePath: string })[],
  scope: 'diff' | 'all',
  fallbackVersion: string | undefined,
  onProgress: (done: number) => void = () => undefined,
  rules: Record<string, RuleSetting> = {},
  reviewingChanges = scope === 'diff',
  models?: ModelEntry[],
): Promise<AnalysisResult> {
  const groups = groupByGoVersion(files, fallbackVersion);
  const merged: AnalysisResult = { findings: [], suppressed: {}, files: [], fixes: emptyFixStats() };
  for (const [goVersion, group] of groups) {
    for (const batch of batchesByDirectory(group)) {
      const result = analyze(batch, { scope, rules, reviewingChanges, ...(goVersion ? { goVersion } : {}), ...(models?.length ? { models } : {}) });
      merged.findings.push(...result.findings);
      merged.files.push(...result.files);
      mergeFixStats((merged.fixes ??= emptyFixStats()), result.fixes);
      for (const [rule, n] of Object.entries(result.suppressed)) merged.suppressed[rule] = (merged.suppressed[rule] ?? 0) + n;
      onProgress(merged.files.length);
      releaseNativeMemory();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  merged.findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return merged;
}

/**
 * Reviews a change: each batch's head and base are analyzed together (analyzeChanges), by Go version
 * and in whole-directory batches for the same reasons as analyzeByGoVersion (siblings ride along as
 * context in both versions).
 */
export async function reviewChangesByGoVersion(
  files: readonly (SourceFile & { absolutePath: string; patch?: string })[],
  scope: ReviewScope,
  fallbackVersion: string | undefined,
  onProgress: (done: number) => void = () => undefined,
  rules?: Record<string, RuleSetting>,
  models?: ModelEntry[],
): Promise<ReviewResult> {
  const groups = groupByGoVersion(files, fallbackVersion);
  const patches = new Map(files.map((f) => [f.path, f.patch ?? '']));
  const merged: ReviewResult = { findings: [], suppressed: {}, files: [], headOnly: [], preExistingNotShown: 0 };
  for (const [goVersion, group] of groups) {
    for (const files of batchesByDirectory(group)) {
      const batch: ChangedFile[] = files.map((f) => ({ ...f, patch: patches.get(f.path) ?? '' }));
      const result = analyzeChanges(batch, { scope, ...(goVersion ? { goVersion } : {}), ...(rules ? { rules } : {}), ...(models?.length ? { models } : {}) });
      merged.findings.push(...result.findings);
      merged.files.push(...result.files);
      merged.headOnly.push(...result.headOnly);
      merged.preExistingNotShown += result.preExistingNotShown;
      for (const [rule, n] of Object.entries(result.suppressed)) merged.suppressed[rule] = (merged.suppressed[rule] ?? 0) + n;
      onProgress(merged.files.length);
      releaseNativeMemory();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  merged.findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return merged;
}

/** The entries of every --models file; a bad file is a usage error with a one-line message. */
function readModels(paths: readonly string[], cwd: string): ModelEntry[] {
  try {
    return paths.flatMap((p) => loadModelsFile(isAbsolute(p) ? p : resolve(cwd, p)));
  } catch (err) {
    if (err instanceof ModelError) throw new CliError(err.message.replace(`${cwd}/`, ''));
    throw err;
  }
}

function listRules(): string {
  if (RULES.length === 0) return 'racecheck: no rules are registered\n';
  const width = Math.max(...RULES.map((r) => r.id.length));
  return RULES.map((r) => `${r.id.padEnd(width)}  ${r.defaultSeverity.padEnd(7)}  ${r.fixable ? 'fix ' : '    '} ${r.defaultEnabled === false ? 'off' : r.defaultEnabled === 'changes' ? 'diff' : 'on '}  ${r.summary}`).join('\n') + '\n';
}

async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const started = performance.now();
  const models = readModels(args.models, io.cwd);
  let targets: Target[];
  // Set when reviewing a change (--diff, --base); undefined: whole files.
  let scope: ReviewScope | undefined;
  let missingHint = '';
  // The directory finding paths are relative to: SARIF's %SRCROOT%.
  let srcRoot = io.cwd;
  if (args.diff !== undefined) {
    const root = resolve(io.cwd, args.root ?? '.');
    srcRoot = root;
    let diffText: string;
    if (args.diff === '-') {
      diffText = await readAll(io.stdin ?? process.stdin);
    } else {
      try {
        diffText = await readFile(isAbsolute(args.diff) ? args.diff : resolve(io.cwd, args.diff), 'utf8');
      } catch (err) {
        throw new CliError(`cannot read diff ${args.diff}: ${describeFsError(err)}`);
      }
    }
    targets = targetsFromDiff(diffText, root, args.diff === '-' ? 'standard input' : args.diff);
    scope = args.scope ?? 'introduced';
    missingHint = ` (paths in the diff are read relative to ${args.root ?? 'the current directory'}; set --root)`;
  } else if (args.base !== undefined) {
    const dir = resolve(io.cwd, args.root ?? '.');
    const branch = await diffAgainstBase(args.base, dir);
    targets = targetsFromDiff(branch.diff, branch.topLevel, `git diff against ${args.base}`);
    srcRoot = branch.topLevel;
    scope = args.scope ?? 'introduced';
  } else {
    const paths = args.paths.length > 0 ? args.paths : ['.'];
    targets = await collectGoFiles(paths, io.cwd);
  }

  if (args.diff !== undefined || args.base !== undefined) targets.push(...(await siblingTargets(targets)));
  const files = await readSources(targets, missingHint);
  const progress = progressFor(io.stderr, files.filter((f) => !f.contextOnly).length, io.now ? { now: io.now } : {});
  let result: AnalysisResult;
  try {
    const onProgress = (done: number) => progress.update(done);
    result = scope
      ? await reviewChangesByGoVersion(files, scope, args.goVersion, onProgress, args.rules, models)
      : await analyzeByGoVersion(files, 'all', args.goVersion, onProgress, args.rules, false, models);
  } finally {
    progress.finish();
  }
  for (const report of result.files) {
    if (report.error) io.stderr.write(`racecheck: warning: ${report.file}: analysis failed: ${report.error}\n`);
  }
  for (const { file, reason } of 'headOnly' in result ? (result as ReviewResult).headOnly : []) {
    io.stderr.write(`racecheck: warning: ${file}: reviewed without its base version (${reason}); only findings on added lines are reported\n`);
  }
  const summary: RunSummary = { result, elapsedMs: performance.now() - started };
  const env = io.env ?? process.env;
  const color = io.stdout.isTTY === true && useColor(env);
  let output: string;
  switch (args.format) {
    case 'json':
      output = formatJson(summary);
      break;
    case 'sarif':
      output = formatSarif(summary, {
        version: packageVersion(),
        contents: new Map(files.map((f) => [f.path, f.content])),
        srcRoot,
        docsBaseUrl: docsBaseUrl(env),
      });
      break;
    case 'github':
      output = formatGithub(summary);
      break;
    default:
      output = formatText(summary, color);
  }
  io.stdout.write(output);
  // Machine formats have no summary of their own; a person watching the terminal still gets one.
  if ((args.format === 'json' || args.format === 'sarif') && io.stderr.isTTY === true) {
    io.stderr.write(summaryLine(summary) + '\n');
  }
  return failsOn(result.findings, args.failOn) ? 1 : 0;
}

/** Colour unless NO_COLOR is set to anything non-empty (no-color.org) or the terminal is dumb. */
export function useColor(env: Record<string, string | undefined>): boolean {
  return !env.NO_COLOR && env.TERM !== 'dumb';
}

/** Runs the command line; returns the exit code (0 clean, 1 findings, 2 usage or I/O error). */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (args.version) {
      io.stdout.write(`racecheck ${packageVersion()}\n`);
      return 0;
    }
    if (args.listRules) {
      io.stdout.write(listRules());
      return 0;
    }
    return await run(args, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`racecheck: ${err.message}\n`);
    } else {
      // Not expected; still one line, since a stack trace helps nobody running a linter.
      io.stderr.write(`racecheck: internal error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
    }
    return 2;
  }
}

/** The process entry point used by bin/racecheck.js. */
export async function main(): Promise<void> {
  // `racecheck | head` closes the pipe early; that is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    stdin: process.stdin,
    env: process.env,
  });
}
