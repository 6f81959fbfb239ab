/**
 * node-tree-sitter 0.25's childrenForFieldName (and childrenForFieldId) allocate a native cursor they
 * never free: about 1.5 MB of native memory per analyzed file. The engine reads field children through
 * fieldChildren instead (the soak in `npm run bench` shows RSS flat).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fieldChildren, parseGo } from '../../src/engine/parse.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('no engine code calls the leaking childrenForFieldName/childrenForFieldId', () => {
  const offenders = sources('src').filter((path) => /\.childrenForField(?:Name|Id)\(/.test(readFileSync(path, 'utf8')));
  expect(offenders).toEqual([]);
});

test('fieldChildren finds every child of a field, in order, and nothing else', () => {
  const tree = parseGo('package p\n\ntype S struct {\n\ta, b, c int\n\tsync.Mutex\n}\n\nfunc f(x, y int, z string) {}\n');
  const fields = tree.rootNode.descendantsOfType('field_declaration');
  expect(fieldChildren(fields[0]!, 'name').map((n) => n.text)).toEqual(['a', 'b', 'c']);
  expect(fieldChildren(fields[1]!, 'name')).toEqual([]);
  const params = tree.rootNode.descendantsOfType('parameter_declaration');
  expect(params.map((p) => fieldChildren(p, 'name').map((n) => n.text))).toEqual([['x', 'y'], ['z']]);
  expect(fieldChildren(params[0]!, 'type').map((n) => n.text)).toEqual(['int']);
});
