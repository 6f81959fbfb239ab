/**
 * append-alias: `y := append(x.f, v)` where x.f is shared. When x.f's backing array has room past
 * its length, append writes v into that array in place, and every caller doing the same at once
 * writes the same element: a race on memory that other goroutines read through x.f's array.
 *
 * Reported when the capacity can exceed the length: the slice is cut from a larger one
 * (`append(x.f[:n], v)`), the package grows the field with append or re-slices it, or nothing the
 * review sees sets the field (its capacity comes from elsewhere). Not reported when the result goes
 * back into the same place (`x.f = append(x.f, v)`: another rule's business), when every visible
 * assignment gives an exact capacity, or under a lock.
 */
import type { Diagnostic, Rule } from '../rule.js';
import { mightSpawn } from '../semantic/model.js';
import type { FileModel, Node } from '../semantic/model.js';
import { assignmentTarget, callArguments } from '../semantic/model.js';
import type { TypeRef } from '../semantic/typeref.js';
import { lineOf, spanOf } from './describe.js';
import { escapeRegExp } from '../regexp.js';

const FUNCTION_NODES = new Set(['function_declaration', 'method_declaration', 'func_literal']);

/** The receiver name of a method with a pointer receiver. */
function pointerReceiver(method: Node): string | undefined {
  const param = method.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
  if (param?.childForFieldName('type')?.type !== 'pointer_type') return undefined;
  return param.childForFieldName('name')?.text;
}

/** The identifier a selector chain starts from: `cc` in `cc.dopts.callOptions`. */
function rootOf(expr: Node): Node | undefined {
  let e: Node | null = expr;
  while (e?.type === 'selector_expression') e = e.childForFieldName('operand');
  return e?.type === 'identifier' ? e : undefined;
}

/**
 * How the package sets a field (`.f = …`, `f: …`) or package variable (`v = …`, `var v = …`):
 * grown by append or re-sliced (room past the length), only ever given exact capacities, or never
 * set where the review can see.
 */
function capacityEvidence(sources: readonly string[], name: string, isField: boolean): 'grown' | 'exact' | 'unseen' {
  const n = escapeRegExp(name);
  const place = isField ? `\\.${n}` : `(?<![\\w.])${n}`;
  const assigned = isField
    ? new RegExp(`(?:${place}\\s*=(?!=)|\\b${n}\\s*:(?!=))\\s*([^\\n]*)`, 'g')
    : new RegExp(`(?:^|[^\\w.:])${n}\\s*(?:\\[[^\\]]*\\]\\s*[\\w.]+\\s*)?=(?!=)\\s*([^\\n]*)`, 'gm');
  let seen = false;
  for (const src of sources) {
    for (const m of src.matchAll(assigned)) {
      seen = true;
      const value = m[1].trim();
      if (/^append\(/.test(value) || new RegExp(`^[\\w.]*${n}\\[[^\\]]*:[^\\]]*\\]\\s*$`).test(value)) return 'grown';
    }
  }
  return seen ? 'exact' : 'unseen';
}

/** Whether a method's receiver type holds a lock or another sync value, or is declared where the review cannot see. */
function builtForSharing(model: FileModel, method: Node): boolean {
  const param = method.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
  const typeNode = param?.childForFieldName('type');
  const name = (typeNode?.type === 'pointer_type' ? typeNode.namedChild(0) : typeNode)?.text.replace(/\[.*$/, '');
  if (!name) return false;
  const type: TypeRef = { kind: 'named', name };
  if (!model.types.structOf(type)) return true;
  return model.types.containsLock(type) !== undefined;
}

function packageVarShared(model: FileModel, name: string): boolean {
  const decl = model.packageDecls.get(name);
  if (decl && model.accessesOf(decl).some((a) => a.thread.spawn)) return true;
  return [...model.packageDecls.values()].some((d) => d.kind === 'var' && model.types.containsLock(d.type) !== undefined);
}

/** The function declaration or literal around a node. */
function enclosingFunction(node: Node): Node | undefined {
  for (let n: Node | null = node.parent; n; n = n.parent) if (FUNCTION_NODES.has(n.type)) return n;
  return undefined;
}

/** Whether a function declares a name of its own (a parameter or local) that hides a package variable. */
function declaresLocally(fn: Node, name: string): boolean {
  const re = new RegExp(`(?:\\b${escapeRegExp(name)}\\s*(?:,\\s*\\w+\\s*)*:=|\\bvar\\s+${escapeRegExp(name)}\\b|[(,]\\s*${escapeRegExp(name)}\\s+[\\w*\\[\\]])`);
  return re.test(fn.text);
}

function check(model: FileModel, call: Node, report: (d: Diagnostic) => void): void {
  const args = callArguments(call);
  if (args.length < 2) return;
  let target = args[0];
  let cut = false;
  if (target.type === 'slice_expression') {
    // `x.f[:n:n]` caps the capacity: append copies. `x.f[:n]` leaves room past n. `x.f[:0]` is a
    // buffer reused by its owner, on purpose.
    const end = target.childForFieldName('end');
    if (target.childForFieldName('capacity') || !end || end.text === '0') return;
    target = target.childForFieldName('operand')!;
    cut = true;
  }
  if (target.type !== 'selector_expression' && target.type !== 'identifier') return;
  const root = rootOf(target);
  if (!root) return;
  const fn = enclosingFunction(call);
  if (!fn) return;
  // Shared: a field reached through a method's pointer receiver, or a package variable.
  let top: Node | undefined = fn;
  while (top && top.type === 'func_literal') top = enclosingFunction(top);
  const viaReceiver = top?.type === 'method_declaration' && target.type === 'selector_expression' && pointerReceiver(top) === root.text;
  const packageVar = !viaReceiver && model.packageDecls.has(root.text) && model.packageDecls.get(root.text)!.kind === 'var' && !declaresLocally(top ?? fn, root.text);
  if (!viaReceiver && !packageVar) return;
  // Shared means reached by other goroutines: a type that holds a lock (or other sync value) is
  // built for that; one the package declares without any is owned by one goroutine at a time. A
  // package variable needs a goroutine of the file to touch it, or a package-level lock.
  if (viaReceiver && !builtForSharing(model, top!)) return;
  if (packageVar && !packageVarShared(model, root.text)) return;
  const dest = assignmentTarget(call);
  if (dest && dest.text === target.text) return;
  if (model.locksHeld(call).length > 0) return;
  const field = target.type === 'selector_expression' ? target.childForFieldName('field')!.text : root.text;
  const evidence = cut ? 'grown' : capacityEvidence(model.packageSources, field, target.type === 'selector_expression');
  if (evidence === 'exact') return;
  const name = model.text(target);
  const why = cut
    ? `\`${model.text(args[0])}\` keeps the capacity of \`${name}\``
    : evidence === 'grown'
      ? `\`${name}\` is grown with append, so its backing array can have room past its length`
      : `\`${name}\` gets its capacity outside the code under review, where it can exceed its length`;
  const shared = viaReceiver ? `the receiver \`${root.text}\`` : `the package variable \`${root.text}\``;
  const message =
    `\`append(${model.text(args[0])}, …)\` can write into the backing array of \`${name}\`, which is shared through ${shared}: ${why}. ` +
    `Concurrent calls then write the same elements, and readers of \`${name}\` see them change. Append to a copy with its capacity clipped, \`append(${name}[:len(${name}):len(${name})], …)\`.`;
  const d: Diagnostic = { ...spanOf(call), message };
  if (!cut) {
    const line = lineOf(call);
    const text = model.lines[line - 1].replace(/\r$/, '');
    const before = `append(${name},`;
    const at = text.indexOf(before);
    if (at >= 0 && text.indexOf(before, at + 1) < 0) {
      const replacement = text.slice(0, at) + `append(${name}[:len(${name}):len(${name})],` + text.slice(at + before.length);
      d.fix = { message: `Clip the capacity of \`${name}\` before appending, so append copies.`, edits: [{ startLine: line, endLine: line, replacement }] };
    }
  }
  report(d);
}

export const appendAlias: Rule = {
  meta: {
    id: 'append-alias',
    summary: 'An append onto a shared slice with spare capacity writes a backing array that other goroutines use.',
    defaultSeverity: 'warning',
    fixable: true,
    // Off by default: 6 of 18 right in the hand triage of rounds 1-24, rechecked (bench/triage): appends onto
    // slices that one goroutine owns or that every reader copies under the lock.
    defaultEnabled: false,
    docPath: 'docs/rules/append-alias.md',
  },
  // run checks every `append(` of the file, walked or not.
  bodies: (ctx) => (ctx.source.includes('append(') ? (fn) => /\bappend\(/.test(fn.body) : undefined),
  // It reads whether a goroutine touches a package variable: a method of a locked struct matters when it may start goroutines.
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  run(model, report) {
    // Find the calls from the text: walking every node of the tree costs a native call per node.
    const root = model.tree.rootNode;
    for (const m of model.source.matchAll(/\bappend\(/g)) {
      const ident = root.descendantForIndex(m.index, m.index + 6);
      const call = ident.type === 'identifier' ? ident.parent : null;
      if (call?.type === 'call_expression' && call.childForFieldName('function')?.startIndex === ident.startIndex) check(model, call, report);
    }
  },
};
