/**
 * Bad input never breaks the engine: it never throws, reports what it could not do per file,
 * and finishes in time proportional to the input.
 */
import fc from 'fast-check';
import { analyze, parseUnifiedDiff, addedLinesFromPatch, DiffParseError } from '../../src/engine/index.js';

const RACY = `package p

import "sync"

func Run() error {
	var err error
	var wg sync.WaitGroup
	wg.Go(func() { err = a() })
	wg.Go(func() { err = b() })
	wg.Wait()
	return err
}
`;

function analyzeOne(content: string) {
  return analyze([{ path: 'x.go', content }], { scope: 'all', goVersion: '1.21' });
}

describe('the engine on mutated Go', () => {
  test('never throws on truncated files', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: RACY.length }), (cut) => {
        const result = analyzeOne(RACY.slice(0, cut));
        expect(result.files).toHaveLength(1);
        expect(result.files[0].error).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  test('never throws on random bytes and random edits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.integer({ min: 0, max: RACY.length }), (junk, at) => {
        const result = analyzeOne(RACY.slice(0, at) + junk + RACY.slice(at));
        expect(result.files[0].error).toBeUndefined();
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const result = analyzeOne(Buffer.from(bytes).toString('utf8'));
        expect(result.files[0].error).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  test('still finds the race in a file with syntax errors elsewhere', () => {
    const result = analyzeOne(RACY + '\nfunc broken( {\n');
    expect(result.files[0].hasSyntaxErrors).toBe(true);
    expect(result.findings.map((f) => f.line)).toEqual([8, 9]);
  });

  test('handles CRLF line endings, a BOM and invalid UTF-8', () => {
    const crlf = analyzeOne(RACY.replace(/\n/g, '\r\n'));
    expect(crlf.findings.map((f) => f.line)).toEqual([8, 9]);
    const bom = analyzeOne('\uFEFF' + RACY);
    expect(bom.files[0].error).toBeUndefined();
    expect(bom.findings.map((f) => f.line)).toEqual([8, 9]);
    const invalid = analyzeOne(Buffer.concat([Buffer.from(RACY), Buffer.from([0xff, 0xfe, 0xc3])]).toString('utf8'));
    expect(invalid.findings.map((f) => f.line)).toEqual([8, 9]);
  });

  test('survives 10,000 nested blocks', () => {
    const depth = 10_000;
    const src = 'package p\nfunc f() {\n\tgo func() {\n' + '{'.repeat(depth) + 'x = 1' + '}'.repeat(depth) + '\n\t}()\n}\n';
    const result = analyzeOne(src);
    expect(result.files[0].error).toBeUndefined();
  });

  test('survives a 5 MB single line', () => {
    const src = 'package p\nvar s = "' + 'a'.repeat(5 * 1024 * 1024) + '"\nfunc f() { go func() {}() }\n';
    const result = analyzeOne(src);
    expect(result.files[0].error).toBeUndefined();
  });

  test('reports a file that runs over its budget instead of hanging', () => {
    const big = Array.from({ length: 300 }, (_, i) => RACY.replace('func Run', `func Run${i}`).replace(/^package p\n\nimport "sync"\n/, '')).join('\n');
    const result = analyze([{ path: 'big.go', content: 'package p\nimport "sync"\n' + big }], { scope: 'all', fileBudgetMs: 0 });
    expect(result.files[0].overBudget).toBe(true);
    expect(result.files[0].error).toBeUndefined();
  });
});

describe('diffs', () => {
  test('random text never throws anything but DiffParseError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        try {
          parseUnifiedDiff(text);
        } catch (err) {
          expect(err).toBeInstanceOf(DiffParseError);
        }
        expect(() => addedLinesFromPatch(text)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  test('malformed hunks keep what parses', () => {
    const diff = '--- a/x.go\n+++ b/x.go\n@@ -1,2 +1,3 @@\n a\n+b\n@@ garbage @@\n+c\n';
    const files = parseUnifiedDiff(diff);
    expect(files[0].path).toBe('x.go');
    expect(files[0].addedLines.has(2)).toBe(true);
  });

  test('text that is not a diff is refused with a reason', () => {
    expect(() => parseUnifiedDiff('hello world\n')).toThrow(/not a unified diff|no file sections/);
  });
});

describe('diff scope', () => {
  const added = (lines: number[]) => new Set(lines);

  test('a race with one side in the diff is reported once, on that side', () => {
    const result = analyze([{ path: 'x.go', content: RACY, addedLines: added([9]) }], { scope: 'diff', goVersion: '1.21' });
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual([['closure-write', 9]]);
  });

  test('a race wholly outside the diff is not reported', () => {
    const result = analyze([{ path: 'x.go', content: RACY, addedLines: added([3]) }], { scope: 'diff', goVersion: '1.21' });
    expect(result.findings).toEqual([]);
  });

  test("scope 'all' reports both sides", () => {
    const result = analyze([{ path: 'x.go', content: RACY, addedLines: added([9]) }], { scope: 'all', goVersion: '1.21' });
    expect(result.findings.map((f) => f.line)).toEqual([8, 9]);
  });
});
