/**
 * SARIF 2.1.0 output, shaped for GitHub code scanning (upload-sarif): one run, every rule in the
 * driver, one result per finding with a line-hash fingerprint that survives unrelated edits.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES } from '../engine/index.js';
import type { Finding, RuleMeta, Severity } from '../engine/index.js';
import { docsUrl } from '../report/docs-url.js';
import { findingIdentities } from '../report/fingerprint.js';
import type { RunSummary } from './format.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/racecheck/racecheck';
const SRCROOT = '%SRCROOT%';

export interface SarifOptions {
  /** racecheck's version, from package.json. */
  version: string;
  /** Content of every analyzed file, keyed by the finding's path: fingerprints hash the flagged line. */
  contents: ReadonlyMap<string, string>;
  /** Absolute directory the finding paths are relative to; recorded as %SRCROOT%. */
  srcRoot: string;
  docsBaseUrl: string;
  rules?: readonly RuleMeta[];
}

type SarifLevel = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

/** "closure-write" -> "ClosureWrite": SARIF rule names are identifiers, ids are kebab-case here. */
function ruleName(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

/**
 * A repo-relative URI under %SRCROOT% (forward slashes, each segment percent-encoded), or an
 * absolute file: URI for a path outside the root, which code scanning then ignores.
 */
export function artifactLocation(path: string, srcRoot: string): ArtifactLocation {
  const absolute = resolve(srcRoot, path);
  const rel = relative(srcRoot, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { uri: pathToFileURL(absolute).href };
  return { uri: rel.split(sep).join('/').split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

/**
 * primaryLocationLineHash per finding: the shared finding identity (rule, file and the
 * whitespace-normalized flagged code), so lines inserted elsewhere keep it; identical code gets
 * occurrence 1, 2, … in order.
 */
export function lineHashes(findings: readonly Finding[], contents: ReadonlyMap<string, string>): string[] {
  return findingIdentities(findings, contents).map(({ hash, occurrence }) => `${hash}:${occurrence + 1}`);
}

/**
 * The fix as a SARIF fix, one replacement per edit. A region without columns ends before the line's
 * newline, so whole lines are deleted as [startLine:1, endLine+1:1) and the replacement brings its own newline.
 */
function sarifFix(f: Finding, location: ArtifactLocation, content: string | undefined): object | undefined {
  const fix = f.fix;
  if (!fix) return undefined;
  const lines = content?.split('\n');
  const replacements = fix.edits.map((e) => {
    if (lines && e.endLine < lines.length) {
      const newline = lines[e.endLine - 1]?.endsWith('\r') ? '\r\n' : '\n';
      return {
        deletedRegion: { startLine: e.startLine, startColumn: 1, endLine: e.endLine + 1, endColumn: 1 },
        insertedContent: { text: e.replacement + newline },
      };
    }
    // The last line of a file without a trailing newline.
    return { deletedRegion: { startLine: e.startLine, endLine: e.endLine }, insertedContent: { text: e.replacement } };
  });
  return {
    description: { text: fix.message },
    artifactChanges: [{ artifactLocation: location, replacements }],
  };
}

/** The interleaving as one code flow: a thread flow per racing goroutine, from its start to its access. */
function codeFlow(f: Finding, srcRoot: string): object {
  return {
    message: { text: `${f.threads!.length} goroutines reach the same memory: ${f.threads!.map((t) => t.description).join('; ')}` },
    threadFlows: f.threads!.map((t) => ({
      message: { text: t.description },
      locations: t.steps.map((step) => ({
        location: {
          physicalLocation: { artifactLocation: artifactLocation(step.file, srcRoot), region: { startLine: step.line } },
          message: { text: step.message },
        },
      })),
    })),
  };
}

function sarifRule(meta: RuleMeta, docsBaseUrl: string): object {
  const url = docsUrl(meta.docPath, docsBaseUrl);
  return {
    id: meta.id,
    name: ruleName(meta.id),
    shortDescription: { text: meta.summary },
    fullDescription: {
      text: meta.fixable ? `${meta.summary} racecheck suggests a fix where a mechanical one exists.` : meta.summary,
    },
    help: {
      text: `${meta.summary} The hazard, why it races, and how to fix it: ${url}`,
      markdown: `${meta.summary}\n\nThe hazard, why it races, and how to fix it: [${meta.id}](${url})`,
    },
    helpUri: url,
    defaultConfiguration: { level: LEVEL[meta.defaultSeverity] },
    properties: { tags: ['concurrency', 'data-race', 'go'] },
  };
}

export function toSarif(summary: RunSummary, options: SarifOptions): object {
  const rules = options.rules ?? RULES;
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const hashes = lineHashes(summary.result.findings, options.contents);
  const results = summary.result.findings.map((f, i) => {
    const location = artifactLocation(f.file, options.srcRoot);
    const index = ruleIndex.get(f.rule);
    const fix = sarifFix(f, location, options.contents.get(f.file));
    return {
      ruleId: f.rule,
      ...(index !== undefined ? { ruleIndex: index } : {}),
      level: LEVEL[f.severity],
      message: { text: f.message, ...(f.fixHint ? { markdown: `${f.message}\n\n${f.fixHint}` } : {}) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: location,
            region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
          },
        },
      ],
      ...(f.related.length > 0
        ? {
            relatedLocations: f.related.map((r, id) => ({
              id: id + 1,
              physicalLocation: { artifactLocation: artifactLocation(r.file, options.srcRoot), region: { startLine: r.line } },
              message: { text: r.message },
            })),
          }
        : {}),
      ...(f.threads && f.threads.length > 0 ? { codeFlows: [codeFlow(f, options.srcRoot)] } : {}),
      partialFingerprints: { primaryLocationLineHash: hashes[i]! },
      ...(fix ? { fixes: [fix] } : {}),
    };
  });
  const notifications = summary.result.files.flatMap((report) => {
    const where = [{ physicalLocation: { artifactLocation: artifactLocation(report.file, options.srcRoot) } }];
    if (report.error) return [{ level: 'error', message: { text: `analysis failed: ${report.error}` }, locations: where }];
    if (report.overBudget) return [{ level: 'warning', message: { text: 'analysis stopped at the time budget' }, locations: where }];
    return [];
  });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'racecheck',
            version: options.version,
            informationUri: INFORMATION_URI,
            rules: rules.map((r) => sarifRule(r, options.docsBaseUrl)),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(options.srcRoot.endsWith(sep) ? options.srcRoot : options.srcRoot + sep).href } },
        // Engine columns count UTF-16 code units (tree-sitter over JS strings).
        columnKind: 'utf16CodeUnits',
        invocations: [{ executionSuccessful: true, ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}) }],
        results,
      },
    ],
  };
}

export function formatSarif(summary: RunSummary, options: SarifOptions): string {
  return JSON.stringify(toSarif(summary, options), null, 2) + '\n';
}
