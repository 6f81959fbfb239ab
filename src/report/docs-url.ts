/** Links to the rule pages, shared by every surface that names a rule (SARIF, the Action, the App). */

export const DEFAULT_DOCS_BASE_URL = 'https://github.com/racecheck/racecheck/blob/main/';

/** The docs base: RACECHECK_DOCS_BASE_URL when set (a fork or a pinned tag), else the main branch. */
export function docsBaseUrl(env: Record<string, string | undefined> = process.env): string {
  return env.RACECHECK_DOCS_BASE_URL || DEFAULT_DOCS_BASE_URL;
}

/** The absolute URL of a rule page, e.g. docsUrl('docs/rules/closure-write.md'). */
export function docsUrl(docPath: string, base: string = docsBaseUrl()): string {
  return new URL(docPath.replace(/^\/+/, ''), base.endsWith('/') ? base : `${base}/`).toString();
}
