/**
 * unguarded-field: lock-guard inference over the whole package, the study's largest class
 * ("missing or partial locking"). A field of a struct that holds a mutex, written while that mutex
 * is held, is taken to be guarded by it (RacerD's "a class that uses locks is meant to be
 * thread-safe"). An access to it without the lock, in code other goroutines run, is reported.
 * The field is reached through any variable of the struct's type: the receiver, a parameter, a
 * package variable or another struct's field (`s.rws.queues`).
 */
import type { Diagnostic, Rule } from '../rule.js';
import type { FileModel } from '../semantic/model.js';
import type { FieldSite } from '../semantic/guards.js';
import { lineOf, siteEntry, spanOf } from './describe.js';

/**
 * The ready-channel idiom: the locked write is followed by `close(x.ready)` and the bare access
 * waits on `<-x.ready` first, so the close orders the two (Go memory model: a close happens
 * before a receive that returns because of it).
 */
function orderedByClose(site: FieldSite, writes: readonly FieldSite[]): boolean {
  const model = site.file.model;
  const before = model.source.slice(site.fn.node.startIndex, site.access.node.startIndex);
  for (const m of before.matchAll(/<-\s*(?:\w+\.)*(\w+)/g)) {
    const closes = new RegExp(`close\\((?:\\w+\\.)*${m[1]}\\)`);
    if (writes.some((w) => closes.test(w.file.model.source.slice(w.access.node.startIndex, w.fn.node.endIndex)))) return true;
  }
  return false;
}

function describeAt(site: FieldSite, from: FileModel): string {
  const where = site.file.model === from ? `line ${lineOf(site.access.node)}` : `${site.file.model.path}:${lineOf(site.access.node)}`;
  return `${site.fn.name} (${where})`;
}

export const unguardedField: Rule = {
  meta: {
    id: 'unguarded-field',
    summary: 'A struct field written under the struct\'s mutex is accessed elsewhere without it.',
    defaultSeverity: 'warning',
    fixable: false,
    docPath: 'docs/rules/unguarded-field.md',
  },
  walks(view) {
    // A file that locks nothing may still touch a locked struct of its package: walk the bodies
    // that name a field of one.
    const fields = new Set<string>();
    for (const name of view.types.typeNames()) {
      const struct = view.types.structOf({ kind: 'named', name });
      if (!struct) continue;
      const mutexes = [...struct.fields].filter(([, t]) => t.kind === 'named' && (t.name === 'sync.Mutex' || t.name === 'sync.RWMutex'));
      if (mutexes.length === 0) continue;
      for (const field of struct.fields.keys()) if (!mutexes.some(([m]) => m === field)) fields.add(field);
    }
    if (fields.size === 0) return undefined;
    const mentions = new RegExp(`\\.(?:${[...fields].map((f) => f.replace(/[^\w]/g, '')).join('|')})\\b`);
    return (text) => mentions.test(text);
  },
  runPackage(pkg, report) {
    if (!pkg.files.some((f) => f.model.source.includes('Lock()'))) return; // nothing is locked
    const facts = pkg.guards();
    const reported = new Set<string>();
    for (const { guardedWrites, bare } of facts.guarded.values()) {
      for (const site of bare) {
        const key = `${site.fn.receiverType ?? ''}.${site.fn.name}.${site.typeName}.${site.field}`;
        if (reported.has(key)) continue;
        const others = guardedWrites.filter((w) => w.fn !== site.fn);
        if (others.length === 0 && !site.write) continue;
        const how = siteEntry(site, facts.entry);
        if (!how || orderedByClose(site, guardedWrites)) continue;
        reported.add(key);
        const model = site.file.model;
        const lock = site.locks[0];
        const where = (others.length > 0 ? others : guardedWrites).slice(0, 3);
        const what = site.write ? 'writes' : 'reads';
        const code = `${site.owner}.${site.field}`;
        const diagnostic: Diagnostic = {
          ...spanOf(site.access.node),
          message:
            `\`${code}\` is written with \`${lock}.Lock()\` held in ` +
            where.map((w) => describeAt(w, model)).join(', ') +
            `, so the lock guards it, but ${site.fn.name} ${what} it here without the lock. ` +
            `${site.fn.name} ${how}; unsynchronized, the accesses race. Take the lock here too.`,
          related: where.map((w) => ({
            ...(w.file.model !== model ? { file: w.file.model.path } : {}),
            line: lineOf(w.access.node),
            message: `\`${w.owner}.${w.field}\` written with \`${w.locks[0]}.Lock()\` held in ${w.fn.name}`,
          })),
          fixHint: `Hold the same mutex for this access:\n\n\`\`\`go\n${lock}.Lock()\ndefer ${lock}.Unlock()\n\`\`\``,
        };
        report(model, diagnostic);
      }
    }
  },
};
