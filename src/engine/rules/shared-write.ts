/** What parallel-test-state and package-state share: every kind of write to a shared variable. */
import type { Access, FileModel } from '../semantic/model.js';
import { accessedName } from './describe.js';

export type WriteShape = 'assign' | 'field' | 'map' | 'append' | 'delete';

/**
 * How an access writes its variable, if it does in a way that can race: an assignment, a field
 * write, a map insert or delete, or `x = append(x, …)`. Slice element writes (`s[i] = v`) are left
 * out: each goroutine writing its own index is correct, and the index can't be told apart here.
 */
export function writeShape(model: FileModel, a: Access): WriteShape | undefined {
  if (a.kind !== 'write') return undefined;
  if (a.deleted) return 'delete';
  if (a.appendSelf) return 'append';
  if (a.path.length === 0) return 'assign';
  if (a.path[0] !== '[]') return 'field';
  return model.types.underlying(a.decl.type).kind === 'map' ? 'map' : undefined;
}

export function describeWrite(a: Access, shape: WriteShape): string {
  const name = `\`${a.decl.name}\``;
  switch (shape) {
    case 'assign':
      return `${name} is assigned`;
    case 'field':
      return `\`${accessedName(a)}\` is assigned`;
    case 'map':
      return `the map ${name} is written`;
    case 'append':
      return `${name} is appended to`;
    case 'delete':
      return `the map ${name} is deleted from`;
  }
}
