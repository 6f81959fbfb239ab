import { parseGo, parseGoRanges, withNewOfValues } from '../../src/engine/parse.js';
import type Parser from 'tree-sitter';

test('parses go', () => {
  const t = parseGo('package main\nfunc f() { x := 1 }\n');
  expect(t.rootNode.type).toBe('source_file');
});

/** Syntax errors in a tree: ERROR and MISSING nodes. */
function errors(t: Parser.Tree): number {
  let n = 0;
  const walk = (node: Parser.SyntaxNode): void => {
    if (node.type === 'ERROR' || node.isMissing) n++;
    else if (node.hasError) node.children.forEach(walk);
  };
  walk(t.rootNode);
  return n;
}

describe("Go 1.26's new(expr)", () => {
  const source = [
    'package p',
    '',
    'import "time"',
    '',
    'func f(k int) (*time.Time, *int, *[]int, *string, *int, *[]int) {',
    '\tat := new(time.Now())',
    '\treturn at, new(k + 1), new([]int{k}), new("s"), new(int), new([]int)',
    '}',
    '',
  ].join('\n');

  test('spells new( differently only where its operand cannot be a type, keeping every offset', () => {
    const rewritten = withNewOfValues(source)!;
    expect(rewritten).toHaveLength(source.length);
    expect(rewritten).toContain('nev(time.Now())');
    expect(rewritten).toContain('nev(k + 1)');
    expect(rewritten).toContain('nev([]int{k})');
    expect(rewritten).toContain('nev("s")');
    expect(rewritten).toContain('new(int)');
    expect(rewritten).toContain('new([]int)');
    expect(withNewOfValues('package p\nvar x = new(int)\n')).toBeUndefined();
  });

  test('an index or selector is a type only when it can be one: type arguments, an imported package', () => {
    const names = [
      'package p',
      '',
      'import (',
      '\t"time"',
      '\tyaml "gopkg.in/yaml.v3"',
      '\t"example.com/go-kit/v2"',
      ')',
      '',
      'type List[T any] []T',
      '',
      'func g[T any](s []string, n struct{ Name string }, i int) {',
      '\t_, _, _ = new(s[2*i]), new(s[i]), new(n.Name)',
      '\t_, _, _ = new(time.Duration), new(yaml.Node), new(kit.Option)',
      '\t_, _, _ = new(List[T]), new(List[int]), new(List[*time.Time])',
      '}',
      '',
    ].join('\n');
    const rewritten = withNewOfValues(names)!;
    for (const value of ['s[2*i]', 's[i]', 'n.Name']) expect(rewritten).toContain(`nev(${value})`);
    for (const type of ['time.Duration', 'yaml.Node', 'kit.Option', 'List[T]', 'List[int]', 'List[*time.Time]']) expect(rewritten).toContain(`new(${type})`);
    expect(errors(parseGo(names))).toBe(0);
  });

  test('parses without errors, and node text quotes the original', () => {
    const tree = parseGo(source);
    expect(errors(tree)).toBe(0);
    const calls = tree.rootNode.descendantsOfType('call_expression').map((c) => c.text);
    expect(calls).toContain('new(time.Now())');
    expect(calls.join(' ')).not.toContain('nev(');
  });

  test('a skeleton parse reads the same way', () => {
    const start = source.indexOf('func');
    const tree = parseGoRanges(source, [
      { startIndex: 0, endIndex: source.length, startPosition: { row: 0, column: 0 }, endPosition: { row: 9, column: 0 } },
    ]);
    expect(errors(tree)).toBe(0);
    expect(tree.rootNode.descendantsOfType('function_declaration')[0].startIndex).toBe(start);
    expect(tree.rootNode.descendantsOfType('call_expression').map((c) => c.text)).toContain('new(k + 1)');
  });

  test('code that parses already is read as written', () => {
    const plain = 'package p\nfunc f() *int { return new(int) }\n';
    expect(parseGo(plain).rootNode.text).toBe(plain);
  });
});

describe('valid Go the bundled grammar misreads', () => {
  const emptyFirst = 'package p\n\nfunc f(c func()) {\n\tgo func() { ; c() }()\n}\n';
  const noFinalNewline = 'package p\n\ntype T struct {\n\tA bool\n}';
  const whole = (source: string) => [{ startIndex: 0, endIndex: source.length, startPosition: { row: 0, column: 0 }, endPosition: { row: source.split('\n').length - 1, column: source.length - source.lastIndexOf('\n') - 1 } }];

  test('a block whose first statement is empty parses, its text as written', () => {
    for (const tree of [parseGo(emptyFirst), parseGoRanges(emptyFirst, whole(emptyFirst))]) {
      expect(tree.rootNode.hasError).toBe(false);
      expect(tree.rootNode.descendantsOfType('func_literal')[0].text).toBe('func() { ; c() }');
    }
  });

  test('a file that ends without a newline after a declaration parses', () => {
    for (const tree of [parseGo(noFinalNewline), parseGoRanges(noFinalNewline, whole(noFinalNewline))]) {
      // The grammar's complaint is a zero-width MISSING terminator that only hasError shows.
      expect(tree.rootNode.hasError).toBe(false);
      expect(tree.rootNode.descendantsOfType('type_declaration')[0].text).toBe(noFinalNewline.slice(noFinalNewline.indexOf('type')));
    }
  });

  test('a real syntax error is still one', () => {
    expect(errors(parseGo('package p\n\nfunc f() { x := }\n'))).toBeGreaterThan(0);
  });
});
