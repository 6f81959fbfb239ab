/**
 * Suppression comments: `//racecheck:ignore <rule>[,<rule>…] <reason>` (or `all` for every rule) and
 * `//nolint:racecheck`, on the flagged line or on the line above it. An ignore without a rule or a reason
 * silences nothing and is reported, as is one that silenced nothing.
 */
export interface IgnoreProblem {
  line: number;
  message: string;
}

export interface Suppressions {
  silences(ruleId: string, line: number): boolean;
  /**
   * Malformed ignores, unknown rule ids, and ignores that silenced nothing. `checked(line)` says whether
   * findings on that line were looked at (outside a diff they are not); ignores naming a rule not in
   * `enabled` are not called unused.
   */
  problems(known: ReadonlySet<string>, enabled: ReadonlySet<string>, checked: (line: number) => boolean): IgnoreProblem[];
}

const IGNORE = /\/\/\s*racecheck:ignore\b(.*)$/;
const NOLINT = /\/\/\s*nolint:([\w,-]+)/;

interface Ignore {
  line: number;
  ids: string[];
  used: boolean;
  malformed?: string;
}

export function findSuppressions(lines: readonly string[]): Suppressions {
  // line number -> rule ids it silences ('*' for all)
  const byLine = new Map<number, { ids: Set<string>; ignore?: Ignore }>();
  const ignores: Ignore[] = [];
  // Lines that hold only a comment: those silence the line below them too.
  const commentOnly = new Set<number>();
  lines.forEach((text, i) => {
    if (!text.includes('//')) return;
    const ids = new Set<string>();
    let ignore: Ignore | undefined;
    const directive = IGNORE.exec(text);
    if (directive) {
      const [rules = '', ...reason] = directive[1]!.trim().split(/\s+/).filter(Boolean);
      ignore = { line: i + 1, ids: rules ? rules.split(',').filter(Boolean) : [], used: false };
      if (!rules) ignore.malformed = 'names no rule: write //racecheck:ignore <rule> <reason> (or all for every rule)';
      else if (reason.length === 0) ignore.malformed = `gives no reason: write //racecheck:ignore ${rules} <why this is safe>`;
      else for (const id of ignore.ids) ids.add(id === 'all' ? '*' : id);
      ignores.push(ignore);
    }
    const nolint = NOLINT.exec(text);
    if (nolint && nolint[1]!.split(',').includes('racecheck')) ids.add('*');
    if (ids.size > 0) byLine.set(i + 1, { ids, ignore: ignore?.malformed ? undefined : ignore });
    if (text.trimStart().startsWith('//')) commentOnly.add(i + 1);
  });
  const matches = (line: number, ruleId: string) => {
    const entry = byLine.get(line);
    if (!entry || !(entry.ids.has('*') || entry.ids.has(ruleId))) return false;
    if (entry.ignore) entry.ignore.used = true;
    return true;
  };
  return {
    silences: (ruleId, line) => matches(line, ruleId) || (commentOnly.has(line - 1) && matches(line - 1, ruleId)),
    problems: (known, enabled, checked) => {
      const out: IgnoreProblem[] = [];
      for (const ignore of ignores) {
        if (ignore.malformed) {
          out.push({ line: ignore.line, message: `//racecheck:ignore ${ignore.malformed}; it silences nothing` });
          continue;
        }
        const unknown = ignore.ids.filter((id) => id !== 'all' && !known.has(id));
        if (unknown.length > 0) out.push({ line: ignore.line, message: `//racecheck:ignore names unknown rule${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}` });
        const reaches = checked(ignore.line) || (commentOnly.has(ignore.line) && checked(ignore.line + 1));
        const allEnabled = ignore.ids.every((id) => id === 'all' || enabled.has(id));
        if (!ignore.used && unknown.length === 0 && allEnabled && reaches) {
          out.push({ line: ignore.line, message: `//racecheck:ignore ${ignore.ids.join(',')} silences nothing here; remove it` });
        }
      }
      return out;
    },
  };
}
