/**
 * Local type knowledge without a type checker: types as the file spells them, from declarations,
 * composite literals and the constructors the models know (models/*.json).
 */
import type Parser from 'tree-sitter';
import { fieldChildren } from '../parse.js';

type Node = Parser.SyntaxNode;

export type TypeRef =
  | { kind: 'named'; name: string }
  | { kind: 'pointer'; elem: TypeRef }
  | { kind: 'map'; value?: TypeRef }
  | { kind: 'slice'; elem: TypeRef }
  | { kind: 'array'; elem: TypeRef }
  | { kind: 'chan' }
  | { kind: 'func'; results: TypeRef[] }
  | { kind: 'struct'; fields: Map<string, TypeRef>; embedded: TypeRef[] }
  | { kind: 'interface' }
  | { kind: 'unknown' };

export const UNKNOWN: TypeRef = { kind: 'unknown' };

export function named(name: string): TypeRef {
  return { kind: 'named', name };
}

/** The type a type expression spells. */
export function typeFromNode(node: Node | null | undefined): TypeRef {
  if (!node) return UNKNOWN;
  switch (node.type) {
    case 'type_identifier':
    case 'qualified_type':
      return named(node.text);
    case 'generic_type':
      return typeFromNode(node.childForFieldName('type'));
    case 'pointer_type':
      return { kind: 'pointer', elem: typeFromNode(node.namedChild(0)) };
    case 'map_type':
      return { kind: 'map', value: typeFromNode(node.childForFieldName('value')) };
    case 'slice_type':
      return { kind: 'slice', elem: typeFromNode(node.childForFieldName('element')) };
    case 'array_type':
    case 'implicit_length_array_type':
      return { kind: 'array', elem: typeFromNode(node.childForFieldName('element')) };
    case 'channel_type':
      return { kind: 'chan' };
    case 'function_type':
      return { kind: 'func', results: resultTypes(node.childForFieldName('result')) };
    case 'interface_type':
      return { kind: 'interface' };
    case 'parenthesized_type':
      return typeFromNode(node.namedChild(0));
    case 'struct_type':
      return structFromNode(node);
    default:
      return UNKNOWN;
  }
}

/** The declared result types of a function: `(int, error)`, `error`, or `(n int, err error)`. */
export function resultTypes(result: Node | null): TypeRef[] {
  if (!result) return [];
  if (result.type !== 'parameter_list') return [typeFromNode(result)];
  const types: TypeRef[] = [];
  for (const param of result.namedChildren) {
    if (param.type !== 'parameter_declaration') continue;
    const type = typeFromNode(param.childForFieldName('type'));
    const names = fieldChildren(param, 'name').length;
    for (let i = 0; i < Math.max(1, names); i++) types.push(type);
  }
  return types;
}

function structFromNode(node: Node): TypeRef {
  const fields = new Map<string, TypeRef>();
  const embedded: TypeRef[] = [];
  const list = node.namedChildren.find((c) => c.type === 'field_declaration_list');
  for (const decl of list?.namedChildren ?? []) {
    if (decl.type !== 'field_declaration') continue;
    const typeNode = decl.childForFieldName('type');
    const names = fieldChildren(decl, 'name');
    // tree-sitter-go leaves the `*` of an embedded `*T` outside the type node.
    const embeddedPointer = names.length === 0 && decl.children.some((c) => c.type === '*');
    const type: TypeRef = embeddedPointer ? { kind: 'pointer', elem: typeFromNode(typeNode) } : typeFromNode(typeNode);
    if (names.length === 0) {
      embedded.push(type);
      // An embedded field is named after its type: sync.Mutex -> Mutex.
      const base = (typeNode?.text ?? '').replace(/^\*/, '').replace(/\[.*$/, '');
      fields.set(base.slice(base.lastIndexOf('.') + 1), type);
    }
    for (const name of names) fields.set(name.text, type);
  }
  return { kind: 'struct', fields, embedded };
}

/** A method declared in the file: whether its receiver is a pointer, and how many parameters it takes. */
export interface MethodInfo {
  pointerReceiver: boolean;
  params: number;
}

/** The type tables of one package's files. */
interface PackageTypes {
  tables: readonly TypeTable[];
  declaredIn?: Map<string, TypeTable>;
  methodsOf?: Map<string, Map<string, MethodInfo>>;
}

/** Types declared in the file, by name, with what they are underneath and the methods the file gives them. */
export class TypeTable {
  private readonly types = new Map<string, TypeRef>();
  /** Types declared but not read yet: most of a file's types are never asked about. */
  private readonly unread = new Map<string, () => TypeRef>();
  private readonly methods = new Map<string, Map<string, MethodInfo>>();
  /** lockPath by type name; null for "holds no lock". */
  private readonly lockPaths = new Map<string, string[] | null>();
  /** The tables of the whole package, shared by all of them, with an index built on first use. */
  private group: PackageTypes = { tables: [this] };

  /** Joins the tables of one package's files: a type declared in one file is known in all. */
  linkPackage(tables: readonly TypeTable[]): void {
    const group: PackageTypes = { tables };
    for (const t of tables) {
      t.group = group;
      t.lockPaths.clear();
    }
  }

  /** An object shared by every file of the package: a key for facts computed once per package. */
  get packageKey(): object {
    return this.group;
  }

  /** The names of the types the package declares. */
  typeNames(): string[] {
    return [...this.index().keys()];
  }

  /** Where each of the package's types is declared (the first file that declares it). */
  private index(): Map<string, TypeTable> {
    if (!this.group.declaredIn) {
      const index = new Map<string, TypeTable>();
      for (const t of this.group.tables) for (const name of [...t.types.keys(), ...t.unread.keys()]) if (!index.has(name)) index.set(name, t);
      this.group.declaredIn = index;
    }
    return this.group.declaredIn;
  }

  declare(name: string, type: TypeRef | (() => TypeRef)): void {
    if (typeof type === 'function') {
      this.unread.set(name, type);
      this.types.delete(name);
    } else {
      this.types.set(name, type);
      this.unread.delete(name);
    }
    this.lockPaths.clear();
  }

  private declared(name: string): TypeRef | undefined {
    const own = this.ownDeclared(name);
    if (own || this.group.tables.length === 1) return own;
    const table = this.index().get(name);
    return table && table !== this ? table.ownDeclared(name) : undefined;
  }

  private ownDeclared(name: string): TypeRef | undefined {
    const make = this.unread.get(name);
    if (make) {
      this.unread.delete(name);
      this.types.set(name, make());
    }
    return this.types.get(name);
  }

  /** Records a method of a type the file declares (`func (c *Counter) Inc()` gives Counter.Inc). */
  declareMethod(typeName: string, method: string, info: MethodInfo): void {
    let set = this.methods.get(typeName);
    if (!set) this.methods.set(typeName, (set = new Map()));
    set.set(method, info);
    this.lockPaths.clear();
  }

  methodOf(typeName: string, method: string): MethodInfo | undefined {
    const own = this.methods.get(typeName)?.get(method);
    if (own || this.group.tables.length === 1) return own;
    if (!this.group.methodsOf) {
      const index = new Map<string, Map<string, MethodInfo>>();
      for (const t of this.group.tables) {
        for (const [type, set] of t.methods) {
          const all = index.get(type) ?? new Map<string, MethodInfo>();
          for (const [name, info] of set) if (!all.has(name)) all.set(name, info);
          index.set(type, all);
        }
      }
      this.group.methodsOf = index;
    }
    return this.group.methodsOf.get(typeName)?.get(method);
  }

  /**
   * Whether a type name is a lock as go vet's copylocks sees it: a must-not-copy sync type, or a
   * type whose pointer has the file's own Lock() and Unlock() methods (`type noCopy struct{}`).
   */
  isLock(name: string): boolean {
    if (NO_COPY_TYPES.has(name)) return true;
    const lock = this.methodOf(name, 'Lock');
    const unlock = this.methodOf(name, 'Unlock');
    return !!lock?.pointerReceiver && lock.params === 0 && !!unlock?.pointerReceiver && unlock.params === 0;
  }

  /** Every type name isLock accepts: the sync types and the file's own lockers. */
  lockNames(): string[] {
    const typesWithMethods = new Set(this.group.tables.flatMap((t) => [...t.methods.keys()]));
    return [...NO_COPY_TYPES, ...[...typesWithMethods].filter((name) => !NO_COPY_TYPES.has(name) && this.isLock(name))];
  }

  /**
   * Where a value of this type holds a lock by value, outermost to innermost: ['Registry',
   * 'Counter', 'sync.Mutex'] (Registry contains Counter contains sync.Mutex); undefined when a
   * copy is harmless. Pointers, slices and maps share rather than copy, so they end the search.
   */
  lockPath(type: TypeRef, seen = new Set<string>()): string[] | undefined {
    if (type.kind === 'named') {
      if (this.isLock(type.name)) return [type.name];
      const cached = this.lockPaths.get(type.name);
      if (cached !== undefined) return cached ?? undefined;
      if (seen.has(type.name)) return undefined;
      seen.add(type.name);
    }
    const t = this.underlying(type);
    let found: string[] | undefined;
    if (t.kind === 'array') {
      found = this.lockPath(t.elem, seen);
    } else if (t.kind === 'struct') {
      for (const f of t.fields.values()) {
        const inner = this.lockPath(f, seen);
        if (inner) {
          found = type.kind === 'named' ? [type.name, ...inner] : inner;
          break;
        }
      }
    }
    if (type.kind === 'named') this.lockPaths.set(type.name, found ?? null);
    return found;
  }

  /** What a type is underneath its local name (one level of `type Plans map[string]int`). */
  underlying(type: TypeRef): TypeRef {
    let current = type;
    for (let hops = 0; current.kind === 'named' && hops < 8; hops++) {
      const next = this.declared(current.name);
      if (!next) break;
      current = next;
    }
    return current;
  }

  /** The struct a value or pointer of this type refers to, if the file declares it. */
  structOf(type: TypeRef): Extract<TypeRef, { kind: 'struct' }> | undefined {
    let t = this.underlying(type);
    if (t.kind === 'pointer') t = this.underlying(t.elem);
    return t.kind === 'struct' ? t : undefined;
  }

  fieldType(type: TypeRef, field: string): TypeRef {
    return this.structOf(type)?.fields.get(field) ?? UNKNOWN;
  }

  isPointer(type: TypeRef): boolean {
    return this.underlying(type).kind === 'pointer';
  }

  /**
   * Whether a shallow copy of a value of this type still shares memory with the original:
   * maps, slices, pointers, channels, or structs and arrays that hold one.
   */
  sharesOnCopy(type: TypeRef, seen = new Set<string>()): boolean {
    if (type.kind === 'named') {
      if (seen.has(type.name)) return false;
      seen.add(type.name);
    }
    const t = this.underlying(type);
    switch (t.kind) {
      case 'map':
      case 'slice':
      case 'pointer':
      case 'chan':
        return true;
      case 'array':
        return this.sharesOnCopy(t.elem, seen);
      case 'struct':
        return [...t.fields.values()].some((f) => this.sharesOnCopy(f, seen));
      default:
        return false;
    }
  }

  /**
   * Whether a value of this type holds a lock or another must-not-copy sync value by value,
   * as go vet's copylocks sees it.
   */
  containsLock(type: TypeRef, seen = new Set<string>()): string | undefined {
    if (type.kind === 'named') {
      if (NO_COPY_TYPES.has(type.name)) return type.name;
      if (seen.has(type.name)) return undefined;
      seen.add(type.name);
    }
    const t = this.underlying(type);
    if (t.kind === 'array') return this.containsLock(t.elem, seen);
    if (t.kind === 'struct') {
      for (const f of t.fields.values()) {
        const inner = this.containsLock(f, seen);
        if (inner) return inner;
      }
    }
    return undefined;
  }
}

/** Standard-library types that must not be copied after first use. */
export const NO_COPY_TYPES = new Set([
  'sync.Mutex',
  'sync.RWMutex',
  'sync.WaitGroup',
  'sync.Once',
  'sync.Cond',
  'sync.Map',
  'sync.Pool',
  'atomic.Int32',
  'atomic.Int64',
  'atomic.Uint32',
  'atomic.Uint64',
  'atomic.Uintptr',
  'atomic.Bool',
  'atomic.Value',
  'atomic.Pointer',
]);

export const MUTEX_TYPES = new Set(['sync.Mutex', 'sync.RWMutex']);

/** A type written as models spell results: `*bytes.Buffer`, `context.Context`. */
export function typeFromSpelling(spelled: string): TypeRef {
  return spelled.startsWith('*') ? { kind: 'pointer', elem: typeFromSpelling(spelled.slice(1)) } : named(spelled);
}

export function typeName(type: TypeRef): string {
  switch (type.kind) {
    case 'named':
      return type.name;
    case 'pointer':
      return '*' + typeName(type.elem);
    case 'slice':
      return '[]' + typeName(type.elem);
    default:
      return type.kind;
  }
}
