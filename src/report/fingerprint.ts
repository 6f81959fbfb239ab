/** A finding's identity across pushes and runs, shared by review comments (App, Action) and SARIF. */
import { createHash } from 'node:crypto';
import type { Finding } from '../engine/index.js';

const MARKER = /<!-- racecheck:fp=([0-9a-f]+(?:-\d+)?)( resolved)? -->/;

/** Code of the flagged lines with whitespace collapsed, so re-indenting or moving code keeps the fingerprint. */
function normalizedCode(content: string, startLine: number, endLine: number): string {
  const lines = content.split('\n').slice(startLine - 1, Math.max(startLine, endLine));
  return lines.map((l) => l.replace(/\s+/g, ' ').trim()).join('\n');
}

export interface FindingIdentity {
  /** sha256 (16 hex digits) of rule + file + the flagged code, never the line number. */
  hash: string;
  /** 0 for the first finding with this hash in line order, 1 for the next identical one, … */
  occurrence: number;
}

/** Identities of findings: moving or re-indenting code keeps them; changing the flagged code does not. */
export function findingIdentities(findings: readonly Finding[], contents: ReadonlyMap<string, string>): FindingIdentity[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const code = normalizedCode(contents.get(f.file) ?? '', f.line, f.endLine);
    const hash = createHash('sha256').update(`${f.rule}\0${f.file}\0${code}`).digest('hex').slice(0, 16);
    const occurrence = seen.get(hash) ?? 0;
    seen.set(hash, occurrence + 1);
    return { hash, occurrence };
  });
}

/** The fingerprint a review comment carries: the hash, with -N for the Nth repeat of identical code. */
export function fingerprintFindings(findings: readonly Finding[], contents: ReadonlyMap<string, string>): string[] {
  return findingIdentities(findings, contents).map(({ hash, occurrence }) => (occurrence === 0 ? hash : `${hash}-${occurrence}`));
}

export function fingerprintMarker(fp: string, resolved = false): string {
  return `<!-- racecheck:fp=${fp}${resolved ? ' resolved' : ''} -->`;
}

export function parseFingerprint(body: string): { fp: string; resolved: boolean } | undefined {
  const m = MARKER.exec(body);
  return m ? { fp: m[1]!, resolved: m[2] !== undefined } : undefined;
}

export function markResolved(body: string, fp: string, headSha: string): string {
  const rest = body.replace(MARKER, fingerprintMarker(fp, true));
  return `**Resolved** in ${headSha.slice(0, 7)}: racecheck no longer reports this.\n\n${rest}`;
}
