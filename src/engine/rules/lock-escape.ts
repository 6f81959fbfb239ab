/**
 * lock-escape: a reference read under a lock and used after the unlock. A mutex guards the
 * accesses made while it is held; copying a map or slice header, or a pointer to a struct, out of
 * the critical section lets later code reach the same memory with no lock at all (the study's
 * "mutex scope too narrow"; the seed article's third race is its cousin).
 */
import type { Diagnostic, Rule } from '../rule.js';
import { lockGuardBodies } from './unguarded-field.js';
import type { Access, Decl, FileModel, Node } from '../semantic/model.js';
import type { TypeRef } from '../semantic/typeref.js';
import { ownedHere, type FieldSite, type GuardFacts } from '../semantic/guards.js';
import type { FunctionInfo, PackageModel } from '../semantic/package.js';
import { accessedName, lineOf, siteEntry, spanOf } from './describe.js';
import { escapeRegExp } from '../regexp.js';

/** A mutex's own methods: taking or releasing it reads none of the data it guards. */
const SYNC_METHODS = new Set(['Lock', 'Unlock', 'RLock', 'RUnlock', 'TryLock', 'TryRLock']);
/** Expression nodes a value passes through unchanged on its way to the assignment. */
const TRANSPARENT = new Set(['selector_expression', 'index_expression', 'parenthesized_expression']);

/** The local that an assignment or declaration stores the site's expression in, if any. */
function storedIn(model: FileModel, site: FieldSite): { decl: Decl; expr: Node } | undefined {
  let expr: Node = site.access.node;
  let parent = expr.parent;
  for (let depth = 0; parent && TRANSPARENT.has(parent.type) && depth < 8; depth++) {
    expr = parent;
    parent = expr.parent;
  }
  if (parent?.type !== 'expression_list') return undefined;
  const stmt = parent.parent;
  if (stmt?.type !== 'short_var_declaration' && stmt?.type !== 'assignment_statement') return undefined;
  const right = stmt.childForFieldName('right');
  const left = stmt.childForFieldName('left')?.namedChildren ?? [];
  if (right?.startIndex !== parent.startIndex) return undefined;
  // `v := x.f` or `v, ok := x.m[k]`: the first name takes the value.
  const index = right.namedChildren.findIndex((c) => c.startIndex === expr.startIndex);
  const target = left[index === -1 ? 0 : index];
  if (target?.type !== 'identifier') return undefined;
  const decl = model.declarationAt(target) ?? model.resolve(target);
  if (!decl || decl.packageLevel) return undefined;
  return { decl, expr };
}

/**
 * A guarded map or slice handed out whole while the lock is held: sent on a channel
 * (`ch <- s.items`) or returned (`return s.items`, with the unlock deferred). The receiver or the
 * caller gets the field's own memory and reads it after the unlock.
 */
function handedOut(site: FieldSite): { expr: Node; how: 'send' | 'return'; channel?: string } | undefined {
  let expr: Node = site.access.node;
  while (expr.parent && (expr.parent.type === 'parenthesized_expression' || (expr.parent.type === 'selector_expression' && expr.parent.childForFieldName('operand')?.id === expr.id))) expr = expr.parent;
  if (expr.type !== 'selector_expression' || expr.childForFieldName('field')?.text !== site.field) return undefined;
  const parent = expr.parent;
  if (parent?.type === 'send_statement' && parent.childForFieldName('value')?.id === expr.id) return { expr, how: 'send', channel: parent.childForFieldName('channel')?.text };
  if (parent?.type === 'expression_list' && parent.parent?.type === 'return_statement') return { expr, how: 'return' };
  return undefined;
}

type SharedShape = { kind: 'container' } | { kind: 'pointee'; typeName: string } | { kind: 'copy'; structType: TypeRef };

/**
 * What the escaped value shares with the guarded field: the map or slice itself, a struct behind a
 * pointer, or, for a struct copied by value, whatever its pointer, map and slice fields reach.
 */
function sharedShape(pkg: PackageModel, model: FileModel, site: FieldSite, expr: Node): SharedShape | undefined {
  const fieldType = model.types.fieldType(model.typeOfExpr(exprOwner(expr, site)), site.field);
  const indexed = expr.type === 'index_expression';
  const t = model.types.underlying(fieldType);
  if (!indexed && (t.kind === 'map' || t.kind === 'slice')) return { kind: 'container' };
  if (!indexed && t.kind === 'struct' && expr.type === 'selector_expression' && pkg.structName(model, fieldType)) return { kind: 'copy', structType: fieldType };
  const valueType = indexed ? (t.kind === 'map' ? t.value : t.kind === 'slice' || t.kind === 'array' ? t.elem : undefined) : fieldType;
  if (!valueType || model.types.underlying(valueType).kind !== 'pointer') return undefined;
  const typeName = pkg.structName(model, valueType);
  return typeName ? { kind: 'pointee', typeName } : undefined;
}

/**
 * For a use of a struct copy (`c.sends.samples`), the field of the copy it goes through when that
 * field shares memory with the original: a pointer it follows (`c.sends.samples`), or a map or slice
 * whose elements it reaches (`c.opts[k]`).
 */
function throughCopy(model: FileModel, structType: TypeRef, use: Access): string | undefined {
  if (use.path.length < 2) return undefined;
  const t = model.types.underlying(model.types.fieldType(structType, use.path[0]!));
  if (t.kind === 'pointer' && use.path[1] !== '[]') return use.path[0];
  if ((t.kind === 'map' || t.kind === 'slice') && use.path[1] === '[]') return use.path[0];
  return undefined;
}

/** Whether a locked write of the original (`s.counters.sends.samples = …`) changes what a use of its copy (`c.sends.samples`) reads. */
function writesThrough(write: Access, use: Access): boolean {
  const p = write.path;
  return p.length >= 3 && p[1] === use.path[0] && (p[2] === use.path[1] || (use.path[1] === '[]' && (write.deleted || write.appendSelf)));
}

/** The node whose field the site reads: `m` in `m.nodeMap[name]`. */
function exprOwner(expr: Node, site: FieldSite): Node | null {
  let e: Node | null = expr;
  while (e && e.type === 'index_expression') e = e.childForFieldName('operand');
  if (e?.type === 'selector_expression' && e.childForFieldName('field')?.text === site.field) return e.childForFieldName('operand');
  return null;
}

/** Writes to fields of a struct type made with some lock held: `Type.field` → the writing sites. */
function lockedWritesByField(pkg: PackageModel): Map<string, { access: Access; model: FileModel; fn: string; info: FunctionInfo }[]> {
  const out = new Map<string, { access: Access; model: FileModel; fn: string; info: FunctionInfo }[]>();
  for (const file of pkg.files) {
    if (file.isTest) continue;
    const model = file.model;
    for (const a of model.accesses) {
      if (a.kind !== 'write' || a.path.length === 0 || a.path[0] === '[]') continue;
      const typeName = pkg.structName(model, a.decl.type);
      if (!typeName) continue;
      const fn = pkg.functionOf(a.unit);
      // A fresh object being filled in before it is published is no one else's yet.
      if (!fn || fn.setupOrLocked || ownedHere(a)) continue;
      if (model.locksHeld(a.node).length === 0) continue;
      const key = `${typeName}.${a.path[0]}`;
      const list = out.get(key) ?? [];
      list.push({ access: a, model, fn: fn.name, info: fn });
      out.set(key, list);
    }
  }
  return out;
}

/** In-place writes to a guarded map or slice (an insert, a delete, an element write), made under the lock. */
function inPlaceWrites(facts: GuardFacts, key: string): FieldSite[] {
  const field = facts.guarded.get(key);
  if (!field) return [];
  return field.guardedWrites.filter((w) => {
    const a = w.access;
    const at = a.path.indexOf(w.field);
    return a.deleted || a.appendSelf || a.path[at + 1] === '[]';
  });
}

/** `x == nil` / `x != nil`: compares the map or slice header, reads no element. */
function nilComparison(ident: Node): boolean {
  const parent = ident.parent;
  if (parent?.type !== 'binary_expression') return false;
  const op = parent.childForFieldName('operator')?.text;
  const other = parent.childForFieldName(parent.childForFieldName('left')?.startIndex === ident.startIndex ? 'right' : 'left');
  return (op === '==' || op === '!=') && other?.type === 'nil';
}

/**
 * Whether a use of a copied pointer (`s.books` in `s.Lock(); n := s.books[k]`) is made holding the
 * pointee's own lock (`s`, `s.mu`), and every locked write of that field holds the same lock of the
 * object it writes: the per-object lock orders them, whatever happened to the outer lock.
 */
function underOwnLock(model: FileModel, use: Access, writes: { access: Access; model: FileModel }[]): boolean {
  const root = use.decl.name;
  const suffixes = model.locksHeld(use.node).filter((l) => l === root || l.startsWith(`${root}.`)).map((l) => l.slice(root.length));
  if (suffixes.length === 0) return false;
  return writes.every((w) => {
    const held = w.model.locksHeld(w.access.node);
    return suffixes.some((s) => held.includes(`${w.access.decl.name}${s}`));
  });
}

function where(model: FileModel, other: FileModel, node: Node): string {
  return other === model ? `line ${lineOf(node)}` : `${other.path}:${lineOf(node)}`;
}

export const lockEscape: Rule = {
  meta: {
    id: 'lock-escape',
    summary: 'A map, slice or pointer read under a lock is used after the unlock, while others change it under the lock.',
    defaultSeverity: 'warning',
    fixable: false,
    // Off by default: 15 of 29 right in the triage of rounds 1-24, rechecked (bench/triage): copy-on-write objects
    // changed only before they are published, objects taken out of one map and published in the same critical section.
    defaultEnabled: false,
    docPath: 'docs/rules/lock-escape.md',
  },
  // The sites are lock-guard inference's (guards.ts), which reads what unguarded-field's does.
  bodies: lockGuardBodies,
  runPackage(pkg, report) {
    if (!pkg.files.some((f) => /\.(R?Unlock)\(\)/.test(f.model.source))) return;
    const facts = pkg.guards();
    let pointeeWrites: ReturnType<typeof lockedWritesByField> | undefined;
    const reported = new Set<Decl>();
    for (const site of facts.sites) {
      if (!site.held || site.write || facts.isSetup(site) || site.file.contextOnly) continue;
      const model = site.file.model;
      const stored = storedIn(model, site);
      if (!stored || reported.has(stored.decl)) continue;
      const shape = sharedShape(pkg, model, site, stored.expr);
      if (!shape) continue;
      const lock = site.locks.find((l) => model.locksHeld(site.access.node).includes(l)) ?? site.locks[0];
      // The uses of the copy once the lock is no longer held, in the same function.
      const uses = model
        .accessesOf(stored.decl)
        .filter((u) => u.node.startIndex > stored.expr.endIndex && u.unit.node === site.access.unit.node && !u.atomic);
      const escapes = uses.filter((u) => {
        if (model.locksHeld(u.node).includes(lock)) return false;
        if (shape.kind === 'container') return (u.path.length === 0 && !nilComparison(u.node)) || u.path[0] === '[]';
        if (shape.kind === 'copy') return throughCopy(model, shape.structType, u) !== undefined;
        if (u.path.length === 0 || u.path[0] === '[]') return false;
        // Taking or releasing the pointee's own named mutex (`q.mu.Lock()`) reads none of its data.
        if (u.path.length === 1 && u.method !== undefined && SYNC_METHODS.has(u.method)) return false;
        // Hand-over-hand: the pointee's own lock held here, the one its every writer holds.
        pointeeWrites ??= lockedWritesByField(pkg);
        return !underOwnLock(model, u, pointeeWrites.get(`${shape.typeName}.${u.path[0]}`) ?? []);
      });
      // For a pointer, the first such use of a field some locked write changes (`state.Name`, which
      // nobody writes, may come first); for a map or slice, the first use.
      const writes = shape.kind === 'container' ? undefined : (pointeeWrites ??= lockedWritesByField(pkg));
      // For a struct copy, the locked writes through the original's same pointer, map or slice field.
      const copyWrites = (u: Access) => (writes?.get(`${site.typeName}.${site.field}`) ?? []).filter((w) => writesThrough(w.access, u));
      const escaped = writes && shape.kind === 'pointee'
        ? escapes.find((u) => (writes.get(`${shape.typeName}.${u.path[0]}`) ?? []).some((w) => w.access.node.startIndex !== u.node.startIndex || w.model !== model))
        : shape.kind === 'copy'
          ? escapes.find((u) => copyWrites(u).length > 0)
          : escapes[0];
      if (!escaped) continue;
      const unlockAt = model.source.indexOf(`${lock}.`, stored.expr.endIndex);
      const unlockText = /^[\w.]+\.R?Unlock\(\)/.exec(model.source.slice(unlockAt))?.[0];
      if (!unlockText || unlockAt > escaped.node.startIndex) continue;
      // `conns := s.conns; s.conns = nil` under the lock hands the old map over: nobody else can reach it.
      const handedOver = facts.sites.some(
        (w) => w.write && w.fn === site.fn && w.field === site.field && w.owner === site.owner && w.access.path.length === w.access.path.indexOf(w.field) + 1 &&
          w.access.node.startIndex > stored.expr.endIndex && w.access.node.startIndex < unlockAt,
      );
      if (handedOver) continue;
      const how = siteEntry(site, facts.entry);
      if (!how) continue;

      let racing: { node: Node; model: FileModel; fn: string; info: FunctionInfo; what: string }[] = [];
      if (shape.kind === 'container') {
        racing = inPlaceWrites(facts, `${site.typeName}.${site.field}`).map((w) => ({ node: w.access.node, model: w.file.model, fn: w.fn.name, info: w.fn, what: `changes \`${w.owner}.${w.field}\`` }));
      } else if (shape.kind === 'copy') {
        racing = copyWrites(escaped).map((w) => ({ node: w.access.node, model: w.model, fn: w.fn, info: w.info, what: `writes \`${accessedName(w.access)}\`` }));
      } else {
        pointeeWrites ??= lockedWritesByField(pkg);
        racing = (pointeeWrites.get(`${shape.typeName}.${escaped.path[0]}`) ?? []).map((w) => ({ node: w.access.node, model: w.model, fn: w.fn, info: w.info, what: `writes \`${w.access.decl.name}.${escaped.path[0]}\`` }));
      }
      racing = racing.filter((r) => r.node.startIndex !== escaped.node.startIndex || r.model !== model);
      if (racing.length === 0) continue;
      // One goroutine does it all (a loop started once, and only the methods it calls): no two run at once.
      const owner = facts.singleOwner(site.fn);
      if (owner && racing.every((r) => facts.singleOwner(r.info) === owner)) continue;
      reported.add(stored.decl);
      const name = stored.decl.name;
      const code = model.text(stored.expr);
      const usedPath = shape.kind === 'copy' ? escaped.path.slice(0, 2).filter((f) => f !== '[]') : escaped.path.slice(0, 1);
      const used = shape.kind === 'container' ? `\`${name}\` is used` : `\`${[name, ...usedPath].join('.')}\` is ${escaped.kind === 'write' ? 'written' : 'read'}`;
      const escapedWhat =
        shape.kind === 'container'
          ? 'the map or slice escaped the critical section'
          : shape.kind === 'copy'
            ? `the struct was copied, but \`${name}.${escaped.path[0]}\` in the copy still reaches what the lock guards`
            : 'the pointer escaped the critical section';
      const shown = racing.slice(0, 3);
      const diagnostic: Diagnostic = {
        ...spanOf(escaped.node),
        message:
          `\`${name}\` holds \`${code}\`, read with \`${lock}\` held on line ${lineOf(stored.expr)}, but ${used} here after \`${unlockText}\` ` +
          `(line ${lineOf(model.tree.rootNode.descendantForIndex(unlockAt))}): ${escapedWhat}. ` +
          shown.map((r) => `${r.fn} (${where(model, r.model, r.node)}) ${r.what} with the lock held`).join(', ') +
          `, and ${site.fn.name} ${how}. ` +
          (shape.kind === 'container'
            ? 'Finish the work before unlocking, or copy the contents under the lock.'
            : shape.kind === 'copy'
              ? `Read what you need through \`${name}.${escaped.path[0]}\` before unlocking, or copy it too under the lock.`
              : 'Read the fields you need before unlocking, or copy the struct under the lock.'),
        related: shown.map((r) => ({
          ...(r.model !== model ? { file: r.model.path } : {}),
          line: lineOf(r.node),
          message: `${r.fn} ${r.what} with the lock held`,
        })),
      };
      report(model, diagnostic);
    }

    // A guarded map or slice sent or returned whole while the lock is held.
    for (const site of facts.sites) {
      if (!site.held || site.write || site.element || facts.isSetup(site) || site.file.contextOnly || site.callback) continue;
      const model = site.file.model;
      const out = handedOut(site);
      if (!out || sharedShape(pkg, model, site, out.expr)?.kind !== 'container') continue;
      const lock = site.locks.find((l) => model.locksHeld(site.access.node).includes(l)) ?? site.locks[0];
      // A return hands the field to the caller after the function's own deferred unlock; a helper
      // called with the caller's lock held (no Lock of its own) leaves the caller in charge.
      const body = model.text(site.fn.node);
      if (out.how === 'return' && !new RegExp(`defer\\s+${escapeRegExp(lock)}\\.R?Unlock\\(\\)`).test(body)) continue;
      const how = siteEntry(site, facts.entry);
      if (!how) continue;
      const racing = inPlaceWrites(facts, `${site.typeName}.${site.field}`).filter((w) => w.fn.node.id !== site.fn.node.id || w.file !== site.file);
      if (racing.length === 0) continue;
      const owner = facts.singleOwner(site.fn);
      if (owner && racing.every((w) => facts.singleOwner(w.fn) === owner)) continue;
      const code = model.text(out.expr);
      const shown = racing.slice(0, 3);
      const handed = out.how === 'send' ? `sent on \`${out.channel}\`` : 'returned';
      const user = out.how === 'send' ? 'whoever receives it reads' : 'the caller reads';
      report(model, {
        ...spanOf(out.expr),
        message:
          `\`${code}\` is ${handed} with \`${lock}\` held: ${user} the map or slice itself, after the unlock, while ` +
          shown.map((w) => `${w.fn.name} (${where(model, w.file.model, w.access.node)}) changes it with the lock held`).join(', ') +
          `, and ${site.fn.name} ${how}. Hand out a copy made under the lock (\`maps.Clone\`, \`slices.Clone\`).`,
        related: shown.map((w) => ({
          ...(w.file.model !== model ? { file: w.file.model.path } : {}),
          line: lineOf(w.access.node),
          message: `${w.fn.name} changes \`${w.owner}.${w.field}\` with the lock held`,
        })),
      });
    }
  },
};
