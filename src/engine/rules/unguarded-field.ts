/**
 * unguarded-field: lock-guard inference over the whole package, the study's largest class
 * ("missing or partial locking"). A field of a struct that holds a mutex, written while that mutex
 * is held, is taken to be guarded by it (RacerD's "a class that uses locks is meant to be
 * thread-safe"). An access to it without the lock, in code other goroutines run, is reported.
 * The field is reached through any variable of the struct's type: the receiver, a parameter, a
 * package variable or another struct's field (`s.rws.queues`).
 */
import type { Diagnostic, Rule } from '../rule.js';
import type { BodyTest, SkeletonContext } from '../skeleton.js';
import type { RelatedLocation } from '../types.js';
import { mutexFieldsOf, type FileModel, type Node } from '../semantic/model.js';
import type { TypeTable } from '../semantic/typeref.js';
import type { EntryStep, FieldSite, GuardFacts } from '../semantic/guards.js';
import { neverBuiltTogether } from '../semantic/package.js';
import { lineOf, siteEntry, spanOf } from './describe.js';
import { lockAroundEdit } from '../fix/lock.js';

/** The held mutex relative to its owner: `.mu` for `s.mu`, '' for an embedded one. */
function heldSuffix(site: FieldSite): string {
  const lock = site.locks.find((l) => site.heldLocks.includes(l)) ?? site.locks[0];
  return lock.slice(site.owner.length);
}

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

/** The steps that bring the bare access's goroutine to it: its `go` statement, or the unlocked calls. */
function stepsTo(site: FieldSite, facts: GuardFacts): EntryStep[] {
  const spawn = site.access.thread.spawn;
  const path = site.file.model.path;
  if (spawn?.site) return [{ file: path, line: lineOf(spawn.site), message: 'the goroutine starts here', label: `the goroutine on line ${lineOf(spawn.site)}` }];
  if (spawn?.kind === 'handler') return [];
  if (site.storedCallback) {
    const line = lineOf(site.storedCallback);
    return [{ file: path, line, message: 'the func literal is kept here and runs whenever its holder calls it', label: `the func literal on line ${line}` }];
  }
  return facts.entrySteps(site.fn);
}

/** Related locations carry paths in the reported file without a file name. */
function relatedAt(step: { file: string; line: number; message: string }, from: FileModel): RelatedLocation {
  return { ...(step.file !== from.path ? { file: step.file } : {}), line: step.line, message: step.message } as RelatedLocation;
}

/**
 * The single-writer idiom: every locked write is made by the reading function itself or by a helper
 * only it calls, so the writes and this read run one after another; the lock is for other readers.
 */
function soleWriterReads(site: FieldSite, writes: readonly FieldSite[], facts: GuardFacts): boolean {
  if (site.write) return false;
  const reaches = (fn: FieldSite['fn'], depth: number): boolean => {
    if (fn === site.fn) return true;
    if (depth === 0 || fn.exported) return false;
    const callers = facts.callersOf(fn);
    return callers.length > 0 && callers.every((c) => reaches(c, depth - 1));
  };
  return writes.every((w) => reaches(w.fn, 3));
}

/** `delete(x.f, k)`: a write to the map's contents, not to the field. */
function isDeleted(site: FieldSite): boolean {
  const args = fieldExpression(site)?.parent;
  return args?.type === 'argument_list' && args.parent?.childForFieldName('function')?.text === 'delete';
}

/** The selector expression `x.f` of a site's field, climbing from the access's root. */
function fieldExpression(site: FieldSite): Node | undefined {
  for (let cur: Node | null = site.access.node.parent; cur; cur = cur.parent) {
    if (cur.type !== 'selector_expression') return undefined;
    if (cur.childForFieldName('field')?.text === site.field) return cur;
  }
  return undefined;
}

/**
 * Writes that only change the field's elements (`x.m[k] = v`, `x.s[i] = v`) leave the field itself
 * alone: a read that only copies the reference, or a slice's length or indexes, does not race them.
 */
function readsOnlyTheHeader(site: FieldSite, writes: readonly FieldSite[]): boolean {
  if (site.write || site.element || !writes.every((w) => w.element || isDeleted(w))) return false;
  const expr = fieldExpression(site);
  const parent = expr?.parent;
  if (!expr || !parent) return false;
  if (parent.type === 'literal_element' || parent.type === 'keyed_element' || parent.type === 'return_statement') return true;
  if (parent.type === 'expression_list') {
    const stmt = parent.parent;
    if (stmt?.type === 'return_statement') return true;
    if ((stmt?.type === 'assignment_statement' || stmt?.type === 'short_var_declaration') && stmt.childForFieldName('right')?.startIndex === parent.startIndex) return true;
  }
  if (parent.type === 'argument_list') {
    const callee = parent.parent?.childForFieldName('function')?.text ?? '';
    const type = site.file.model.types.fieldType({ kind: 'named', name: site.typeName }, site.field);
    const slice = site.file.model.types.underlying(type).kind === 'slice';
    // A callee may read a map's contents; a slice's length is its header.
    return slice && (callee === 'len' || callee === 'cap');
  }
  // `for i := range x.s` reads a slice's length only.
  if (parent.type === 'range_clause') {
    const left = parent.childForFieldName('left');
    const type = site.file.model.types.underlying(site.file.model.types.fieldType({ kind: 'named', name: site.typeName }, site.field));
    return type.kind === 'slice' && (!left || left.namedChildCount <= 1);
  }
  return false;
}

function describeAt(site: FieldSite, from: FileModel): string {
  const where = site.file.model === from ? `line ${lineOf(site.access.node)}` : `${site.file.model.path}:${lineOf(site.access.node)}`;
  return `${site.fn.name} (${where})`;
}

const fieldMentions = new WeakMap<object, ((text: string) => boolean) | null>();

// A field written: `.f = `, `.f[k] = `, `.f++`, `.f += `, `delete(x.f, …)`.
const FIELD_WRITE = /\.(\w+)\s*(?:\[[^\]\n]*\])?\s*(?:[-+*/|&^]?=(?!=)|\+\+|--)|delete\(\s*[\w.]*\.(\w+)\s*,/g;

/** Field names written in functions that lock: the only candidates for a guarded field. */
function fieldsWrittenWhileLocking(sources: readonly string[]): Set<string> {
  const written = new Set<string>();
  for (const source of sources) {
    if (!source.includes('Lock()')) continue;
    for (const chunk of source.split(/\n(?=func )/)) {
      if (!chunk.includes('Lock()')) continue;
      for (const m of chunk.matchAll(FIELD_WRITE)) written.add(m[1] ?? m[2]);
    }
  }
  return written;
}

/**
 * A test for function text that names a field of one of the package's structs holding a mutex,
 * among those some locking function writes: the bodies lock-guard inference needs walked.
 */
function lockedStructFieldsTest(types: TypeTable, sources: readonly string[]): ((text: string) => boolean) | null {
  const written = fieldsWrittenWhileLocking(sources);
  const fields = new Set<string>();
  for (const name of types.typeNames()) {
    const mutexes = mutexFieldsOf(types, { kind: 'named', name });
    if (mutexes.length === 0) continue;
    for (const field of types.structOf({ kind: 'named', name })!.fields.keys()) if (!mutexes.includes(field) && written.has(field)) fields.add(field);
  }
  if (fields.size === 0) return null;
  const mentions = new RegExp(`\\.(?:${[...fields].join('|')})\\b`);
  return (text) => mentions.test(text);
}

/**
 * The bodies lock-guard inference may need: those walks selects (a superset: every field a locking
 * function writes, of any struct) and those with a `go x.m()` (guards.ts startedOnce reads its context).
 */
const fieldsBodies = new WeakMap<readonly string[], BodyTest>();
export function lockGuardBodies(ctx: SkeletonContext): BodyTest {
  let test = fieldsBodies.get(ctx.packageSources);
  if (!test) {
    const written = [...fieldsWrittenWhileLocking(ctx.packageSources)];
    const mentions = written.length > 0 ? new RegExp(`\\.(?:${written.join('|')})\\b`) : undefined;
    test = (fn) => NAMED_GO.test(fn.body) || mentions?.test(fn.text) === true;
    fieldsBodies.set(ctx.packageSources, test);
  }
  return test;
}

/** A `go` statement that calls a named function or method, as package.ts NAMED_GO finds them (and more). */
const NAMED_GO = /\bgo\s+[\w.]+\s*\(/;

export const unguardedField: Rule = {
  meta: {
    id: 'unguarded-field',
    summary: 'A struct field written under the struct\'s mutex is accessed elsewhere without it.',
    defaultSeverity: 'warning',
    fixable: true,
    // Off by default: 179 of 357 right in the triage of rounds 1-24, rechecked (bench/triage), mostly lifecycle
    // orderings (set-up, stop-then-read) a syntax-level view cannot see.
    defaultEnabled: false,
    docPath: 'docs/rules/unguarded-field.md',
  },
  bodies: lockGuardBodies,
  walks(view) {
    // A file that locks nothing may still touch a locked struct of its package: walk the bodies
    // that name a field of one. The test is made once per package.
    let test = fieldMentions.get(view.types.packageKey);
    if (test === undefined) {
      test = lockedStructFieldsTest(view.types, view.packageSources);
      fieldMentions.set(view.types.packageKey, test);
    }
    return test ?? undefined;
  },
  runPackage(pkg, report) {
    if (!pkg.files.some((f) => f.model.source.includes('Lock()'))) return; // nothing is locked
    const facts = pkg.guards();
    const reported = new Set<string>();
    for (const { guardedWrites, bare } of facts.guarded.values()) {
      for (const site of bare) {
        const key = `${site.fn.receiverType ?? ''}.${site.fn.name}.${site.typeName}.${site.field}`;
        if (reported.has(key)) continue;
        const writes = guardedWrites.filter((w) => !neverBuiltTogether(w.file, site.file));
        if (writes.length === 0) continue;
        const others = writes.filter((w) => w.fn !== site.fn);
        if (others.length === 0 && !site.write) continue;
        const how = siteEntry(site, facts.entry);
        if (!how || orderedByClose(site, writes)) continue;
        if (soleWriterReads(site, writes, facts) || readsOnlyTheHeader(site, writes)) continue;
        reported.add(key);
        const model = site.file.model;
        const where = (others.length > 0 ? others : writes).slice(0, 3);
        // Name the mutex the writes hold (a struct may have several), on this access's owner.
        const lock = site.owner + heldSuffix(where[0]);
        const what = site.write ? 'writes' : 'reads';
        const code = `${site.owner}.${site.field}`;
        const steps = stepsTo(site, facts);
        // A path through calls reads best as a chain: `go s.loop()` (server.go:40) → loop → handle.
        const path =
          steps.length >= 2
            ? ` Path: ${steps.map((st) => `${st.label} (${st.file === model.path ? `line ${st.line}` : `${st.file}:${st.line}`})`).join(' → ')} → ${site.fn.name}.`
            : '';
        const writeSteps = where.map((w) => ({
          file: w.file.model.path,
          line: lineOf(w.access.node),
          message: `\`${w.owner}.${w.field}\` written with \`${w.owner}${heldSuffix(w)}.Lock()\` held in ${w.fn.name}`,
        }));
        const accessStep = { file: model.path, line: lineOf(site.access.node), message: `${site.fn.name} ${what} \`${code}\` without \`${lock}\`` };
        const diagnostic: Diagnostic = {
          ...spanOf(site.access.node),
          message:
            `\`${code}\` is written with \`${lock}.Lock()\` held in ` +
            where.map((w) => describeAt(w, model)).join(', ') +
            `, so the lock guards it, but ${site.fn.name} ${what} it here without the lock. ` +
            `${site.fn.name} ${how}; unsynchronized, the accesses race.${path} Take the lock here too.`,
          related: [...steps.map((st) => relatedAt(st, model)), ...writeSteps.map((st) => relatedAt(st, model))],
          threads: [
            { description: `${site.fn.name}, without the lock`, steps: [...steps, accessStep].map((st) => ({ file: st.file, line: st.line, message: st.message })) },
            {
              description: `${where[0].fn.name}, holding \`${where[0].owner}${heldSuffix(where[0])}\``,
              steps: [...facts.entrySteps(where[0].fn), writeSteps[0]].map((st) => ({ file: st.file, line: st.line, message: st.message })),
            },
          ],
          fixHint: `Hold the same mutex for this access:\n\n\`\`\`go\n${lock}.Lock()\ndefer ${lock}.Unlock()\n\`\`\``,
        };
        const edit = lockAroundEdit(model, site.access.node, lock);
        if (edit) diagnostic.fix = { message: 'Take the lock here too.', edits: [edit] };
        report(model, diagnostic);
      }
    }
  },
};
