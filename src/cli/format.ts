/** Rendering an analysis for a terminal, for machines (JSON), and for GitHub Actions annotations (SARIF is in sarif.ts). */
import type { AnalysisResult, Finding, ReviewedFinding, Severity } from '../engine/index.js';

export type OutputFormat = 'text' | 'json' | 'sarif' | 'github';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'sarif', 'github'];

export interface RunSummary {
  result: AnalysisResult;
  elapsedMs: number;
}

// ---- JSON ----

/** The documented JSON shape; fixHint and other internal fields stay out of it. */
export function formatJson({ result }: RunSummary): string {
  const findings = result.findings.map((f) => ({
    rule: f.rule,
    file: f.file,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    severity: f.severity,
    message: f.message,
    related: f.related.map((r) => ({ file: r.file, line: r.line, message: r.message })),
    // Reviewing a change: whether the base had it, and the line a review comment would sit on.
    ...('origin' in f ? { origin: (f as ReviewedFinding).origin } : {}),
    ...((f as ReviewedFinding).anchorLine !== undefined ? { anchorLine: (f as ReviewedFinding).anchorLine } : {}),
    ...(f.fix
      ? {
          fix: {
            message: f.fix.message,
            edits: f.fix.edits.map((e) => ({ startLine: e.startLine, endLine: e.endLine, replacement: e.replacement })),
          },
        }
      : {}),
  }));
  const fixes = result.fixes ?? { offered: 0, verified: 0, dropped: [] };
  return (
    JSON.stringify(
      {
        findings,
        suppressed: result.suppressed,
        files: result.files.length,
        fixes: {
          offered: fixes.offered,
          verified: fixes.verified,
          dropped: fixes.dropped.map((d) => ({ file: d.file, line: d.line, rule: d.rule, reason: d.reason })),
        },
        syntaxErrors: filesWithSyntaxErrors(result),
        ignoreProblems: ignoreProblems(result),
      },
      null,
      2,
    ) + '\n'
  );
}

/** Files tree-sitter could not fully parse (the engine analyzed what did parse; see FileReport.hasSyntaxErrors). */
function filesWithSyntaxErrors(result: AnalysisResult): string[] {
  return result.files.filter((f) => f.hasSyntaxErrors).map((f) => f.file);
}

function ignoreProblems(result: AnalysisResult): { file: string; line: number; message: string }[] {
  return result.files.flatMap((f) => (f.ignoreProblems ?? []).map((p) => ({ file: f.file, line: p.line, message: p.message })));
}

// ---- GitHub workflow commands ----

/** Escapes workflow-command data (the message), as @actions/core does. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow-command property value, which additionally can't hold ':' or ','. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const ANNOTATION_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

function annotation(f: Finding): string {
  const props = [
    `file=${escapeProperty(f.file)}`,
    `line=${f.line}`,
    `col=${f.column}`,
    `endLine=${f.endLine}`,
    `endColumn=${f.endColumn}`,
    `title=${escapeProperty(`racecheck ${f.rule}`)}`,
  ].join(',');
  const related = f.related.map((r) => `\n${r.file}:${r.line}: ${r.message}`).join('');
  return `::${ANNOTATION_LEVEL[f.severity]} ${props}::${escapeData(f.message + related)}`;
}

export function formatGithub(summary: RunSummary): string {
  const lines = summary.result.findings.map(annotation);
  lines.push(summaryLine(summary, plainStyle));
  return lines.join('\n') + '\n';
}

// ---- Text ----

interface Style {
  location(s: string): string;
  rule(s: string, severity: Severity): string;
  dim(s: string): string;
  added(s: string): string;
}

const plainStyle: Style = { location: (s) => s, rule: (s) => s, dim: (s) => s, added: (s) => s };

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const colorStyle: Style = {
  location: ansi(1, 22),
  rule: (s, severity) => (severity === 'error' ? ansi(31, 39) : severity === 'warning' ? ansi(33, 39) : ansi(36, 39))(s),
  dim: ansi(2, 22),
  added: ansi(32, 39),
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "3 findings (closure-write 2, copied-lock 1) in 12 files, 1 suppressed, 0.08s". */
export function summaryLine({ result, elapsedMs }: RunSummary, style: Style = plainStyle): string {
  const byRule = new Map<string, number>();
  for (const f of result.findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  const rules = [...byRule].sort(([a], [b]) => a.localeCompare(b)).map(([rule, n]) => `${rule} ${n}`);
  const found = result.findings.length === 0 ? 'no findings' : `${plural(result.findings.length, 'finding')} (${rules.join(', ')})`;
  const suppressed = Object.values(result.suppressed).reduce((a, b) => a + b, 0);
  const parts = [`${found} in ${plural(result.files.length, 'file')}`, `${suppressed} suppressed`];
  const withSyntaxErrors = result.files.filter((f) => f.hasSyntaxErrors).length;
  if (withSyntaxErrors > 0) parts.push(`${withSyntaxErrors} with syntax errors`);
  const overBudget = result.files.filter((f) => f.overBudget).length;
  if (overBudget > 0) parts.push(`${overBudget} over the time budget`);
  const leftOut = result.files.filter((f) => f.excludedByBuild).length;
  if (leftOut > 0) parts.push(`${leftOut} never built (//go:build ignore)`);
  parts.push(`${(elapsedMs / 1000).toFixed(2)}s`);
  return style.dim(`racecheck: ${parts.join(', ')}`);
}

function textFinding(f: Finding, style: Style): string {
  const lines = [`${style.location(`${f.file}:${f.line}:${f.column}:`)} ${style.rule(`[${f.rule}]`, f.severity)} ${f.message}`];
  for (const r of f.related) lines.push(`    ${style.dim(`${r.file}:${r.line}:`)} ${r.message}`);
  if (f.fix) {
    lines.push(`    ${style.dim(`suggested fix: ${f.fix.message}`)}`);
    for (const { startLine, endLine, replacement } of f.fix.edits) {
      const where = startLine === endLine ? `line ${startLine}` : `lines ${startLine}-${endLine}`;
      lines.push(`    ${style.dim(`replace ${where} with:`)}`);
      for (const line of replacement.split('\n')) lines.push(`    ${style.added(`+ ${line}`)}`);
    }
  }
  return lines.join('\n');
}

export function formatText(summary: RunSummary, color: boolean): string {
  const style = color ? colorStyle : plainStyle;
  const blocks = summary.result.findings.map((f) => textFinding(f, style));
  for (const p of ignoreProblems(summary.result)) blocks.push(`${style.location(`${p.file}:${p.line}:`)} ${p.message}`);
  const broken = filesWithSyntaxErrors(summary.result);
  if (broken.length > 0) blocks.push(style.dim(`racecheck: syntax errors in ${broken.join(', ')} (analyzed what parsed)`));
  blocks.push(summaryLine(summary, style));
  return blocks.join('\n') + '\n';
}
