/**
 * The shapes of wrong suggestions the issue found (a `:=` that changes what a function returns, a
 * fix needing an import, a signature change without its call sites, two fixes that only work
 * together), and the four mechanical fixes that must be offered. Each is checked on its fixture,
 * and the meaning-preserving properties over every fixture and seed reproducer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Parser from 'tree-sitter';
import { analyze, applyEdits, RULES, type AnalysisResult, type Finding } from '../../src/engine/index.js';
import { parseGo } from '../../src/engine/parse.js';
import { fixtureGoVersion } from '../fixtures/harness.js';

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
// Every rule, including those off by default (copied-lock, rlock-write): each one's fixes are checked.
const ALL_RULES_ON = Object.fromEntries(RULES.map((r) => [r.id, { enabled: true }]));

function analyzeFile(name: string, goVersion?: string): { source: string; result: AnalysisResult } {
  const source = readFileSync(join(TEST_DIR, name), 'utf8');
  const version = goVersion ?? fixtureGoVersion(source);
  return { source, result: analyze([{ path: name, content: source }], { scope: 'all', rules: ALL_RULES_ON, ...(version ? { goVersion: version } : {}) }) };
}

function allFiles(): { name: string; goVersion?: string }[] {
  const files: { name: string; goVersion?: string }[] = [];
  for (const dir of readdirSync(join(TEST_DIR, 'fixtures'), { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(join(TEST_DIR, 'fixtures', dir.name)).filter((f) => f.endsWith('.go'))) files.push({ name: `fixtures/${dir.name}/${f}` });
  }
  for (const f of readdirSync(join(TEST_DIR, 'seed')).filter((f) => f.endsWith('.go'))) files.push({ name: `seed/${f}`, goVersion: '1.22' });
  return files;
}

/** Every offered fix of every fixture and seed, with the file it applies to. */
const everyFix: { name: string; source: string; finding: Finding; edited: string }[] = allFiles().flatMap(({ name, goVersion }) => {
  const { source, result } = analyzeFile(name, goVersion);
  return result.findings.filter((f) => f.fix).map((finding) => ({ name, source, finding, edited: applyEdits(source, finding.fix!.edits)! }));
});

function enclosing(node: Parser.SyntaxNode, types: string[]): Parser.SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (types.includes(n.type)) return n;
  return undefined;
}

describe('no suggestion changes what a function returns', () => {
  test('shape: `x = f()` in a goroutine with `x` read after the join gets no `:=`, and the words say why', () => {
    const { result } = analyzeFile('fixtures/closure-write/read_after_join.go');
    const findings = result.findings.filter((f) => f.rule === 'closure-write');
    expect(findings).toHaveLength(5);
    for (const f of findings) {
      expect(f.fix).toBeUndefined();
      expect(f.message).toContain('would change what it returns');
      expect(f.message).not.toContain('Declare a local instead');
    }
    expect(findings[0]!.message).toContain('`errs[i] = …`');
    expect(findings[0]!.message).toContain("`g.Wait()`'s error");
  });

  test('over every fixture: a `:=` a fix adds never declares a name the function returns or reads after the goroutine', () => {
    let checked = 0;
    for (const { name, source, finding, edited } of everyFix) {
      const before = new Set(source.split('\n').map((l) => l.trim()));
      const root = parseGo(edited).rootNode;
      for (const decl of root.descendantsOfType('short_var_declaration')) {
        if (before.has(edited.split('\n')[decl.startPosition.row]!.trim())) continue; // not added by the fix
        const literal = enclosing(decl, ['func_literal']);
        const fn = enclosing(decl, ['function_declaration', 'method_declaration']);
        if (!literal || !fn) continue;
        checked++;
        const names = decl.childForFieldName('left')!.namedChildren.map((n) => n.text);
        const results = fn.childForFieldName('result')?.descendantsOfType('identifier').map((n) => n.text) ?? [];
        // Reads of the name by the function itself (not by its other goroutines) after the literal.
        const laterReads = fn
          .descendantsOfType('identifier')
          .filter((id) => names.includes(id.text) && id.startIndex >= literal.endIndex && enclosing(id, ['func_literal', 'function_declaration', 'method_declaration'])?.startIndex === fn.startIndex)
          .map((id) => id.text);
        const where = `${name}:${finding.line} [${finding.rule}] ${decl.text}`;
        expect({ where, named: names.filter((n) => results.includes(n)), readAfter: laterReads.filter((n) => results.includes(n) || !isRedeclaredLater(fn, n, literal)) }).toEqual({
          where,
          named: [],
          readAfter: [],
        });
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

/**
 * Whether every later use of `name` after the literal refers to a fresh declaration (another loop's
 * `u := u`), or comes after the function assigns it anew in its own statements (`if err = g.Wait(); …`).
 */
function isRedeclaredLater(fn: Parser.SyntaxNode, name: string, literal: Parser.SyntaxNode): boolean {
  const redeclared = fn
    .descendantsOfType('short_var_declaration')
    .some((d) => d.startIndex >= literal.endIndex && d.childForFieldName('left')!.namedChildren.some((n) => n.text === name));
  if (redeclared) return true;
  const first = fn.descendantsOfType('identifier').find((id) => id.text === name && id.startIndex >= literal.endIndex);
  const stmt = first?.parent?.parent;
  if (stmt?.type !== 'assignment_statement' || stmt.childForFieldName('left')?.startIndex !== first!.parent!.startIndex) return false;
  if (stmt.children.find((c) => !c.isNamed)?.type !== '=') return false;
  const holder = stmt.parent?.type === 'if_statement' ? stmt.parent : stmt;
  return holder.parent?.parent?.startIndex === fn.childForFieldName('body')?.startIndex;
}

describe('a fix that needs an import', () => {
  test('carries the import as an edit of its own', () => {
    const withImports = everyFix.filter(({ edited, source }) => /\b(maps|slices)\.Clone\(/.test(edited) && !/\b(maps|slices)\.Clone\(/.test(source));
    expect(withImports.length).toBeGreaterThan(0);
    for (const { edited, finding } of withImports) {
      const used = [...edited.matchAll(/\b(maps|slices)\.Clone\(/g)].map((m) => m[1]);
      for (const pkg of used) expect({ line: finding.line, imports: edited.includes(`"${pkg}"`) }).toEqual({ line: finding.line, imports: true });
      expect(finding.fix!.edits.some((e) => e.replacement.startsWith('import ('))).toBe(true);
    }
  });

  test('with no import block to extend, is given in words only', () => {
    const { result } = analyzeFile('fixtures/mutex-lifetime/no_import_block.go');
    const [f] = result.findings.filter((x) => x.rule === 'mutex-lifetime');
    expect(f!.fix).toBeUndefined();
    expect(f!.message).toContain('maps.Clone(defaultQuotas)');
  });
});

describe('a signature change comes with its call sites', () => {
  test('a WaitGroup parameter made a pointer passes `&wg` at every call, one edit per call line', () => {
    const { result } = analyzeFile('fixtures/copied-lock/call_sites.go');
    const byLine = new Map(result.findings.map((f) => [f.line, f]));
    expect(byLine.get(8)!.fix!.edits.map((e) => [e.startLine, e.replacement.trim()])).toEqual([
      [8, 'func drainAll(id int, wg *sync.WaitGroup) { // want "parameter `wg sync.WaitGroup` by value"'],
      [16, 'go drainAll(1, &wg)'],
      [17, 'go drainAll(2, &wg)'],
    ]);
    expect(byLine.get(8)!.fix!.message).toContain('lines 16, 17');
  });

  test('no fix when a call passes something other than a name, or the function is exported', () => {
    const { result } = analyzeFile('fixtures/copied-lock/call_sites.go');
    const byLine = new Map(result.findings.map((f) => [f.line, f]));
    expect(byLine.get(24)!.fix).toBeUndefined();
    expect(byLine.get(33)!.fix).toBeUndefined();
    expect(byLine.get(33)!.message).toContain('Pass a pointer: `wg *sync.WaitGroup`');
  });

  test('a caller in another file of the package, which no edit can reach, means no fix', () => {
    const a = 'package p\n\nimport "sync"\n\nfunc drain(wg sync.WaitGroup) {\n\twg.Wait()\n}\n\nfunc here() {\n\tvar wg sync.WaitGroup\n\tdrain(wg)\n}\n';
    const b = 'package p\n\nimport "sync"\n\nfunc there() {\n\tvar wg sync.WaitGroup\n\tdrain(wg)\n}\n';
    const alone = analyze([{ path: 'pkg/a.go', content: a }], { scope: 'all', rules: ALL_RULES_ON });
    expect(alone.findings.find((f) => f.line === 5)!.fix).toBeDefined();
    const together = analyze([{ path: 'pkg/a.go', content: a }, { path: 'pkg/b.go', content: b }], { scope: 'all', rules: ALL_RULES_ON });
    expect(together.findings.find((f) => f.file === 'pkg/a.go' && f.line === 5)!.fix).toBeUndefined();
    expect(together.fixes!.dropped).toContainEqual({
      file: 'pkg/a.go',
      rule: 'copied-lock',
      line: 5,
      reason: 'the call to `drain` would pass `wg` where it takes a `*sync.WaitGroup` in pkg/b.go',
    });
  });

  test('over every fixture: after a fix, every call of a function the file declares passes pointers where it takes them', () => {
    for (const { name, finding, edited } of everyFix.filter((f) => f.finding.rule === 'copied-lock')) {
      const root = parseGo(edited).rootNode;
      for (const fn of root.namedChildren.filter((n) => n.type === 'function_declaration')) {
        const params = fn.childForFieldName('parameters')!.namedChildren.filter((p) => p.type === 'parameter_declaration');
        const positions: boolean[] = params.flatMap((p) => Array(Math.max(1, p.childrenForFieldName('name').length)).fill(p.childForFieldName('type')!.text.startsWith('*sync.')));
        for (const call of root.descendantsOfType('call_expression').filter((c) => c.childForFieldName('function')?.text === fn.childForFieldName('name')!.text)) {
          const args = call.childForFieldName('arguments')!.namedChildren;
          positions.forEach((pointer, i) => {
            if (pointer && args[i]?.type === 'identifier') throw new Error(`${name}:${finding.line}: ${call.text} passes ${args[i]!.text} by value to a pointer parameter`);
          });
        }
      }
    }
  });
});

describe('two findings whose fixes only work together', () => {
  test('each says so, and the fix offered covers both goroutines', () => {
    const { result } = analyzeFile('seed/2-http-client.go', '1.22');
    const findings = result.findings.filter((f) => f.rule === 'sibling-field-write');
    expect(findings).toHaveLength(2);
    for (const f of findings) {
      expect(f.message).toMatch(/needs the same change: one goroutine's copy alone still reads the object the others write/);
      expect(f.fix!.edits).toHaveLength(2);
    }
  });

  test('a copy in one goroutine alone is not offered: racecheck would still see the race', () => {
    const source = `package p

import (
	"context"
	"net/http"

	"golang.org/x/sync/errgroup"
)

func Run(ctx context.Context) error {
	client := http.Client{}
	wg, ctx := errgroup.WithContext(ctx)
	wg.Go(func() error {
		client.CheckRedirect = nil
		_, err := client.Get("http://a")
		return err
	})
	wg.Go(func() error {
		client.Timeout = 0
		client.CheckRedirect = nil
		_, err := client.Get("http://b")
		return err
	})
	return wg.Wait()
}
`;
    const result = analyze([{ path: 'p.go', content: source }], { scope: 'all', goVersion: '1.22', rules: { 'shared-field-write': { enabled: true } } });
    const timeout = result.findings.find((f) => f.line === 19)!;
    expect(timeout.fix).toBeUndefined();
    expect(result.fixes!.dropped).toContainEqual({ file: 'p.go', rule: 'shared-field-write', line: 19, reason: expect.stringContaining('it would raise a new finding') });
  });
});

describe('the four mechanical fixes are offered', () => {
  const fixOn = (name: string, rule: string, pattern: RegExp) =>
    everyFix.find((f) => f.name === name && f.finding.rule === rule && f.finding.fix!.edits.some((e) => pattern.test(e.replacement)));

  test('a plain read of an atomically updated variable: atomic.LoadT', () => {
    expect(fixOn('fixtures/mixed-atomic/mixed_atomic.go', 'mixed-atomic', /return atomic\.LoadInt64\(&c\.n\)/)).toBeDefined();
  });

  test('ranging over structs holding locks: by index, with a pointer to the element', () => {
    expect(fixOn('fixtures/copied-lock/copied_lock.go', 'copied-lock', /for i := range r\.counters \{.*\n\t\tc := &r\.counters\[i\]/)).toBeDefined();
  });

  test('Add after the go statement: moved before it', () => {
    expect(fixOn('fixtures/waitgroup-misuse/waitgroup_misuse.go', 'waitgroup-misuse', /^\t\twg\.Add\(1\).*\n\t\tgo func\(it Item\) \{$/)).toBeDefined();
  });

  test('an unguarded access under a known guard: the lock the message names', () => {
    const fix = fixOn('fixtures/unguarded-field/unguarded.go', 'unguarded-field', /c\.mu\.Lock\(\)\n\tdefer c\.mu\.Unlock\(\)\n\treturn c\.count/);
    expect(fix).toBeDefined();
    expect(fix!.finding.message).toContain('`c.mu.Lock()`');
  });
});
