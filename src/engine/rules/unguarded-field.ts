/**
 * unguarded-field: lock-guard inference, the study's largest class ("missing or partial locking").
 * A struct field written while the struct's mutex is held is taken to be guarded by it; an access
 * to that field in another method without the mutex is reported.
 */
import type { Rule } from '../rule.js';
import { mutexFieldsOf, type Access, type FileModel, type Node } from '../semantic/model.js';
import { lineOf, spanOf } from './describe.js';

/** Field types that synchronize themselves, so touching them without the mutex is fine. */
const SELF_SYNCHRONIZED = /^(sync\.|atomic\.)/;

// A method the author documents as running with the lock already held.
const CALLER_HOLDS_LOCK = /(held|hold|holding|locked|lock must|under the lock|with the lock|caller must)/i;

interface MethodInfo {
  node: Node;
  name: string;
  receiver: string;
  structName: string;
}

function methodInfo(fn: Node): MethodInfo | undefined {
  if (fn.type !== 'method_declaration') return undefined;
  const param = fn.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
  const receiver = param?.childForFieldName('name')?.text;
  const typeText = param?.childForFieldName('type')?.text ?? '';
  const structName = typeText.replace(/^\*/, '').replace(/\[.*$/, '');
  const name = fn.childForFieldName('name')?.text ?? '';
  if (!receiver || !structName) return undefined;
  return { node: fn, name, receiver, structName };
}

/** The comment block right above a declaration. */
function docComment(model: FileModel, fn: Node): string {
  const lines: string[] = [];
  for (let i = fn.startPosition.row - 1; i >= 0; i--) {
    const text = model.lines[i].trim();
    if (!text.startsWith('//')) break;
    lines.push(text);
  }
  return lines.join(' ');
}

function isConstructorLike(name: string): boolean {
  return /^(new|New|init|Init)/.test(name) || /(Locked|locked|NoLock|Unlocked)$/.test(name);
}

/** The mutex names that guard a receiver's fields: `s.mu` for a named field, `s` for an embedded one. */
function lockNames(receiver: string, mutexFields: string[]): Set<string> {
  return new Set(mutexFields.map((f) => (f === 'Mutex' || f === 'RWMutex' ? receiver : `${receiver}.${f}`)));
}

export const unguardedField: Rule = {
  meta: {
    id: 'unguarded-field',
    summary: 'A struct field written under the struct\'s mutex is accessed elsewhere without it.',
    defaultSeverity: 'warning',
    fixable: false,
    docPath: 'docs/rules/unguarded-field.md',
  },
  run(model, report) {
    if (!model.source.includes('Lock()')) return; // nothing is written under a lock
    // Group receiver-field accesses by struct, for structs that hold a mutex.
    const methods = new Map<number, MethodInfo>();
    for (const fn of model.functions) {
      const info = methodInfo(fn);
      if (info) methods.set(fn.startIndex, info);
    }
    type FieldAccess = { access: Access; method: MethodInfo; field: string; guarded: boolean };
    const byStruct = new Map<string, FieldAccess[]>();
    const callsByMethodName = new Map<string, { access: Access; guarded: boolean; struct: string }[]>();
    const mutexCache = new Map<string, string[]>();
    const mutexesOf = (structName: string) => {
      let m = mutexCache.get(structName);
      if (!m) mutexCache.set(structName, (m = mutexFieldsOf(model.types, { kind: 'named', name: structName })));
      return m;
    };

    for (const a of model.accesses) {
      if (a.decl.kind !== 'receiver') continue;
      const root = a.thread.node.type === 'method_declaration' ? a.thread : undefined;
      // Only code on the method's own goroutine: goroutines it starts are closure-write's business.
      if (!root || a.unit.detached) continue;
      const method = methods.get(root.node.startIndex);
      if (!method || a.decl.name !== method.receiver) continue;
      const mutexFields = mutexesOf(method.structName);
      if (mutexFields.length === 0) continue;
      const held = model.locksHeld(a.node);
      const names = lockNames(method.receiver, mutexFields);
      const guarded = held.some((h) => names.has(h));
      if (a.method && a.path.length === 0) {
        let list = callsByMethodName.get(a.method);
        if (!list) callsByMethodName.set(a.method, (list = []));
        list.push({ access: a, guarded, struct: method.structName });
        continue;
      }
      const field = a.path[0];
      if (!field || field === '[]' || mutexFields.includes(field)) continue;
      let list = byStruct.get(method.structName);
      if (!list) byStruct.set(method.structName, (list = []));
      list.push({ access: a, method, field, guarded });
    }

    for (const [structName, accesses] of byStruct) {
      const struct = model.types.structOf({ kind: 'named', name: structName });
      if (!struct) continue;
      const mutexFields = mutexesOf(structName);

      // Methods that only ever run with the lock held: every call in the file holds it.
      const lockedMethods = new Set<string>();
      for (let round = 0; round < 3; round++) {
        for (const m of methods.values()) {
          if (m.structName !== structName || lockedMethods.has(m.name)) continue;
          const calls = (callsByMethodName.get(m.name) ?? []).filter((c) => c.struct === structName);
          if (calls.length === 0) continue;
          const allGuarded = calls.every((c) => {
            if (c.guarded) return true;
            const caller = methods.get(c.access.thread.node.startIndex);
            return caller !== undefined && lockedMethods.has(caller.name);
          });
          if (allGuarded) lockedMethods.add(m.name);
        }
      }

      const isProtected = (fa: FieldAccess) => fa.guarded || lockedMethods.has(fa.method.name);
      const guardedWrites = new Map<string, FieldAccess[]>();
      for (const fa of accesses) {
        if (fa.access.kind !== 'write' || !isProtected(fa) || isConstructorLike(fa.method.name)) continue;
        const type = struct.fields.get(fa.field);
        if (!type || (type.kind === 'named' && SELF_SYNCHRONIZED.test(type.name)) || type.kind === 'chan') continue;
        let list = guardedWrites.get(fa.field);
        if (!list) guardedWrites.set(fa.field, (list = []));
        list.push(fa);
      }

      // The lock must be the field's usual discipline: at least as many methods touch it with
      // the lock as without. Fields mostly read bare are guarded some other way (once, states).
      const methodsTouching = (prot: boolean, field: string) =>
        new Set(accesses.filter((x) => x.field === field && isProtected(x) === prot && !isConstructorLike(x.method.name)).map((x) => x.method.name)).size;

      const reportedMethods = new Set<string>();
      for (const fa of accesses) {
        const writes = guardedWrites.get(fa.field);
        if (!writes || isProtected(fa) || fa.access.atomic) continue;
        const m = fa.method;
        if (isConstructorLike(m.name)) continue;
        // Unexported methods are often called with the lock held by their callers elsewhere;
        // exported ones are the API that other goroutines call.
        if (!/^[A-Z]/.test(m.name)) continue;
        if (methodsTouching(true, fa.field) <= methodsTouching(false, fa.field)) continue;
        if (CALLER_HOLDS_LOCK.test(docComment(model, m.node))) continue;
        const key = `${m.name}.${fa.field}`;
        if (reportedMethods.has(key)) continue;
        reportedMethods.add(key);
        const lock = `${m.receiver}.${mutexFields[0] === 'Mutex' || mutexFields[0] === 'RWMutex' ? '' : mutexFields[0] + '.'}Lock()`;
        const others = writes.filter((w) => w.method.name !== m.name);
        if (others.length === 0 && fa.access.kind === 'read') continue;
        const where = (others.length > 0 ? others : writes).slice(0, 3);
        const what = fa.access.kind === 'write' ? 'writes' : 'reads';
        report({
          ...spanOf(fa.access.node),
          message:
            `\`${m.receiver}.${fa.field}\` is written with \`${lock.replace('Lock()', 'Lock')}\` held in ` +
            where.map((w) => `${w.method.name} (line ${lineOf(w.access.node)})`).join(', ') +
            `, so the lock guards it, but ${m.name} ${what} it here without the lock. ` +
            `Concurrent calls race on the field: take the lock here too.`,
          related: where.map((w) => ({ line: lineOf(w.access.node), message: `\`${fa.field}\` written under the lock in ${w.method.name}` })),
          fixHint: `Hold the same mutex for this access:\n\n\`\`\`go\n${lock}\ndefer ${lock.replace('Lock()', 'Unlock()')}\n\`\`\``,
        });
      }
    }
  },
};
