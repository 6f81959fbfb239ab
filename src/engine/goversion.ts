/**
 * Go language versions: from go.mod's `go` directive and from a file's `//go:build` line.
 * Pure string functions (no fs) so the engine, the CLI and the App share them.
 */

/** What `go` assumes for a go.mod that has no `go` directive. */
export const GO_MOD_DEFAULT_VERSION = '1.16';

/** Parses "1.21", "1.21.3", "go1.21", "1.21rc1" into [major, minor, patch]; undefined when it isn't a version. */
function parseVersion(version: string): [number, number, number] | undefined {
  const m = /^(?:go)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(?:rc|beta)\d+)?$/.exec(version.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/**
 * Orders two Go versions ("1.21", "1.21.3", "go1.22"): negative when a < b, 0 when equal, positive when a > b.
 * Unparsable versions sort before every valid one.
 */
export function compareGoVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) return (va ? 1 : 0) - (vb ? 1 : 0);
  for (let i = 0; i < 3; i++) {
    if (va[i] !== vb[i]) return Math.sign(va[i] - vb[i]);
  }
  return 0;
}

/**
 * The language version ("1.N") of a go.mod's `go 1.N[.P]` directive. A go.mod without a
 * directive means 1.16; a directive that isn't a version gives undefined.
 */
export function goVersionFromGoMod(gomodText: string): string | undefined {
  for (const rawLine of gomodText.split(/\r?\n/)) {
    const line = rawLine.replace(/\/\/.*$/, '').trim();
    const directive = /^go\s+(\S+)$/.exec(line);
    if (!directive) continue;
    const v = parseVersion(directive[1]);
    return v ? `${v[0]}.${v[1]}` : undefined;
  }
  return GO_MOD_DEFAULT_VERSION;
}

// A tiny parser for build-constraint expressions (`go1.21 && (linux || !cgo)`).
type ConstraintExpr =
  | { kind: 'tag'; tag: string }
  | { kind: 'not'; x: ConstraintExpr }
  | { kind: 'and' | 'or'; x: ConstraintExpr; y: ConstraintExpr };

function parseConstraint(text: string): ConstraintExpr | undefined {
  const tokens = text.match(/&&|\|\||[()!]|[\w.]+|\S/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const fail = () => {
    throw new Error('bad constraint');
  };
  const parseOr = (): ConstraintExpr => {
    let x = parseAnd();
    while (peek() === '||') {
      pos++;
      x = { kind: 'or', x, y: parseAnd() };
    }
    return x;
  };
  const parseAnd = (): ConstraintExpr => {
    let x = parseNot();
    while (peek() === '&&') {
      pos++;
      x = { kind: 'and', x, y: parseNot() };
    }
    return x;
  };
  const parseNot = (): ConstraintExpr => {
    const t = tokens[pos++];
    if (t === '!') return { kind: 'not', x: parseNot() };
    if (t === '(') {
      const x = parseOr();
      if (tokens[pos++] !== ')') fail();
      return x;
    }
    if (t === undefined || !/^[\w.]+$/.test(t)) fail();
    return { kind: 'tag', tag: t! };
  };
  try {
    const expr = parseOr();
    return pos === tokens.length ? expr : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The minor version the expression guarantees (like go/build/constraint.GoVersion):
 * `&&` takes the larger bound, `||` the smaller, and a negated `go1.N` gives no lower bound (-1).
 */
function minGoMinor(expr: ConstraintExpr, sign: 1 | -1): number {
  const max = (a: number, b: number) => Math.max(a, b);
  const min = (a: number, b: number) => Math.min(a, b);
  switch (expr.kind) {
    case 'and':
      return (sign > 0 ? max : min)(minGoMinor(expr.x, sign), minGoMinor(expr.y, sign));
    case 'or':
      return (sign > 0 ? min : max)(minGoMinor(expr.x, sign), minGoMinor(expr.y, sign));
    case 'not':
      return minGoMinor(expr.x, sign > 0 ? -1 : 1);
    case 'tag': {
      if (sign < 0) return -1;
      if (expr.tag === 'go1') return 0;
      const m = /^go1\.(\d+)$/.exec(expr.tag);
      return m ? Number(m[1]) : -1;
    }
  }
}

/**
 * The minimum Go version ("1.N") a file's `//go:build` line requires, e.g. "1.21" for
 * `//go:build go1.21 && linux`. Only the header before the package clause counts.
 */
export function goVersionFromBuildTag(source: string): string | undefined {
  const line = buildLine(source);
  const expr = line === undefined ? undefined : parseConstraint(line);
  if (!expr) return undefined;
  const minor = minGoMinor(expr, 1);
  return minor >= 0 ? `1.${minor}` : undefined;
}

/** The expression of the file's `//go:build` line, from the header before the package clause. */
function buildLine(source: string): string | undefined {
  return headerBuildLines(source).goBuild;
}

/**
 * The header's `//go:build` expression, and its older `// +build` lines turned into one expression
 * (`// +build a,!b c` is `(a && !b) || (c)`; several lines must all hold), which go/build reads
 * when a file has no `//go:build` line.
 */
function headerBuildLines(source: string): { goBuild?: string; plusBuild?: string } {
  const plus: string[] = [];
  let inBlockComment = false;
  // Line by line from the top, without splitting the whole file: the header is a few lines.
  for (let start = 0; start < source.length; ) {
    const newline = source.indexOf('\n', start);
    const end = newline === -1 ? source.length : newline;
    const line = source.slice(start, end).trim();
    start = end + 1;
    if (inBlockComment) {
      if (line.includes('*/')) inBlockComment = false;
      continue;
    }
    if (line === '') continue;
    if (line.startsWith('/*')) {
      inBlockComment = !line.includes('*/', 2);
      continue;
    }
    if (!line.startsWith('//')) break; // the package clause (or anything else) ends the header
    const build = /^\/\/go:build\s+(.*)$/.exec(line);
    if (build) return { goBuild: build[1] };
    const old = /^\/\/\s*\+build\s+(.*)$/.exec(line);
    if (old) plus.push(`(${old[1].trim().split(/\s+/).map((option) => `(${option.split(',').join(' && ')})`).join(' || ')})`);
  }
  return plus.length > 0 ? { plusBuild: plus.join(' && ') } : {};
}

/**
 * Whether a file's `//go:build` line (or, without one, its `// +build` lines) leaves it out of every
 * build made without custom tags: the expression cannot hold while `ignore` is unset (`//go:build
 * ignore`, the conventional tag of a file kept out of its package, as `go vet` and `go build` leave
 * it). Other tags may be anything.
 */
export function excludedByBuildTag(source: string): boolean {
  const { goBuild, plusBuild } = headerBuildLines(source);
  const line = goBuild ?? plusBuild;
  const expr = line === undefined ? undefined : parseConstraint(line);
  if (!expr) return false;
  const tags = [...new Set(tagsOf(expr))].filter((t) => t !== 'ignore');
  // A handful of tags at most: try every assignment of the others with `ignore` unset.
  if (tags.length > 12) return false;
  for (let bits = 0; bits < 1 << tags.length; bits++) {
    if (holds(expr, new Set(tags.filter((_, i) => (bits >> i) & 1)))) return false;
  }
  return true;
}

function tagsOf(expr: ConstraintExpr): string[] {
  return expr.kind === 'tag' ? [expr.tag] : expr.kind === 'not' ? tagsOf(expr.x) : [...tagsOf(expr.x), ...tagsOf(expr.y)];
}

function holds(expr: ConstraintExpr, set: ReadonlySet<string>): boolean {
  switch (expr.kind) {
    case 'tag':
      return set.has(expr.tag);
    case 'not':
      return !holds(expr.x, set);
    case 'and':
      return holds(expr.x, set) && holds(expr.y, set);
    case 'or':
      return holds(expr.x, set) || holds(expr.y, set);
  }
}

/**
 * The language version a file is compiled with: the module's version, overridden by the file's
 * build tag. As in go/types, a tag may lower the version only in modules at go1.21 or later.
 */
export function effectiveGoVersion(moduleVersion: string | undefined, source: string): string | undefined {
  const fileVersion = goVersionFromBuildTag(source);
  if (fileVersion === undefined) return moduleVersion;
  if (moduleVersion === undefined) return fileVersion;
  if (compareGoVersions(fileVersion, moduleVersion) > 0 || compareGoVersions(moduleVersion, '1.21') >= 0) {
    return fileVersion;
  }
  return moduleVersion;
}
