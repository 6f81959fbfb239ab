/**
 * Reading Go source as text, where no parse of it is at hand: a skeleton tree leaves most bodies
 * out (skeleton.ts), and a sibling file's callers are read from its source.
 */

/** The source with its comments blanked out, and with `strings` the insides of its literals too; positions kept. */
export function withoutComments(source: string, strings = false): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = c === '`' ? source.indexOf('`', i + 1) : skipQuoted(source, i, c);
      if (end < 0) break;
      if (strings) {
        out += source.slice(from, i + 1) + source.slice(i + 1, end).replace(/[^\n]/g, ' ');
        from = end;
      }
      i = end;
    } else if (c === '/' && (source[i + 1] === '/' || source[i + 1] === '*')) {
      const line = source[i + 1] === '/';
      const close = line ? source.indexOf('\n', i) : source.indexOf('*/', i + 2);
      const stop = close < 0 ? source.length : line ? close : close + 2;
      out += source.slice(from, i) + source.slice(i, stop).replace(/[^\n]/g, ' ');
      from = stop;
      i = stop - 1;
    }
  }
  return out + source.slice(from);
}

/** Where the string or rune literal opened by `quote` at `open` ends; -1 when it does not on its line. */
export function skipQuoted(source: string, open: number, quote: string): number {
  for (let i = open + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === quote) return i;
    else if (source[i] === '\n') return -1;
  }
  return -1;
}
