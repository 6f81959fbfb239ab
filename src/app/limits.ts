/** Per-run limits, set by the operator (environment), never silent: a run that hits one says so in its check. */
export interface Limits {
  /** Files larger than this are skipped (RACECHECK_MAX_FILE_KB, default 1024). */
  maxFileBytes: number;
  /** Go files analyzed per pull request; the rest are listed as skipped (RACECHECK_MAX_FILES, default 300). */
  maxFiles: number;
  /** Findings reported per run, most severe first (RACECHECK_MAX_FINDINGS, default 500). */
  maxFindings: number;
  /**
   * Bytes of a changed file's unchanged sibling .go files fetched as its package's context; a directory
   * over it is reviewed file by file (RACECHECK_PACKAGE_KB, default 4096).
   */
  packageBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxFileBytes: 1024 * 1024, maxFiles: 300, maxFindings: 500, packageBytes: 4096 * 1024 };

function positive(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  const kb = positive(env.RACECHECK_MAX_FILE_KB);
  return {
    maxFileBytes: kb !== undefined ? Math.floor(kb * 1024) : DEFAULT_LIMITS.maxFileBytes,
    maxFiles: Math.floor(positive(env.RACECHECK_MAX_FILES) ?? DEFAULT_LIMITS.maxFiles),
    maxFindings: Math.floor(positive(env.RACECHECK_MAX_FINDINGS) ?? DEFAULT_LIMITS.maxFindings),
    packageBytes: Math.floor((positive(env.RACECHECK_PACKAGE_KB) ?? DEFAULT_LIMITS.packageBytes / 1024) * 1024),
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${Math.round(bytes / 1024)} KB`;
}
