/** Text to match literally inside a RegExp built from it: `s.mu` as `s\.mu`, `ch[i]` as `ch\[i\]`. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
