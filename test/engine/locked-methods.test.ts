/**
 * Rule.lockedMethods and Rule.lockingBodies: a rule that says which methods of mutex-holding structs,
 * or which functions that lock, it needs walked must report the same as when the model walks every one
 * of them (as it does for lock-guard inference).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../src/engine/index.js';
import { ALL_RULES } from '../../src/engine/rules/index.js';
import type { Diagnostic, Rule } from '../../src/engine/rule.js';
import { buildFileModel, prepareFile, type WalkChoice } from '../../src/engine/semantic/model.js';
import { scanGoFile } from '../../src/engine/skeleton.js';
import { ApiModels } from '../../src/engine/models/index.js';
import { fixtureGoVersion } from '../fixtures/harness.js';

const TEST_ROOT = fileURLToPath(new URL('..', import.meta.url));

function goFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) goFiles(path, out);
    else if (name.endsWith('.go') && !name.endsWith('.base.go')) out.push(path);
  }
  return out;
}

function diagnostics(rule: Rule, path: string, content: string, walks: Pick<WalkChoice, 'lockedMethods' | 'lockingBodies'>): Diagnostic[] {
  const prepared = prepareFile(content);
  const goVersion = fixtureGoVersion(content) ?? '1.21';
  const model = buildFileModel(prepared, { path, goVersion, alsoWalk: rule.walks?.(prepared), ...walks });
  const out: Diagnostic[] = [];
  rule.run?.(model, (d) => out.push(d));
  return out;
}

/**
 * For every Go file of the tests and every rule that says which functions of a kind it needs walked:
 * what it reports with its choice equals what it reports with all of them walked. Returns the count.
 */
function comparedWithAll(kind: 'lockedMethods' | 'lockingBodies'): number {
  const models = ApiModels.standard();
  let compared = 0;
  for (const path of goFiles(TEST_ROOT)) {
    const content = readFileSync(path, 'utf8');
    const scanned = scanGoFile(content);
    const ctx = { source: content, scanned, packageSources: [content], packageTypeSpecs: scanned?.typeSpecs ?? [], models };
    for (const rule of ALL_RULES.filter((r) => r[kind] && r.run)) {
      const chosen = rule[kind]!.call(rule, ctx) ?? 'none';
      expect({ path, rule: rule.meta.id, found: diagnostics(rule, path, content, { [kind]: chosen }) }).toEqual({ path, rule: rule.meta.id, found: diagnostics(rule, path, content, { [kind]: 'all' }) });
      compared++;
    }
  }
  return compared;
}

describe('Rule.lockedMethods', () => {
  test('rules that need all of them say nothing, and so get them all', () => {
    const all = ALL_RULES.filter((r) => !r.lockedMethods).map((r) => r.meta.id).sort();
    expect(all).toEqual(['copied-lock', 'lock-escape', 'mixed-atomic', 'unguarded-field', 'waitgroup-misuse']);
  });

  test('a rule reports on every Go file of the tests what it reports with every such method walked', () => {
    expect(comparedWithAll('lockedMethods')).toBeGreaterThan(500);
  });

  test("a locked struct's method that only sends a loop variable's address is still walked for loop-var-capture", () => {
    const content = [
      'package p',
      '',
      'import "sync"',
      '',
      'type S struct {',
      '\tmu sync.Mutex',
      '\tch chan *int',
      '}',
      '',
      'func (s *S) send(xs []int) {',
      '\tfor _, v := range xs {',
      '\t\ts.ch <- &v',
      '\t}',
      '}',
    ].join('\n');
    const found = analyze([{ path: 'p.go', content }], { scope: 'all', goVersion: '1.21' }).findings;
    expect(found.map((f) => [f.rule, f.line])).toEqual([['loop-var-capture', 12]]);
  });

  test("a literal copying a package variable into a locked struct walks the struct's methods for mutex-lifetime", () => {
    const content = [
      'package p',
      '',
      'import "sync"',
      '',
      'var prices = map[string]int{}',
      '',
      'type Service struct {',
      '\tmu   sync.Mutex',
      '\tinfo map[string]int',
      '}',
      '',
      'func New() *Service { return &Service{info: prices} }',
      '',
      'func (s *Service) Set(k string, v int) {',
      '\ts.mu.Lock()',
      '\tdefer s.mu.Unlock()',
      '\ts.put(k, v)',
      '}',
      '',
      'func (s *Service) put(k string, v int) { s.info[k] = v }',
    ].join('\n');
    const found = analyze([{ path: 'p.go', content }], { scope: 'all' }).findings;
    expect(found.map((f) => [f.rule, f.line])).toEqual([['mutex-lifetime', 12]]);
  });
});

describe('Rule.lockingBodies', () => {
  test('rules that need all of them say nothing, and so get them all', () => {
    const all = ALL_RULES.filter((r) => !r.lockingBodies).map((r) => r.meta.id).sort();
    expect(all).toEqual(['copied-lock', 'lock-escape', 'mixed-atomic', 'rlock-write', 'unguarded-field', 'waitgroup-misuse']);
  });

  test('a rule reports on every Go file of the tests what it reports with every locking function walked', () => {
    expect(comparedWithAll('lockingBodies')).toBeGreaterThan(500);
  });

  test('a function of another file that runs its callback under its lock keeps its body, though no rule walks it', () => {
    const counter = [
      'package pool',
      '',
      'import "sync"',
      '',
      'type Pool struct {',
      '\tmu   sync.Mutex',
      '\tsize int',
      '}',
      '',
      'func (p *Pool) With(fn func()) {',
      '\tp.mu.Lock()',
      '\tdefer p.mu.Unlock()',
      '\tp.size++',
      '\tfn()',
      '}',
    ].join('\n');
    const test = [
      'package pool',
      '',
      'import (',
      '\t"sync"',
      '\t"testing"',
      ')',
      '',
      'func TestWith(t *testing.T) {',
      '\tvar p Pool',
      '\tvar wg sync.WaitGroup',
      '\tcalls := 0',
      '\tfor i := 0; i < 8; i++ {',
      '\t\twg.Add(1)',
      '\t\tgo func() {',
      '\t\t\tdefer wg.Done()',
      '\t\t\tp.With(func() { calls++ })',
      '\t\t}()',
      '\t}',
      '\twg.Wait()',
      '\tif calls != 8 {',
      '\t\tt.Fatal(calls)',
      '\t}',
      '}',
    ].join('\n');
    const files = [
      { path: 'pool.go', content: counter },
      { path: 'pool_test.go', content: test },
    ];
    expect(analyze(files, { scope: 'all', goVersion: '1.21', rules: { 'test-closure-write': { enabled: true } } }).findings).toEqual([]);
    // Without the lock the same callbacks race: the test above is not silent for another reason.
    const unlocked = files.map((f) => (f.path === 'pool.go' ? { ...f, content: counter.replace('\tp.mu.Lock()\n\tdefer p.mu.Unlock()\n', '') } : f));
    expect(analyze(unlocked, { scope: 'all', goVersion: '1.21', rules: { 'test-closure-write': { enabled: true } } }).findings.map((f) => [f.rule, f.file, f.line])).toEqual([['test-closure-write', 'pool_test.go', 16]]);
  });
});
