/**
 * The differential review: the base rebuilt from the patch, findings classified against it, the
 * scope applied, and each finding anchored on the diff (src/engine/differential.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyze, analyzeChanges, deltaOf, placeForReview, reverseApply, ReverseApplyError, rulesNeedingBase, type ReviewScope } from '../../src/engine/index.js';
import { functionSpans } from '../../src/engine/differential.js';
import { parseGo } from '../../src/engine/parse.js';
import { diffOf, FIXTURES_ROOT } from '../fixtures/harness.js';

const RACE = `package p

import "sync"

func work() error { return nil }
func done()       {}

func Run() error {
	var err error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err = work()
	}()
	err = work()
	wg.Wait()
	return err
}
`;

function review(base: string, head: string, scope: ReviewScope = 'introduced', path = 'p/run.go') {
  return analyzeChanges([{ path, content: head, patch: diffOf(path, base, head) }], { scope });
}

describe('reverseApply', () => {
  test('rebuilds the base exactly and maps every unchanged line', () => {
    const line = fc.constantFrom('a', 'b', 'c', '', '\tx := 1', '}');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(line, { maxLength: 30 }), (baseLines, headLines) => {
        const base = baseLines.map((l) => l + '\n').join('');
        const head = headLines.map((l) => l + '\n').join('');
        const delta = reverseApply(head, diffOf('f.go', base, head));
        expect(delta.base).toBe(base);
        for (let h = 1; h <= headLines.length; h++) {
          const b = delta.headToBase[h]!;
          if (b === 0) expect(delta.added.has(h)).toBe(true);
          else expect(baseLines[b - 1]).toBe(headLines[h - 1]);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a patch that does not match the head is an error, not a wrong base', () => {
    const patch = diffOf('f.go', 'a\nb\nc\n', 'a\nB\nc\n');
    expect(() => reverseApply('a\nX\nc\n', patch)).toThrow(ReverseApplyError);
  });

  test('a file whose patch does not reverse is reviewed head-only, and says why', () => {
    const patch = diffOf('p/run.go', RACE, RACE.replace('\terr = work()\n\twg.Wait()', '\terr = work()\n\tdone()\n\twg.Wait()'));
    const result = analyzeChanges([{ path: 'p/run.go', content: RACE, patch }], { scope: 'introduced' });
    expect(result.headOnly).toEqual([{ file: 'p/run.go', reason: expect.stringMatching(/does not reverse onto the head/) }]);
    expect(result.findings.every((f) => f.origin === 'unknown')).toBe(true);
  });
});

describe('pre-existing races in a function the pull request touches', () => {
  // The PR adds one unrelated call to Run, which already had the err race.
  const touched = RACE.replace('\twg.Wait()\n\treturn err', '\twg.Wait()\n\tdone()\n\treturn err');

  test('introduced (the default): not shown, and counted for the summary', () => {
    const result = review(RACE, touched);
    expect(result.findings).toEqual([]);
    expect(result.preExistingNotShown).toBeGreaterThan(0);
  });

  test('touched: shown, marked as already on the base branch', () => {
    const result = review(RACE, touched, 'touched');
    expect(result.findings.length).toBeGreaterThan(0);
    for (const f of result.findings) {
      expect(f.origin).toBe('pre-existing');
      expect(f.message).toContain('This race is already on the base branch: the pull request changes this function but did not introduce or worsen it.');
    }
  });

  test('all: every finding of the file, labelled but without the note', () => {
    const result = review(RACE, touched, 'all');
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.findings.every((f) => f.origin === 'pre-existing' && !f.message.includes('already on the base branch'))).toBe(true);
  });

  test('a comment-only edit does not touch the function: nothing shown even with scope touched', () => {
    const commented = RACE.replace('\twg.Wait()\n\treturn err', '\twg.Wait()\n\t// err is the last error\n\treturn err');
    const result = review(RACE, commented, 'touched');
    expect(result.findings).toEqual([]);
    expect(result.preExistingNotShown).toBe(0);
  });

  test('a racy line the pull request edits without changing its code is shown, marked pre-existing', () => {
    // The goroutine's write is re-spaced: the same code once whitespace is collapsed, on an added line.
    const moved = RACE.replace('\t\terr = work()', '\t\terr  =  work()');
    const result = review(RACE, moved);
    const line = moved.split('\n').indexOf('\t\terr  =  work()') + 1;
    const shown = result.findings.filter((f) => f.line === line);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ rule: 'closure-write', origin: 'pre-existing' });
    expect(shown[0]!.message).toContain('This race is already on the base branch: the pull request changes one of its lines but did not introduce it.');
  });

  test('made worse (a second goroutine writes the same variable): the new race is introduced and shown', () => {
    const worse = RACE.replace('\terr = work()\n\twg.Wait()', '\terr = work()\n\tgo func() { err = work() }()\n\twg.Wait()');
    const result = review(RACE, worse);
    const added = worse.split('\n').findIndex((l) => l.includes('go func() { err = work() }()')) + 1;
    expect(result.findings.some((f) => f.origin === 'introduced' && f.rule === 'closure-write' && f.line === added)).toBe(true);
  });

  test('a race the pull request creates from scratch is introduced', () => {
    const before = RACE.replace('\tgo func() {\n\t\tdefer wg.Done()\n\t\terr = work()\n\t}()', '\tgo func() {\n\t\tdefer wg.Done()\n\t\terr := work()\n\t\t_ = err\n\t}()');
    const result = review(before, RACE);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.findings.every((f) => f.origin === 'introduced')).toBe(true);
  });

  test('a file the pull request adds: its races are introduced, never said to be on the base branch', () => {
    const result = review('', RACE);
    expect(result.findings.length).toBeGreaterThan(0);
    for (const f of result.findings) {
      expect(f.origin).toBe('introduced');
      expect(f.message).not.toContain('already on the base branch');
    }
  });

  /** The rules whose base a review of base → head would analyze, from the head's findings. */
  function baseRulesFor(base: string, head: string): Set<string> {
    const path = 'p/run.go';
    const made = deltaOf({ content: head, patch: diffOf(path, base, head) });
    if (!('delta' in made)) throw new Error(made.error);
    return rulesNeedingBase(analyze([{ path, content: head }], { scope: 'all', reviewingChanges: true }).findings, made.delta);
  }

  test('a race on lines that read as no line of the base needs no analysis of the base, and is introduced', () => {
    const before = RACE.replace(/\tgo func\(\) \{[^]*?\}\(\)\n/, '');
    const head = RACE.replace(/\berr\b/g, 'failure');
    expect(before).not.toContain('go func');
    expect(baseRulesFor(before, head).size).toBe(0);
    const result = review(before, head);
    expect(result.findings.map((f) => f.rule)).toContain('closure-write');
    expect(result.findings.every((f) => f.origin === 'introduced')).toBe(true);
  });

  test('a race whose lines the base also has still has its base analyzed', () => {
    const before = RACE.replace('\tgo func() {\n\t\tdefer wg.Done()\n\t\terr = work()\n\t}()', '\tgo func() {\n\t\tdefer wg.Done()\n\t\terr := work()\n\t\t_ = err\n\t}()');
    expect([...baseRulesFor(before, RACE)]).toEqual(['closure-write']);
  });
});

describe('anchoring', () => {
  const LOCKED = `package p

import "sync"

type S struct {
	mu    sync.Mutex
	total int
}

func (s *S) Add(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := n * 2
	b := a + 1
	c := b - a
	d := c * c
	e := d + b
	f := e - c
	s.total += f
}

func (s *S) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}
`;
  const unlocked = LOCKED.replace('func (s *S) Add(n int) {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n', 'func (s *S) Add(n int) {\n');

  test('an access outside every hunk is anchored on the deletion in its function, and the comment says which line races', () => {
    const result = review(LOCKED, unlocked);
    expect(result.findings).toHaveLength(1);
    const [f] = result.findings;
    const access = unlocked.split('\n').findIndex((l) => l.includes('s.total += f')) + 1;
    expect(f).toMatchObject({ rule: 'removed-sync', line: access, origin: 'introduced' });
    // The deletion sat before `a := n * 2`, the hunk's first line after it.
    const deletionLine = unlocked.split('\n').findIndex((l) => l.includes('a := n * 2')) + 1;
    expect(f!.anchorLine).toBe(deletionLine);
    const placed = placeForReview(f!)!;
    expect(placed.line).toBe(deletionLine);
    expect(placed.message).toContain(`The racing access is line ${access}, outside this pull request's diff.`);
  });

  test('an access inside a hunk is anchored on itself', () => {
    const tight = LOCKED.replace('\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\treturn s.total', '\treturn s.total');
    const result = review(LOCKED, tight);
    const access = tight.split('\n').findIndex((l) => l.includes('return s.total')) + 1;
    expect(result.findings.map((f) => [f.line, f.anchorLine])).toEqual([[access, access]]);
    expect(placeForReview(result.findings[0]!)).toMatchObject({ line: access, message: result.findings[0]!.message });
  });

  test('a finding outside every hunk of an unchanged function is an annotation only', () => {
    const padding = Array.from({ length: 12 }, (_, i) => `func f${i}() {}\n`).join('');
    const result = review(RACE + padding, RACE + padding.replace('func f11() {}', 'func f11() { done() }'), 'all');
    const far = result.findings.filter((f) => f.anchorLine === undefined);
    expect(far.length).toBeGreaterThan(0);
    expect(far.every((f) => placeForReview(f) === undefined)).toBe(true);
  });
});

describe("functionSpans: the lines of a file's top-level functions, read without a parse where the scan is sure", () => {
  const parsed = (source: string) =>
    parseGo(source)
      .rootNode.namedChildren.filter((n) => n.type === 'function_declaration' || n.type === 'method_declaration')
      .map((n) => ({ start: n.startPosition.row + 1, end: n.endPosition.row + 1 }));
  const goFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? goFiles(join(dir, e.name)) : e.name.endsWith('.go') ? [join(dir, e.name)] : []));

  test('agrees with the parse on every fixture', () => {
    const files = goFiles(FIXTURES_ROOT);
    expect(files.length).toBeGreaterThan(100);
    for (const path of files) {
      const source = readFileSync(path, 'utf8');
      expect({ path, spans: functionSpans(source) }).toEqual({ path, spans: parsed(source) });
    }
  });

  test.each([
    ['a declaration without a body (assembly)', 'package p\n\nfunc add(a, b int) int\n\nfunc sub(a, b int) int {\n\treturn a - b\n}\n'],
    ['a raw string with a line that starts with func', 'package p\n\nconst src = `\nfunc fake() {\n}\n`\n\nfunc real() {\n\tprintln(src)\n}\n'],
    ['a method and a function on one line each', 'package p\n\ntype T struct{}\n\nfunc (T) M() {}\nfunc F() { go func() {}() }\n'],
  ])('%s', (_name, source) => {
    expect(functionSpans(source)).toEqual(parsed(source));
  });
});
