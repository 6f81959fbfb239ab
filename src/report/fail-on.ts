/**
 * When a run fails: the App's check run (`fail_on` in .github/racecheck.yml), the Action's step
 * (`fail-on`) and the CLI's exit status (`--fail-on`) all ask this one question.
 */
import type { Finding, Severity } from '../engine/types.js';

export type FailOn = 'error' | 'warning' | 'never';

export const FAIL_ON_VALUES: readonly FailOn[] = ['error', 'warning', 'never'];

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export function isFailOn(value: string): value is FailOn {
  return (FAIL_ON_VALUES as readonly string[]).includes(value);
}

/** Whether a finding is at or above fail-on's severity. */
export function failsOn(findings: readonly Finding[], failOn: FailOn): boolean {
  return failOn !== 'never' && findings.some((f) => RANK[f.severity] >= RANK[failOn]);
}
