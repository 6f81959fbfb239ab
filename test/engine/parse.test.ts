import { parseGo } from '../../src/engine/parse.js';
test('parses go', () => {
  const t = parseGo('package main\nfunc f() { x := 1 }\n');
  expect(t.rootNode.type).toBe('source_file');
});
