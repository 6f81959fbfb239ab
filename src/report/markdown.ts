/**
 * Text from a pull request (file paths, config keys, code) inside the markdown the App and the Action
 * write: it must stay one inline span, so a path like "a`\n## All clear" can't open a section of its own.
 */

/** Line breaks and other control characters, which would end a list item or a table row. */
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g;

/** One line of text: control characters shown as `\n`-style escapes or U+FFFD. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? ' ' : '\ufffd'));
}

/**
 * `text` as an inline code span: one line, fenced by more backticks than any run inside it, padded when it
 * starts or ends with a backtick, and with `|` escaped so it can sit in a table cell.
 */
export function inlineCode(text: string): string {
  const line = oneLine(text).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...line.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = line.startsWith('`') || line.endsWith('`') || line === '' ? ' ' : '';
  return `${fence}${pad}${line}${pad}${fence}`;
}
