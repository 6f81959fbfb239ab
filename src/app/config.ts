import { z } from 'zod';
import { ModelError, parseModels, REVIEW_SCOPES, RULES, type ModelEntry, type ReviewScope, type RuleSetting } from '../engine/index.js';
import { inlineCode, oneLine } from '../report/markdown.js';
import { FAIL_ON_VALUES, type FailOn } from '../report/fail-on.js';

export const CONFIG_FILE = 'racecheck.yml';
export const DEFAULT_MAX_COMMENTS = 30;

const severity = z.enum(['error', 'warning', 'info']);
/** A rule is set with `off`/`false`, a bare severity, or `{ enabled, severity }`. */
const ruleSetting = z.union([
  z.boolean(),
  z.enum(['off', 'on']),
  severity,
  z.strictObject({ enabled: z.boolean().optional(), severity: severity.optional() }),
]);

/**
 * Glob caps. picomatch turns each `*` into a backtracking regex step, so several in one path segment cost
 * polynomial time in the length of a file name: `*a*a*a*a*b` against a name of 250 `a`s blocked the
 * event loop for a minute. Two per segment stay under a millisecond for any real name.
 */
export const MAX_IGNORE_GLOBS = 20;
export const MAX_GLOB_LENGTH = 200;
export const MAX_STARS_PER_SEGMENT = 2;
export const MAX_WILDCARDS = 6;
export const MAX_MODELS = 500;

const glob = z
  .string()
  .min(1)
  .max(MAX_GLOB_LENGTH, `a glob may be at most ${MAX_GLOB_LENGTH} characters`)
  .refine((g) => !/[?*+@!]\(/.test(g), 'extended globs such as `*(…)` or `+(…)` are not supported')
  .refine(
    (g) => g.split('/').every((segment) => segment === '**' || (segment.match(/\*/g)?.length ?? 0) <= MAX_STARS_PER_SEGMENT),
    `at most ${MAX_STARS_PER_SEGMENT} \`*\` in one path segment (\`**\` as a whole segment is fine)`,
  )
  .refine((g) => (g.match(/\*\*|[*?]/g)?.length ?? 0) <= MAX_WILDCARDS, `at most ${MAX_WILDCARDS} wildcards in one glob`);

const configSchema = z.strictObject({
  rules: z.record(z.string(), ruleSetting).optional(),
  ignore: z.array(glob).max(MAX_IGNORE_GLOBS, `at most ${MAX_IGNORE_GLOBS} ignore globs`).optional(),
  fail_on: z.enum(FAIL_ON_VALUES as [FailOn, ...FailOn[]]).optional(),
  max_comments: z.number().int().min(0).max(100).optional(),
  scope: z.enum(REVIEW_SCOPES as [ReviewScope, ...ReviewScope[]]).optional(),
  // Checked against models/schema.json below, with the engine's own validator.
  models: z.array(z.unknown()).max(MAX_MODELS, `at most ${MAX_MODELS} models`).optional(),
});

export type { FailOn };

export interface RacecheckConfig {
  rules: Record<string, RuleSetting>;
  ignore: string[];
  failOn: FailOn;
  maxComments: number;
  /** Which findings a review reports: what the change introduces, also what it touches, or whole files. */
  scope: ReviewScope;
  /** The repository's models of its own APIs (models/schema.json entries), added to the bundled ones. */
  models: ModelEntry[];
}

export type ConfigResult = { ok: true; config: RacecheckConfig } | { ok: false; error: string };

export const DEFAULT_CONFIG: RacecheckConfig = { rules: {}, ignore: [], failOn: 'error', maxComments: DEFAULT_MAX_COMMENTS, scope: 'introduced', models: [] };

function toRuleSetting(value: z.infer<typeof ruleSetting>): RuleSetting {
  if (value === false || value === 'off') return { enabled: false };
  if (value === true || value === 'on') return { enabled: true };
  if (typeof value === 'string') return { enabled: true, severity: value };
  return { ...value };
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(root)';
}

/** Validates the parsed YAML (null when the repo has none). Errors name the offending key. */
export function parseConfig(raw: unknown): ConfigResult {
  if (raw === null || raw === undefined) return { ok: true, config: { ...DEFAULT_CONFIG } };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => keyPath([...issue.path, k])).join(', ') : keyPath(issue.path);
    const what = issue.code === 'unrecognized_keys' ? 'unknown key' : 'invalid value for';
    return { ok: false, error: `${what} ${inlineCode(keys)} in .github/${CONFIG_FILE}: ${oneLine(issue.message)}` };
  }
  const data = parsed.data;
  const rules: Record<string, RuleSetting> = {};
  const known = new Set(RULES.map((r) => r.id));
  for (const [id, value] of Object.entries(data.rules ?? {})) {
    if (!known.has(id)) {
      return { ok: false, error: `unknown rule ${inlineCode(`rules.${id}`)} in .github/${CONFIG_FILE}; known rules: ${[...known].join(', ')}` };
    }
    rules[id] = toRuleSetting(value);
  }
  let models: ModelEntry[] = [];
  if (data.models) {
    try {
      models = parseModels(data.models, `.github/${CONFIG_FILE}`);
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      return { ok: false, error: oneLine(err.message) };
    }
  }
  return {
    ok: true,
    config: {
      rules,
      ignore: data.ignore ?? [],
      failOn: data.fail_on ?? DEFAULT_CONFIG.failOn,
      maxComments: data.max_comments ?? DEFAULT_MAX_COMMENTS,
      scope: data.scope ?? DEFAULT_CONFIG.scope,
      models,
    },
  };
}
