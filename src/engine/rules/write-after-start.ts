/**
 * write-after-start: a value is changed after a call started goroutines that go on reading it.
 * The models (models/*.json, `background`) say which calls leave goroutines reading their result,
 * receiver or an argument: `zk.Connect` returns a connection its goroutines use, `httptest.NewServer`
 * a server already serving. A field written afterwards (`ts.Config.ErrorLog = l`), or a method the
 * models say writes its receiver (`conn.SetLogger(l)`), races with those goroutines.
 */
import type { Diagnostic, Rule } from '../rule.js';
import { escapeRegExp } from '../regexp.js';
import { fieldChildren } from '../parse.js';
import { mightSpawn } from '../semantic/model.js';
import type { Access, Decl, FileModel, Node } from '../semantic/model.js';
import { callArguments, methodCall } from '../semantic/model.js';
import type { ApiModels, ArgRef } from '../models/index.js';
import { lineOf, spanOf } from './describe.js';

const FUNCTION_NODES = new Set(['function_declaration', 'method_declaration', 'func_literal']);

/** Calls to the names of the models' `background` entries, found in text: `\b(?:Connect|NewServer|Start)\(`. */
const startPatterns = new WeakMap<ApiModels, RegExp | null>();
function startPattern(models: ApiModels): RegExp | undefined {
  let re = startPatterns.get(models);
  if (re === undefined) {
    const names = new Set<string>();
    for (const e of models.entries) if ('func' in e && e.background?.length) names.add(e.func.slice(e.func.lastIndexOf('.') + 1));
    re = names.size > 0 ? new RegExp(`\\b(?:${[...names].join('|')})\\(`, 'g') : null;
    startPatterns.set(models, re);
  }
  return re ?? undefined;
}

function enclosingFunction(node: Node): Node | undefined {
  for (let n: Node | null = node.parent; n; n = n.parent) if (FUNCTION_NODES.has(n.type)) return n;
  return undefined;
}

/** The call whose callee name starts at `index` in the source. */
function callAt(model: FileModel, index: number): Node | undefined {
  const name = model.tree.rootNode.descendantForIndex(index, index + 1);
  let fn: Node | null = name;
  if (name.parent?.type === 'selector_expression' && name.parent.childForFieldName('field')?.startIndex === name.startIndex) fn = name.parent;
  const call = fn?.parent;
  return call?.type === 'call_expression' && call.childForFieldName('function')?.startIndex === fn!.startIndex ? call : undefined;
}

/** The variable a background reference names at a call: its result's target, its receiver, or an argument. */
function targetOf(model: FileModel, call: Node, ref: ArgRef): Decl | undefined {
  let ident: Node | undefined;
  if (ref === 'result') {
    const list = call.parent;
    const stmt = list?.parent;
    if (list?.type !== 'expression_list' || (stmt?.type !== 'short_var_declaration' && stmt?.type !== 'assignment_statement')) return undefined;
    if (stmt.childForFieldName('right')?.startIndex !== list.startIndex) return undefined;
    ident = stmt.childForFieldName('left')?.namedChildren[0];
    if (ident?.type !== 'identifier') return undefined;
    return model.declarationAt(ident) ?? model.resolve(ident);
  }
  if (ref === 'receiver') ident = methodCall(call)?.receiver;
  else if (typeof ref === 'number') {
    ident = callArguments(call)[ref];
    if (ident?.type === 'unary_expression') ident = ident.childForFieldName('operand') ?? undefined;
  }
  return ident?.type === 'identifier' ? model.resolve(ident) : undefined;
}

/** How an access changes the value: a field assignment, or a method the models say writes its receiver. */
function changeBy(model: FileModel, a: Access): string | undefined {
  if (a.method) {
    const call = a.node.parent?.parent;
    if (a.path.length > 0 || call?.type !== 'call_expression') return undefined;
    const writes = model.calleeModel(call)?.model.writes;
    return writes?.includes('receiver') ? `\`${a.decl.name}.${a.method}(…)\` changes \`${a.decl.name}\`` : undefined;
  }
  if (a.kind !== 'write' || a.path.length === 0 || a.path.includes('[]')) return undefined;
  return `\`${[a.decl.name, ...a.path].join('.')}\` is assigned`;
}

export const writeAfterStart: Rule = {
  meta: {
    id: 'write-after-start',
    summary: 'A value is changed after a call started goroutines that go on reading it.',
    defaultSeverity: 'error',
    fixable: false,
    // On for reviews of changes: the hand triage (bench/triage, rounds 5-20) judged 1 of 6 right, all
    // five false ones tests that set `ts.Config` after httptest.NewServer and before any request, silent
    // since (servesPeers); it finds realworld's prom-10 (zk.Connect, then SetLogger).
    defaultEnabled: 'changes',
    docPath: 'docs/rules/write-after-start.md',
  },
  // run finds the start calls in the text, in the functions walks selects.
  bodies(ctx) {
    const re = startPattern(ctx.models);
    if (!re) return undefined;
    const test = new RegExp(re.source);
    return (fn) => test.test(fn.text);
  },
  walks(view) {
    const re = startPattern(view.models);
    if (!re) return undefined;
    const test = new RegExp(re.source);
    return (text) => test.test(text);
  },
  // It reads the function that makes the start call: a method of a locked struct matters when it may start goroutines.
  lockedMethods: (ctx) => mightSpawn(ctx.models),
  lockingBodies: (ctx) => mightSpawn(ctx.models),
  run(model, report) {
    reportKeptForWatcher(model, report);
    const re = startPattern(model.models);
    if (!re) return;
    for (const m of model.source.matchAll(re)) {
      const call = callAt(model, m.index);
      const match = call ? model.calleeModel(call) : undefined;
      const background = match?.byNameOnly ? undefined : match?.model.background;
      if (!call || !background) continue;
      const fn = enclosingFunction(call);
      for (const ref of background) {
        const decl = targetOf(model, call, ref);
        if (!decl) continue;
        const later = model
          .accessesOf(decl)
          .filter((a) => a.node.startIndex >= call.endIndex && a.unit.node.id === fn?.id)
          .sort((x, y) => x.node.startIndex - y.node.startIndex);
        // A test server reads its settings for the requests of its one client, the test: unless the test
        // has started a goroutine (that may send one) by then, a setting it changes comes first.
        const testServer = match!.model.servesPeers === true && model.path.endsWith('_test.go');
        const starts = testServer && fn ? fn.descendantsOfType('go_statement').map((g) => g.startIndex).filter((p) => p > call.endIndex) : [];
        for (const a of later) {
          // A new value: the goroutines read the old one.
          if (a.kind === 'write' && a.path.length === 0 && !a.method) break;
          // A field the goroutines never read (httptest.Server's URL).
          const fields = match!.model.backgroundFields;
          if (fields && a.path.length > 0 && !fields.includes(a.path[0]!)) continue;
          if (testServer && !starts.some((p) => p < a.node.startIndex)) continue;
          const change = changeBy(model, a);
          if (!change || model.locksHeld(a.node).length > 0) continue;
          const started = `\`${model.text(call.childForFieldName('function')!)}(…)\``;
          report({
            ...spanOf(a.node.parent?.type === 'selector_expression' ? a.node.parent : a.node),
            message:
              `${change} after ${started} on line ${lineOf(call)} started goroutines that go on reading it: the write races with them. ` +
              `Set it before they start (an option or callback of the constructor, or before the call), or synchronize as the library documents.`,
            related: [{ line: lineOf(call), message: `${started} starts the goroutines that read \`${decl.name}\`` }],
          });
        }
      }
    }
  },
};

/** The file's method `name` (one of that name only): its receiver's name and its whole text. */
function methodNamed(model: FileModel, name: string): { node: Node; receiver: string; text: string } | undefined {
  const found = model.functions.filter((f) => f.type === 'method_declaration' && f.childForFieldName('name')?.text === name);
  if (found.length !== 1) return undefined;
  const receiver = found[0]!.childForFieldName('receiver')?.descendantsOfType('identifier')[0]?.text;
  return receiver ? { node: found[0]!, receiver, text: model.source.slice(found[0]!.startIndex, found[0]!.endIndex) } : undefined;
}

/** The receiver fields a method stores a parameter in (`s.allocs[a.ID] = a`, `s.queue = append(s.queue, a)`), by the parameter's position. */
function keptParameters(method: { node: Node; receiver: string; text: string }): { index: number; field: string }[] {
  const params = (method.node.childForFieldName('parameters')?.namedChildren ?? []).flatMap((p) => fieldChildren(p, 'name'));
  const r = escapeRegExp(method.receiver);
  const kept: { index: number; field: string }[] = [];
  params.forEach((param, index) => {
    const p = escapeRegExp(param.text);
    const stored = new RegExp(`\\b${r}\\.(\\w+)\\[[^\\]\\n]*\\]\\s*=\\s*${p}\\s*$|\\b${r}\\.(\\w+)\\s*=\\s*append\\(\\s*${r}\\.\\w+\\s*,\\s*${p}\\s*\\)`, 'm').exec(method.text);
    const field = stored?.[1] ?? stored?.[2];
    if (field) kept.push({ index, field });
  });
  return kept;
}

/**
 * `go s.watch()`, later `s.upsert(a)`, then `a.Status = …`: upsert keeps `a` in a field of `s` that the
 * running watch goroutine reads, so the write after the hand-over races with it (RacerD: storing a
 * value in shared state gives up owning it). The methods are the file's own.
 */
function reportKeptForWatcher(model: FileModel, report: (d: Diagnostic) => void): void {
  if (!model.source.includes('go ')) return;
  for (const start of model.tree.rootNode.descendantsOfType('go_statement')) {
    const started = methodCall(start.namedChild(0)!);
    if (started?.receiver.type !== 'identifier') continue;
    const watcher = methodNamed(model, started.method);
    const fn = enclosingFunction(start);
    if (!watcher || !fn) continue;
    for (const call of fn.descendantsOfType('call_expression')) {
      const handed = call.startIndex > start.endIndex ? methodCall(call) : undefined;
      if (!handed || handed.receiver.text !== started.receiver.text) continue;
      const keeper = methodNamed(model, handed.method);
      for (const { index, field } of keeper ? keptParameters(keeper) : []) {
        if (!new RegExp(`\\b${escapeRegExp(watcher.receiver)}\\.${escapeRegExp(field)}\\b`).test(watcher.text)) continue;
        const arg = callArguments(call)[index];
        const decl = arg?.type === 'identifier' ? model.resolve(arg) : undefined;
        if (!decl) continue;
        for (const a of model.accessesOf(decl)) {
          if (a.node.startIndex < call.endIndex || a.unit.node.id !== fn.id) continue;
          // A new value: the goroutine reads the old one.
          if (a.kind === 'write' && a.path.length === 0 && !a.method) break;
          const change = changeBy(model, a);
          if (!change || model.locksHeld(a.node).length > 0) continue;
          report({
            ...spanOf(a.node.parent?.type === 'selector_expression' ? a.node.parent : a.node),
            message:
              `${change} after \`${model.text(call.childForFieldName('function')!)}(${arg!.text})\` on line ${lineOf(call)} kept it in \`${started.receiver.text}.${field}\`, ` +
              `which the \`${started.method}\` goroutine started on line ${lineOf(start)} reads: the write races with it. Change it before handing it over, or hand over a copy.`,
            related: [
              { line: lineOf(call), message: `\`${handed.method}\` keeps \`${arg!.text}\` in \`${started.receiver.text}.${field}\`` },
              { line: lineOf(start), message: `\`${started.method}\` reads \`${started.receiver.text}.${field}\` on its own goroutine` },
            ],
          });
        }
      }
    }
  }
}
