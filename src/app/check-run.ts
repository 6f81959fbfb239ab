import type { Finding, ReviewScope, Severity } from '../engine/index.js';
import { failsOn, type FailOn } from '../report/fail-on.js';
import type { SkippedFile } from './files.js';
import { inlineCode as code, oneLine } from '../report/markdown.js';

export const CHECK_NAME = 'racecheck';
export const ANNOTATIONS_PER_REQUEST = 50;
const MAX_SUMMARY_CHARS = 60_000; // GitHub rejects output.summary over 65,535 characters

export type Conclusion = 'success' | 'failure' | 'action_required' | 'neutral';

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

const LEVEL: Record<Severity, Annotation['annotation_level']> = { error: 'failure', warning: 'warning', info: 'notice' };

export function toAnnotation(f: Finding): Annotation {
  const related = f.related.map((r) => `\n- ${r.file === f.file ? '' : `${r.file} `}line ${r.line}: ${r.message}`).join('');
  const a: Annotation = {
    path: f.file,
    start_line: f.line,
    end_line: Math.max(f.line, f.endLine),
    annotation_level: LEVEL[f.severity],
    title: f.rule,
    message: f.message + related,
  };
  // GitHub only takes columns on single-line annotations.
  if (a.start_line === a.end_line && f.endColumn > f.column) Object.assign(a, { start_column: f.column, end_column: f.endColumn });
  return a;
}

/** `incomplete`: part of the pull request was not reviewed, so a pass would be a claim nobody checked. */
export function conclusionFor(findings: readonly Finding[], failOn: FailOn, incomplete = false): Conclusion {
  if (failsOn(findings, failOn)) return 'failure';
  return incomplete ? 'neutral' : 'success';
}

/** A file the run could not review, or reviewed only in part, with why. */
export interface NotReviewed {
  file: string;
  reason: string;
}

/** A file-level annotation, so the gap shows on the file in the pull request's Files tab too. */
export function notReviewedAnnotation(n: NotReviewed): Annotation {
  return { path: n.file, start_line: 1, end_line: 1, annotation_level: 'warning', title: 'racecheck: not fully analyzed', message: `${n.reason}. Data races in this file may have gone unreported.` };
}

export interface SummaryInput {
  scope: ReviewScope;
  /** Findings the run reports on (the change, or whole files for `/racecheck all`). */
  reported: readonly Finding[];
  /** Findings elsewhere in the changed files: annotations only. */
  outsideScope: number;
  /** Races the base already had in functions the change touches, not reported (scope introduced). */
  preExistingNotShown?: number;
  /** Files reviewed without their base version, and why. */
  headOnly?: readonly { file: string; reason: string }[];
  posted: number;
  alreadyCommented: number;
  /** Reported findings that got no inline comment (cap, or not on a diff line). */
  notPosted: readonly Finding[];
  maxComments: number;
  resolved: number;
  analyzed: readonly string[];
  /** True when the pull request has more files than GitHub lists (3,000). */
  fileListTruncated: boolean;
  skipped: readonly SkippedFile[];
  suppressed: Record<string, number>;
  engineErrors: readonly { file: string; error: string }[];
  /** Files whose analysis hit the engine's time budget, so some rules did not run on them. */
  overBudget: readonly string[];
  /** Files not reviewed at all (stopped at the deadline, no diff from GitHub). */
  notReviewed?: readonly NotReviewed[];
  reviewNote?: string;
  /** Limits this run hit (files, findings), each saying what was left out and which setting raises it. */
  limitsHit?: readonly string[];
  /**
   * Packages analyzed whole (changed files with their directory's other Go files as context), how many
   * unchanged files that read, and the directories reviewed file by file instead, with why.
   */
  packages?: { analyzed: number; contextFiles: number; withoutPackage: readonly { dir: string; reason: string }[] };
  elapsedMs: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function titleFor(reported: readonly Finding[], notFullyReviewed = 0): string {
  if (notFullyReviewed > 0) {
    const found = reported.length === 0 ? 'no hazards found' : plural(reported.length, 'hazard');
    return `Review incomplete: ${plural(notFullyReviewed, 'file')} not fully analyzed; ${found} elsewhere`;
  }
  if (reported.length === 0) return 'No data-race hazards found';
  const errors = reported.filter((f) => f.severity === 'error').length;
  return `${plural(reported.length, 'data-race hazard')} (${plural(errors, 'error')})`;
}

export function summaryFor(s: SummaryInput): string {
  const out: string[] = [];
  const where = s.scope === 'all' ? 'in the changed files' : s.scope === 'touched' ? 'in the code this change touches' : 'introduced by this change';
  out.push(`**${plural(s.reported.length, 'finding')}** ${where}.`);
  if (s.outsideScope > 0) out.push(`${plural(s.outsideScope, 'more finding')} in unchanged code of the changed files (annotations only).`);
  if (s.preExistingNotShown) {
    out.push(`${plural(s.preExistingNotShown, 'race')} already on the base branch in functions this change touches ${s.preExistingNotShown === 1 ? 'is' : 'are'} not reported: the change did not introduce or worsen ${s.preExistingNotShown === 1 ? 'it' : 'them'} (set \`scope: touched\` to see them).`);
  }
  if (s.headOnly && s.headOnly.length > 0) {
    out.push(`Reviewed without their base version (only findings on added lines are reported):\n` + s.headOnly.map((h) => `- \`${h.file}\`: ${h.reason}`).join('\n'));
  }
  if (s.reported.length > 0) {
    const counts = new Map<string, number>();
    for (const f of s.reported) counts.set(`${f.rule}\u0000${f.file}`, (counts.get(`${f.rule}\u0000${f.file}`) ?? 0) + 1);
    out.push('| Rule | File | Findings |\n| --- | --- | ---: |');
    out[out.length - 1] += [...counts].map(([k, n]) => {
      const [rule, file] = k.split('\u0000');
      return `\n| ${code(rule!)} | ${code(file!)} | ${n} |`;
    }).join('');
  }
  out.push(
    `Inline comments: ${s.posted} new, ${s.alreadyCommented} already posted` +
      (s.resolved > 0 ? `, ${s.resolved} marked resolved` : '') +
      ` (limit ${s.maxComments} per review).`,
  );
  if (s.reviewNote) out.push(s.reviewNote);
  if (s.limitsHit && s.limitsHit.length > 0) out.push(`### Limits reached\n${s.limitsHit.map((l) => `- ${l}`).join('\n')}`);
  if (s.notPosted.length > 0) {
    out.push(`### Findings without an inline comment\n` + s.notPosted.map((f) => `- ${code(`${f.file}:${f.line}`)} ${code(f.rule)} (${f.severity}): ${oneLine(f.message)}`).join('\n'));
  }
  out.push(`### Files\nAnalyzed ${plural(s.analyzed.length, 'Go file')}; skipped ${s.skipped.length}.`);
  if (s.packages && s.packages.contextFiles > 0) {
    out.push(`The changed files were analyzed with the rest of their package: ${plural(s.packages.contextFiles, 'unchanged Go file')} of ${plural(s.packages.analyzed, 'package')} read for context (nothing is reported on them).`);
  }
  if (s.packages && s.packages.withoutPackage.length > 0) {
    out.push(
      `Reviewed without the rest of the package (file by file; races that involve the package's other files may go unreported):\n` +
        s.packages.withoutPackage.map((p) => `- ${code(p.dir || '.')}: ${oneLine(p.reason)}`).join('\n'),
    );
  }
  if (s.fileListTruncated) out.push('GitHub lists at most 3,000 files of a pull request; files past that were not reviewed.');
  if (s.skipped.length > 0) out.push(s.skipped.map((f) => `- ${code(f.path)}: ${oneLine(f.reason)}`).join('\n'));
  if (s.notReviewed && s.notReviewed.length > 0) out.push(`### Not reviewed\n` + s.notReviewed.map((n) => `- ${code(n.file)}: ${oneLine(n.reason)}`).join('\n'));
  if (s.engineErrors.length > 0) out.push(`Analysis failed for:\n` + s.engineErrors.map((e) => `- ${code(e.file)}: ${oneLine(e.error)}`).join('\n'));
  if (s.overBudget.length > 0) out.push(`Analysis stopped early (time budget) for:\n` + s.overBudget.map((f) => `- ${code(f)}`).join('\n'));
  const suppressed = Object.entries(s.suppressed);
  if (suppressed.length > 0) out.push(`Suppressed by comments: ${suppressed.map(([r, n]) => `${code(r)} ×${n}`).join(', ')}.`);
  out.push(`Took ${(s.elapsedMs / 1000).toFixed(2)} s.`);
  const text = out.join('\n\n');
  return text.length > MAX_SUMMARY_CHARS ? `${text.slice(0, MAX_SUMMARY_CHARS)}\n\n… (truncated)` : text;
}
