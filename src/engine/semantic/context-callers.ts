/**
 * A function whose every caller hands it `context.Background()` (or `context.TODO()`): its
 * `case <-ctx.Done():` never fires, since those contexts are never cancelled (their Done is nil), so
 * a select that also waits for a goroutine leaves only once that goroutine has signalled.
 *
 * Callers are read from the package's text: every use of the name must be a call (a method value
 * or a function passed on may be called with anything), and the function must be out of other
 * packages' reach (unexported, or in package main).
 */
import { skipQuoted, withoutComments } from './go-text.js';

const UNCANCELLED = /^context\.(?:Background|TODO)\(\)$/;

/**
 * Whether every use of `name` in `sources` other than its declaration is a call passing an
 * uncancellable context as argument `index`; false when there is none.
 */
export function onlyUncancelledContext(name: string, method: boolean, index: number, sources: readonly string[]): boolean {
  const use = new RegExp(method ? `\\.${name}\\b` : `(?<![\\w.])${name}\\b`, 'g');
  let calls = 0;
  for (const text of sources) {
    if (!text.includes(name)) continue;
    const source = withoutComments(text, true);
    for (const m of source.matchAll(use)) {
      const at = m.index! + m[0].length;
      if (isDeclaration(source, m.index!, method)) continue;
      if (source[at] !== '(') return false;
      const args = topLevelArguments(source, at);
      if (!args || !UNCANCELLED.test(args[index] ?? '')) return false;
      calls++;
    }
  }
  return calls > 0;
}

/** `func name(` or `func (r *T) name(`: the use at `start` declares the name. */
function isDeclaration(source: string, start: number, method: boolean): boolean {
  const before = source.slice(Math.max(0, start - 200), start);
  return method ? /\bfunc\s*\([^()]*\)\s*$/.test(before) : /\bfunc\s+$/.test(before);
}

/** The arguments of the call whose `(` is at `open`, each trimmed; undefined when unbalanced. */
function topLevelArguments(source: string, open: number): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = c === '`' ? source.indexOf('`', i + 1) : skipQuoted(source, i, c);
      if (end < 0) return undefined;
      i = end;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        const last = source.slice(start, i).trim();
        if (last !== '' || args.length > 0) args.push(last);
        return args;
      }
    } else if (c === ',' && depth === 1) {
      args.push(source.slice(start, i).trim());
      start = i + 1;
    }
  }
  return undefined;
}
