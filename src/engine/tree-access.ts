/**
 * Faster node access for node-tree-sitter 0.25.
 *
 * The binding hands out each node as a JS object and, so that a node comes back as the same object,
 * registers every one natively with a weak reference and a finalizer. An analysis touches millions of
 * nodes, and that bookkeeping (plus the garbage collection of the finalizers) cost more than the walk
 * itself. Here the hot accessors keep node identity in a plain Map per tree instead, and read a node's
 * start (byte offset and point), which every node object already carries, without a native call.
 *
 * The binding's transfer layout is internal, so this installs itself only on the version it was
 * written for, and only when the binding looks as expected; otherwise the stock accessors stay.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import Parser from 'tree-sitter';

const SUPPORTED_VERSION = /^0\.25\./;
// Per node in the transfer buffer: id (low, high), start byte, start row, start column (in bytes), alias.
const FIELDS = 6;
// A node's end, kept in the slot after them once asked for (nodes never change; -1: not asked yet).
const END = FIELDS;
// A node's named children and its children by field id, kept once asked for: the walk, the lock
// search and the rules ask the same node again and again, and each answer is a native call.
const NAMED_CHILDREN = Symbol('racecheck.namedChildren');
const FIELD_CHILDREN = Symbol('racecheck.fieldChildren');
const ERROR_TYPE_ID = 0xffff;
// UTF-16 source: the binding counts two bytes a character.
const BYTES_PER_CHARACTER = 2;
const TWO_TO_32 = 4294967296;
// Node ids are addresses of 8-byte aligned structs.
const ALIGNMENT_BITS = 3;

type NodeFields = Record<number, number> & {
  tree: Parser.Tree;
  [NAMED_CHILDREN]?: readonly (NodeFields | null)[];
  /** By field id; null: the node has no child in that field. */
  [FIELD_CHILDREN]?: (NodeFields | null | undefined)[];
};
type Transferred = number | NodeFields;
interface NodeMethodsApi {
  namedChildren(tree: Parser.Tree): Transferred[];
  children(tree: Parser.Tree): Transferred[];
  descendantsOfType(tree: Parser.Tree, types: string[], start?: unknown, end?: unknown): Transferred[];
  parent(tree: Parser.Tree): Transferred;
  nextNamedSibling(tree: Parser.Tree): Transferred;
  firstNamedChild(tree: Parser.Tree): Transferred;
  lastChild(tree: Parser.Tree): Transferred;
  lastNamedChild(tree: Parser.Tree): Transferred;
  previousNamedSibling(tree: Parser.Tree): Transferred;
  descendantForIndex(tree: Parser.Tree, start: number, end: number): Transferred;
  childForFieldName(tree: Parser.Tree, field: string): Transferred;
  childForFieldId(tree: Parser.Tree, field: number): Transferred;
  endIndex(tree: Parser.Tree): number;
  namedChild(tree: Parser.Tree, index: number): Transferred;
  child(tree: Parser.Tree, index: number): Transferred;
}
interface Binding {
  NodeMethods: NodeMethodsApi;
  nodeTransferArray: Uint32Array;
  getNodeFieldNamesById(language: unknown): (string | null)[];
}
type LanguageWithClasses = { nodeSubclasses: (new (tree: Parser.Tree) => object)[] };

const NODES = Symbol('racecheck.nodes');
interface NodeTable {
  byLow: Map<number, NodeFields>;
  byId?: Map<number, NodeFields>;
}
type TreeWithNodes = Parser.Tree & { [NODES]?: NodeTable };

let installed: boolean | undefined;

/** Installs the faster accessors once per process; true when they are in use. */
export function installFastNodeAccess(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  try {
    // The package's own files, found through its package.json: the binding is the one its index.js
    // loaded (node caches a native module by path), and the node class is the wrapper the engine imports.
    const require = createRequire(import.meta.url);
    const packageJson = require.resolve('tree-sitter/package.json');
    const version = (require(packageJson) as { version: string }).version;
    if (!SUPPORTED_VERSION.test(version)) return false;
    const binding = createRequire(packageJson)('node-gyp-build')(dirname(packageJson)) as Binding;
    const syntaxNode = (Parser as unknown as { SyntaxNode?: { prototype: object } }).SyntaxNode;
    // (Jest runs tests in another realm: a Uint32Array from the binding is not an instance of the test's.)
    const transfer = Object.prototype.toString.call(binding.nodeTransferArray) === '[object Uint32Array]';
    const needed = ['namedChildren', 'lastChild', 'lastNamedChild', 'firstNamedChild', 'previousNamedSibling', 'descendantForIndex'] as const;
    if (!syntaxNode || !transfer || needed.some((name) => typeof binding.NodeMethods?.[name] !== 'function')) return false;
    install(binding, syntaxNode);
    installed = true;
  } catch {
    installed = false;
  }
  return installed;
}

function install(binding: Binding, syntaxNode: { prototype: object }): void {
  const methods = binding.NodeMethods;
  const proto = syntaxNode.prototype;

  const marshal = (node: NodeFields) => {
    const buf = binding.nodeTransferArray;
    for (let i = 0; i < FIELDS; i++) buf[i] = node[i];
  };

  // Keyed by the id's low word without its alignment bits, a small integer V8 hashes fast; the rare
  // node whose key is taken goes to a second map keyed by the whole id.
  const lookup = (nodes: NodeTable, low: number, high: number): NodeFields | undefined => {
    const node = nodes.byLow.get(low >>> ALIGNMENT_BITS);
    if (node && node[0] === low && node[1] === high) return node;
    return nodes.byId?.get(high * TWO_TO_32 + low);
  };
  const remember = (nodes: NodeTable, node: NodeFields) => {
    const key = node[0] >>> ALIGNMENT_BITS;
    if (!nodes.byLow.has(key)) nodes.byLow.set(key, node);
    else (nodes.byId ??= new Map()).set(node[1] * TWO_TO_32 + node[0], node);
  };

  const nodesOf = (tree: TreeWithNodes) => {
    let nodes = tree[NODES];
    if (!nodes) tree[NODES] = nodes = { byLow: new Map() };
    return nodes;
  };

  /** The node the binding transferred at `offset` (or handed back as a registered object): one object per node. */
  const nodeAt = (value: Transferred | null, tree: TreeWithNodes, offset: number): NodeFields | null => {
    if (value === null || value === undefined) return null;
    const nodes = nodesOf(tree);
    if (typeof value === 'object') {
      // A node the binding registered itself (the root, a cursor's node): keep one object for it.
      const known = lookup(nodes, value[0], value[1]);
      if (known) return known;
      remember(nodes, value);
      return value;
    }
    const buf = binding.nodeTransferArray;
    const low = buf[offset];
    const high = buf[offset + 1];
    if (low === 0 && high === 0) return null;
    const known = lookup(nodes, low, high);
    if (known) return known;
    const classes = (tree as unknown as { language: LanguageWithClasses }).language.nodeSubclasses;
    const cls = value === ERROR_TYPE_ID ? syntaxNode : classes[value];
    const node = Object.create(cls.prototype) as NodeFields;
    node.tree = tree;
    for (let i = 0; i < FIELDS; i++) node[i] = buf[offset + i];
    node[END] = -1;
    remember(nodes, node);
    return node;
  };

  const nodesAt = (values: Transferred[], tree: TreeWithNodes) => {
    let offset = 0;
    const out = new Array<NodeFields | null>(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = nodeAt(v, tree, offset);
      if (typeof v !== 'object') offset += FIELDS;
    }
    return out;
  };

  const getter = (name: string, get: (this: NodeFields) => unknown) => Object.defineProperty(proto, name, { get, configurable: true });
  const method = (name: string, fn: (this: NodeFields, ...args: never[]) => unknown) =>
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });

  getter('startIndex', function () {
    return this[2] / BYTES_PER_CHARACTER;
  });
  getter('endIndex', function () {
    const known = this[END];
    if (known >= 0) return known;
    marshal(this);
    return (this[END] = methods.endIndex(this.tree));
  });
  getter('startPosition', function () {
    return { row: this[3], column: this[4] / BYTES_PER_CHARACTER };
  });
  // Shared between callers, so frozen: a caller that changed it would change every later answer.
  getter('namedChildren', function () {
    const known = this[NAMED_CHILDREN];
    if (known) return known;
    marshal(this);
    return (this[NAMED_CHILDREN] = Object.freeze(nodesAt(methods.namedChildren(this.tree), this.tree)));
  });
  getter('children', function () {
    marshal(this);
    return nodesAt(methods.children(this.tree), this.tree);
  });
  getter('parent', function () {
    marshal(this);
    return nodeAt(methods.parent(this.tree), this.tree, 0);
  });
  // The stock accessors would register each node they hand out natively (see the top of this file).
  for (const name of ['nextNamedSibling', 'firstNamedChild', 'lastChild', 'lastNamedChild', 'previousNamedSibling'] as const) {
    getter(name, function () {
      marshal(this);
      return nodeAt(methods[name](this.tree), this.tree, 0);
    });
  }
  method('descendantForIndex', function (start: number, end?: number) {
    marshal(this);
    return nodeAt(methods.descendantForIndex(this.tree, start, end ?? start), this.tree, 0);
  });
  // By field id: the binding would convert the name to UTF-8 and look it up among the language's fields on every call.
  let fieldsOf: unknown;
  let fieldIds = new Map<string, number>();
  method('childForFieldName', function (field: string) {
    const language = (this.tree as unknown as { language: unknown }).language;
    if (language !== fieldsOf) {
      fieldsOf = language;
      fieldIds = new Map();
      binding.getNodeFieldNamesById(language).forEach((name, id) => {
        if (name) fieldIds.set(name, id);
      });
    }
    const id = fieldIds.get(field);
    if (id === undefined) {
      marshal(this);
      return nodeAt(methods.childForFieldName(this.tree, field), this.tree, 0);
    }
    const byField = (this[FIELD_CHILDREN] ??= []);
    const known = byField[id];
    if (known !== undefined) return known;
    marshal(this);
    return (byField[id] = nodeAt(methods.childForFieldId(this.tree, id), this.tree, 0));
  });
  method('namedChild', function (index: number) {
    const named = this[NAMED_CHILDREN];
    if (named) return named[index] ?? null;
    marshal(this);
    return nodeAt(methods.namedChild(this.tree, index), this.tree, 0);
  });
  method('child', function (index: number) {
    marshal(this);
    return nodeAt(methods.child(this.tree, index), this.tree, 0);
  });
  method('descendantsOfType', function (types: string | string[], start?: unknown, end?: unknown) {
    marshal(this);
    return nodesAt(methods.descendantsOfType(this.tree, typeof types === 'string' ? [types] : types, start, end), this.tree);
  });
}
