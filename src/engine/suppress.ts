/**
 * Suppression comments: `//racecheck:ignore <rule> <reason>` and `//nolint:racecheck`,
 * on the flagged line or on the line above it.
 */
export interface Suppressions {
  silences(ruleId: string, line: number): boolean;
}

const IGNORE = /\/\/\s*racecheck:ignore(?:\s+([\w,-]+))?/;
const NOLINT = /\/\/\s*nolint:([\w,-]+)/;

export function findSuppressions(lines: readonly string[]): Suppressions {
  // line number -> rule ids it silences ('*' for all)
  const byLine = new Map<number, Set<string>>();
  // Lines that hold only a comment: those silence the line below them too.
  const commentOnly = new Set<number>();
  lines.forEach((text, i) => {
    if (!text.includes('//')) return;
    const ids = new Set<string>();
    const ignore = IGNORE.exec(text);
    if (ignore) {
      for (const id of (ignore[1] ?? '*').split(',')) ids.add(id === 'all' ? '*' : id);
    }
    const nolint = NOLINT.exec(text);
    if (nolint && nolint[1].split(',').includes('racecheck')) ids.add('*');
    if (ids.size > 0) byLine.set(i + 1, ids);
    if (text.trimStart().startsWith('//')) commentOnly.add(i + 1);
  });
  const matches = (line: number, ruleId: string) => {
    const ids = byLine.get(line);
    return ids !== undefined && (ids.has('*') || ids.has(ruleId));
  };
  return {
    silences: (ruleId, line) => matches(line, ruleId) || (commentOnly.has(line - 1) && matches(line - 1, ruleId)),
  };
}
