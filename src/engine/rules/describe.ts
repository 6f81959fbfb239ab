/** Shared wording for findings: where code runs and where a node sits. */
import type { Diagnostic, Span } from '../rule.js';
import type { Access, Decl, FuncUnit, Node } from '../semantic/model.js';
import type { FieldSite } from '../semantic/guards.js';
import type { FunctionInfo } from '../semantic/package.js';

/** What an access touches, as the code names it: `iss.descriptors` for a write of that field (map and slice steps left out). */
export function accessedName(a: Access): string {
  return [a.decl.name, ...a.path.filter((step) => step !== '[]')].join('.');
}

/**
 * Writes that race, each with the finding it would make alone, reported once per variable (or field
 * path) and goroutine: at the first write, with that goroutine's later writes as related locations.
 * A reviewer comments once on `err`, not on each of its six assignments.
 */
export function reportOncePerWriter(writes: Iterable<{ access: Access; diagnostic: Diagnostic }>, report: (diagnostic: Diagnostic) => void): void {
  const groups = new Map<Decl, Map<string, Map<FuncUnit, { diagnostic: Diagnostic; later: Access[] }>>>();
  for (const { access, diagnostic } of writes) {
    let byName = groups.get(access.decl);
    if (!byName) groups.set(access.decl, (byName = new Map()));
    const name = accessedName(access);
    let byThread = byName.get(name);
    if (!byThread) byName.set(name, (byThread = new Map()));
    const group = byThread.get(access.thread);
    if (group) group.later.push(access);
    else byThread.set(access.thread, { diagnostic, later: [] });
  }
  for (const byName of groups.values())
    for (const byThread of byName.values())
      for (const { diagnostic, later } of byThread.values()) {
        const named = new Set((diagnostic.related ?? []).map((r) => r.line));
        const also = later
          .map((b) => ({ line: lineOf(b.node), message: `\`${accessedName(b)}\` also written here by ${describeThread(b.thread)}` }))
          .filter((r) => r.line !== diagnostic.line && !named.has(r.line));
        report({ ...diagnostic, related: [...(diagnostic.related ?? []), ...also] });
      }
}

export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}

export function spanOf(node: Node): Span {
  return {
    line: node.startPosition.row + 1,
    column: node.startPosition.column + 1,
    endLine: node.endPosition.row + 1,
    endColumn: node.endPosition.column + 1,
  };
}

/** "the goroutine started on line 12", "the `wg.Go` closure on line 20", … */
export function describeThread(thread: FuncUnit): string {
  const s = thread.spawn;
  if (!s) return 'the enclosing function';
  const line = s.site ? lineOf(s.site) : lineOf(thread.node);
  switch (s.kind) {
    case 'go':
      return `the goroutine started on line ${line}`;
    case 'group':
      if (s.awaitedBy) return `the \`${s.awaitedBy}\` callback on line ${line}`;
      return `the \`${s.group}.Go\` closure on line ${line}`;
    case 'parallel-test':
      return `the parallel subtest on line ${line}`;
    case 'handler':
      if (s.site) return `the HTTP handler on line ${line}`;
      // A method a library calls for many requests at once (ServeHTTP, or RoundTrip per the models).
      return thread.node.type === 'method_declaration'
        ? `\`${thread.node.childForFieldName('name')?.text ?? ''}\`, which runs for many requests at once,`
        : `the HTTP handler \`${thread.node.childForFieldName('name')?.text ?? ''}\``;
  }
}

/** The leading whitespace of a source line. */
export function indentOf(line: string): string {
  return /^\s*/.exec(line)?.[0] ?? '';
}

/** Who else runs the same code when a thread has many instances. */
export function describeOtherInstance(thread: FuncUnit): string {
  for (let t: FuncUnit | undefined = thread; t; t = t.spawn?.parent?.thread) {
    if (t.spawn?.kind === 'handler') return 'the same handler serving another request';
    if (t.spawn?.loop) return 'another iteration of the same loop';
    if (!t.spawn) break;
  }
  return 'another instance of the same goroutine';
}

/** How the unguarded access comes to run beside the locked writes. */
export function siteEntry(site: FieldSite, entry: (fn: FunctionInfo) => string | undefined): string | undefined {
  const thread = site.access.thread;
  if (thread.spawn?.site) return `runs it on the goroutine started on line ${lineOf(thread.spawn.site)}`;
  if (thread.spawn?.kind === 'handler') return 'is an HTTP handler, run for many requests at once';
  if (site.storedCallback) return `keeps it in a func literal (line ${lineOf(site.storedCallback)}) that runs later, whenever its holder calls it`;
  return entry(site.fn);
}

