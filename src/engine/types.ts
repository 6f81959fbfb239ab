/** The engine's public data shapes. Nothing here knows about GitHub. */
import type { ModelEntry } from './models/index.js';

export type Severity = 'error' | 'warning' | 'info';

/**
 * One edit of a fix: lines startLine..endLine (1-based, inclusive) replaced by `replacement`, the shape
 * of a GitHub ```suggestion block. An insertion replaces a neighbouring line with itself plus the new lines.
 */
export interface TextEdit {
  startLine: number;
  endLine: number;
  /** The new text of lines startLine..endLine, without a trailing newline. */
  replacement: string;
}

/**
 * A fix (go/analysis' SuggestedFix): what it does in words, and every edit it needs, applied together.
 * The engine offers one only after checking the edited file (see engine/fix/verify.ts).
 */
export interface SuggestedFix {
  /** One sentence describing the whole fix; also the advice given when the edits are not offered. */
  message: string;
  /** Non-overlapping edits in line order. */
  edits: TextEdit[];
}

/** Another access that takes part in the race, e.g. the conflicting write in the other goroutine. */
export interface RelatedLocation {
  file: string;
  line: number;
  message: string;
}

/**
 * One goroutine's way to a racing access, in order: where it starts, the calls it makes, the access.
 * SARIF carries these as a code flow.
 */
export interface ThreadFlow {
  /** What this goroutine is, e.g. "the goroutine `go s.loop()` starts". */
  description: string;
  steps: RelatedLocation[];
}

export interface Finding {
  rule: string;
  file: string;
  /** 1-based line and column of the flagged access; end is exclusive-column, inclusive-line. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  /** One or two sentences naming the variable or field and the conflicting access. */
  message: string;
  related: RelatedLocation[];
  /** The interleaving: each racing goroutine's path to its access, where the rule knows it. */
  threads?: ThreadFlow[];
  /** A verified mechanical fix; absent when none exists or the engine's checks rejected it. */
  fix?: SuggestedFix;
  /** Markdown that explains a fix that is not a mechanical edit (e.g. a mutex-guarded writer). */
  fixHint?: string;
}

/** One Go file handed to the engine. */
export interface SourceFile {
  /** The path as it appears in the diff, or as given on the command line. */
  path: string;
  content: string;
  /**
   * Lines added by the change (1-based, in the new file). When present and scope is 'diff',
   * only findings with an access on one of these lines are reported, anchored on such a line.
   */
  addedLines?: ReadonlySet<number>;
  /**
   * A file of the same package loaded only for its facts (types, locks, methods): nothing is
   * reported on it and it is not counted among the analyzed files.
   */
  contextOnly?: boolean;
}

export interface RuleSetting {
  enabled?: boolean;
  severity?: Severity;
}

export interface AnalyzeOptions {
  /** Go language version from go.mod, e.g. "1.21". A file's `//go:build go1.N` line overrides it. */
  goVersion?: string;
  /** 'diff' reports only on added lines of files that carry addedLines; 'all' reports everything. */
  scope?: 'diff' | 'all';
  /** Per-rule overrides, keyed by rule id. */
  rules?: Record<string, RuleSetting>;
  /** A review of changes (a pull request, a diff) rather than of whole files: turns on rules whose default is 'changes'. */
  reviewingChanges?: boolean;
  /** Wall-clock budget per file in milliseconds; a file over budget is reported in `overBudget`. */
  fileBudgetMs?: number;
  /**
   * Which proposed fixes are checked (engine/fix/verify.ts, which re-analyzes the package: the costliest
   * step) and offered. 'all', the default: every one. 'added-lines': only those whose edits rewrite lines
   * the change added (SourceFile.addedLines, where a file carries them), the only ones a review can show
   * as suggestions; the others give their advice in words, unchecked. 'none': no fix is offered, for an
   * analysis whose findings are only compared (the base of a differential review).
   */
  fixes?: 'all' | 'added-lines' | 'none';
  /**
   * Models of the user's own APIs (the shape of models/*.json entries, checked with parseModels),
   * added to the bundled ones and winning over them. Plain data, so it crosses to worker processes.
   */
  models?: ModelEntry[];
  /**
   * Parse every function body. By default the bodies that neither the model walks nor an enabled rule
   * reads are left out of a file's parse (engine/skeleton.ts): the findings are the same, faster, but a
   * syntax error inside such a body goes unreported (FileReport.hasSyntaxErrors).
   */
  fullParse?: boolean;
}

export interface FileReport {
  file: string;
  /**
   * True when tree-sitter found syntax errors in what it parsed; the engine still analyzed what parsed.
   * Bodies no rule reads are not parsed unless AnalyzeOptions.fullParse is set: an error inside one
   * cannot change a finding, and is not reported.
   */
  hasSyntaxErrors: boolean;
  elapsedMs: number;
  overBudget: boolean;
  /** Set when analysis of this file failed internally; the other files are still analyzed. */
  error?: string;
  /** Set by a caller that stopped the analysis at a wall-clock deadline (the App's worker pool): nothing was reviewed. */
  timedOut?: boolean;
  /**
   * Set when the file's `//go:build` line leaves it out of every build made without custom tags
   * (`//go:build ignore`) and it is no `package main` program (those are analyzed alone, as `go run
   * gen.go` runs them): like `go vet`, the engine neither analyzes it nor reads it as a sibling.
   */
  excludedByBuild?: boolean;
  /** //racecheck:ignore comments that are malformed or silenced nothing. */
  ignoreProblems?: { line: number; message: string }[];
}

/** Why the engine did not offer a fix a rule proposed. */
export interface DroppedFix {
  file: string;
  rule: string;
  line: number;
  reason: string;
}

/** The fixes rules proposed for reported findings: offered = verified + dropped. */
export interface FixStats {
  offered: number;
  verified: number;
  dropped: DroppedFix[];
}

export interface AnalysisResult {
  findings: Finding[];
  /** Set by analyze(); optional so that results assembled elsewhere (fakes, empty runs) need not count fixes. */
  fixes?: FixStats;
  /** Findings silenced by //racecheck:ignore or //nolint:racecheck, counted per rule. */
  suppressed: Record<string, number>;
  files: FileReport[];
}

/** What a rule tells users about itself (the ESLint `meta` block / go/analysis Doc). */
export interface RuleMeta {
  id: string;
  /** One line: what the hazard is. */
  summary: string;
  defaultSeverity: Severity;
  /** Whether the rule can offer a mechanical fix. */
  fixable: boolean;
  /**
   * When the rule runs unless the settings say otherwise (config `rules: { id: true }`, CLI
   * `--enable`): always (true, the default), never (false), or only when reviewing changes
   * ('changes': a pull request, `--diff`, `--base`), not in a whole-repository run. A rule whose
   * findings over whole real repositories were right less than 70% of the time in the hand triage
   * (bench/triage) is not on for whole repositories.
   */
  defaultEnabled?: boolean | 'changes';
  /** Relative path of the rule's page, e.g. docs/rules/closure-write.md. */
  docPath: string;
}
