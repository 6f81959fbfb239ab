import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSkeleton, scanGoFile, type ScannedFunction } from '../../src/engine/skeleton.js';
import { parseGo } from '../../src/engine/parse.js';
import { analyze, RULES, type AnalysisResult, type SourceFile } from '../../src/engine/index.js';
import { FIXTURES_ROOT, fixtureGoVersion } from '../fixtures/harness.js';

const TEST_ROOT = fileURLToPath(new URL('..', import.meta.url));

function goFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) goFiles(path, out);
    else if (name.endsWith('.go')) out.push(path);
  }
  return out;
}

/** Each scanned function as `name: body text`. */
function scanned(src: string): string[] {
  const file = scanGoFile(src);
  if (!file) throw new Error('the lexer gave up');
  return file.functions.map((f) => `${f.name}: ${src.slice(f.bodyStart, f.bodyEnd)}`);
}

/** Top-level functions with bodies as tree-sitter sees them, in the scanner's terms. */
function treeFunctions(src: string): { start: number; bodyStart: number; bodyEnd: number; name: string }[] {
  const out: { start: number; bodyStart: number; bodyEnd: number; name: string }[] = [];
  for (const top of parseGo(src).rootNode.namedChildren) {
    if (top.type !== 'function_declaration' && top.type !== 'method_declaration') continue;
    const body = top.childForFieldName('body');
    if (body) out.push({ start: top.startIndex, bodyStart: body.startIndex, bodyEnd: body.endIndex, name: top.childForFieldName('name')!.text });
  }
  return out;
}

describe('scanGoFile', () => {
  test('finds top-level functions and methods, with their receivers and bodies', () => {
    const src = 'package p\n\nfunc f() {\n\tg()\n}\n\nfunc (s *S) M(x int) (int, error) { return x, nil }\n';
    const file = scanGoFile(src)!;
    expect(file.functions.map((f) => [f.name, f.receiver, src.slice(f.start, f.bodyEnd)])).toEqual([
      ['f', undefined, 'func f() {\n\tg()\n}'],
      ['M', '(s *S)', 'func (s *S) M(x int) (int, error) { return x, nil }'],
    ]);
  });

  test('braces and func in comments do not count', () => {
    const src = [
      'package p',
      '// func fake() {',
      '/* func alsoFake() { */',
      'func f() {',
      '\t// }',
      '\t/* } { */',
      '\tx := 1 // {',
      '}',
      '/* } */ func g() {}',
    ].join('\n');
    expect(scanned(src)).toEqual(['f: {\n\t// }\n\t/* } { */\n\tx := 1 // {\n}', 'g: {}']);
  });

  test('braces in strings, raw strings and runes do not count', () => {
    const src = [
      'package p',
      'var s = "func no() {"',
      'func f() {',
      '\ta := "}\\"}"',
      '\tb := `{',
      '} "` + "`"',
      "\tc := '}'",
      "\td := '\\''",
      "\te := '\\\\'",
      '}',
      'func g() { _ = "\\\\" }',
    ].join('\n');
    expect(scanned(src)).toEqual([
      'f: {\n\ta := "}\\"}"\n\tb := `{\n} "` + "`"\n\tc := \'}\'\n\td := \'\\\'\'\n\te := \'\\\\\'\n}',
      'g: { _ = "\\\\" }',
    ]);
  });

  test('struct and interface types in a signature are not the body', () => {
    const src = [
      'package p',
      'func a() struct{ x int } { return struct{ x int }{1} }',
      'func b(v interface{ M() }) interface {',
      '\tN()',
      '} { return nil }',
      'func c() map[string]struct{} { return nil }',
      'func d(f func(struct{}) bool) chan struct{} { return nil }',
    ].join('\n');
    expect(scanned(src)).toEqual([
      'a: { return struct{ x int }{1} }',
      'b: { return nil }',
      'c: { return nil }',
      'd: { return nil }',
    ]);
  });

  test('generic type parameters and receivers', () => {
    const src = [
      'package p',
      'func Map[T, U any](xs []T, f func(T) U) []U { return nil }',
      'func Sum[N interface{ ~int | ~float64 }](xs ...N) (n N) { return }',
      'func (s *Set[K, V]) Add(k K) { s.m[k] = struct{}{} }',
    ].join('\n');
    const file = scanGoFile(src)!;
    expect(file.functions.map((f) => [f.name, f.receiver ?? '', src.slice(f.bodyStart, f.bodyEnd)])).toEqual([
      ['Map', '', '{ return nil }'],
      ['Sum', '', '{ return }'],
      ['Add', '(s *Set[K, V])', '{ s.m[k] = struct{}{} }'],
    ]);
  });

  test('func literals in package-level var initializers are not top-level functions', () => {
    const src = [
      'package p',
      'var handler = func(w int) {',
      '\tgo work()',
      '}',
      'var (',
      '\tf = func() {}',
      '\tg func()',
      ')',
      'var h =',
      '\tfunc() {}',
      'func real() {}',
    ].join('\n');
    expect(scanned(src)).toEqual(['real: {}']);
  });

  test('a function without a body (implemented in assembly) has none', () => {
    const src = 'package p\n\nfunc add(a, b int) int\n\nfunc sub(a, b int) int { return a - b }\n';
    expect(scanned(src)).toEqual(['sub: { return a - b }']);
  });

  test('type specs, alone and grouped', () => {
    const src = [
      'package p',
      'type A struct {',
      '\tmu sync.Mutex',
      '}',
      'type (',
      '\tB int',
      '\tC[T any] struct{ v T }',
      '\tD = A',
      ')',
    ].join('\n');
    expect(scanGoFile(src)!.typeSpecs).toEqual([
      { name: 'A', text: 'A struct {\n\tmu sync.Mutex\n}' },
      { name: 'B', text: 'B int' },
      { name: 'C', text: 'C[T any] struct{ v T }' },
      { name: 'D', text: 'D = A' },
    ]);
  });

  test('gives up on text it cannot read', () => {
    expect(scanGoFile('package p\nfunc f() { x := "unterminated\n}\n')).toBeUndefined();
    expect(scanGoFile('package p\nfunc f() { /* never closed }\n')).toBeUndefined();
    expect(scanGoFile('package p\nfunc f() { x := `never closed }\n')).toBeUndefined();
    expect(scanGoFile('package p\nfunc f() {\n')).toBeUndefined();
    expect(scanGoFile('package p\nvar x = (1\nfunc f() {}\n')).toBeUndefined();
    expect(scanGoFile('package p\nvar x = [1)\n')).toBeUndefined();
    // Inside a body only the braces are counted: tree-sitter sees what else is wrong, if it parses the body.
    expect(scanGoFile('package p\nfunc f() { ) }\n')?.functions.length).toBe(1);
  });

  test('agrees with tree-sitter on every Go file of the tests', () => {
    let compared = 0;
    for (const path of goFiles(TEST_ROOT)) {
      const src = readFileSync(path, 'utf8');
      if (parseGo(src).rootNode.hasError) continue;
      const file = scanGoFile(src);
      expect({ path, functions: file?.functions.map(({ start, bodyStart, bodyEnd, name }) => ({ start, bodyStart, bodyEnd, name })) }).toEqual({ path, functions: treeFunctions(src) });
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });
});

describe('parseSkeleton', () => {
  const src = [
    'package p',
    '',
    'func skipped() {',
    '\tfor i := 0; i < 3; i++ {',
    '\t\tprintln(i)',
    '\t}',
    '}',
    '',
    'func kept() {',
    '\tgo func() { println("hi") }()',
    '}',
    '',
    'var after = 1',
  ].join('\n');
  const byName = (name: string) => (f: ScannedFunction) => f.name !== name;

  test('a left-out body is an empty block, and everything else is where a full parse puts it', () => {
    const parsed = parseSkeleton(src, scanGoFile(src), byName('skipped'));
    const full = parseGo(src).rootNode;
    const root = parsed.tree.rootNode;
    expect(root.hasError).toBe(false);
    expect(parsed.skipped.size).toBe(1);
    const [, skipped, kept, after] = root.namedChildren;
    expect(skipped.childForFieldName('body')!.toString()).toBe('(block)');
    expect(skipped.childForFieldName('body')!.endIndex).toBe(full.namedChildren[1].childForFieldName('body')!.endIndex);
    expect(kept.toString()).toBe(full.namedChildren[2].toString());
    expect([kept.startPosition, kept.endPosition, after.startPosition, after.text]).toEqual([
      full.namedChildren[2].startPosition,
      full.namedChildren[2].endPosition,
      full.namedChildren[3].startPosition,
      'var after = 1',
    ]);
  });

  test('a syntax error in a left-out body is not in the tree', () => {
    const broken = src.replace('println(i)', 'println(i');
    expect(parseGo(broken).rootNode.hasError).toBe(true);
    const parsed = parseSkeleton(broken, scanGoFile(broken), byName('skipped'));
    expect(parsed.skipped.size).toBe(1);
    expect(parsed.tree.rootNode.hasError).toBe(false);
  });

  test('parses in full when the skeleton has an error, or when the lexer gave up', () => {
    const broken = src.replace('println("hi")', 'println("hi"');
    const parsed = parseSkeleton(broken, scanGoFile(broken), byName('skipped'));
    expect(parsed.skipped.size).toBe(0);
    expect(parsed.tree.rootNode.toString()).toBe(parseGo(broken).rootNode.toString());
    expect(parseSkeleton(src, undefined, () => false).skipped.size).toBe(0);
  });

  test('keeps every body when nothing is left out', () => {
    const parsed = parseSkeleton(src, scanGoFile(src), () => true);
    expect(parsed.skipped.size).toBe(0);
    expect(parsed.tree.rootNode.toString()).toBe(parseGo(src).rootNode.toString());
  });
});

/** A result without the timings, which differ from run to run. */
function comparable(result: AnalysisResult): unknown {
  return { ...result, files: result.files.map((f) => ({ ...f, elapsedMs: 0 })) };
}

describe('analysis on a skeleton parse', () => {
  const allRules = Object.fromEntries(RULES.map((r) => [r.id, { enabled: true }]));
  const fixtureDirs = readdirSync(FIXTURES_ROOT).filter((d) => statSync(join(FIXTURES_ROOT, d)).isDirectory());

  test.each(fixtureDirs)('finds what a full parse finds: %s fixtures, each file alone and the directory as packages', (dir) => {
    const files: SourceFile[] = goFiles(join(FIXTURES_ROOT, dir)).map((path) => ({ path, content: readFileSync(path, 'utf8') }));
    for (const file of files) {
      const goVersion = fixtureGoVersion(file.content);
      for (const rules of [{ [dir]: { enabled: true } }, allRules]) {
        const options = { scope: 'all' as const, rules, ...(goVersion ? { goVersion } : {}) };
        expect(comparable(analyze([file], options))).toEqual(comparable(analyze([file], { ...options, fullParse: true })));
      }
    }
    for (const options of [{ scope: 'all' as const }, { scope: 'all' as const, rules: allRules }, { scope: 'all' as const, reviewingChanges: true }]) {
      expect(comparable(analyze(files, options))).toEqual(comparable(analyze(files, { ...options, fullParse: true })));
    }
  });

  test('is what analyze does by default: a syntax error in a body no rule reads is not reported', () => {
    const content = 'package p\n\nfunc quiet() {\n\tprintln(1\n}\n\nfunc busy() {\n\tgo func() {}()\n}\n';
    const file = { path: 'p.go', content };
    expect(analyze([file], { scope: 'all' }).files[0].hasSyntaxErrors).toBe(false);
    expect(analyze([file], { scope: 'all', fullParse: true }).files[0].hasSyntaxErrors).toBe(true);
    const inRead = { path: 'p.go', content: content.replace('go func() {}()', 'go func() {}(') };
    expect(analyze([inRead], { scope: 'all' }).files[0].hasSyntaxErrors).toBe(true);
  });
});
