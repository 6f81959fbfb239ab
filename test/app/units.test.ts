/** The App's pure pieces: fingerprints, diff geometry, comment placement, caches, check conclusions. */
import fc from 'fast-check';
import type { Finding } from '../../src/engine/index.js';
import { narrowToDiff } from '../../src/engine/index.js';
import { BlobCache } from '../../src/app/blob-cache.js';
import { conclusionFor, toAnnotation } from '../../src/app/check-run.js';
import { commentableLines, reviewComments } from '../../src/report/comment.js';
import { docsUrl } from '../../src/report/docs-url.js';
import { contentFromAddedPatch, selectGoFiles } from '../../src/app/files.js';
import { fingerprintFindings, markResolved, parseFingerprint } from '../../src/report/fingerprint.js';
import { makePatch } from '../../src/app/testing/fake-github.js';

function finding(over: Partial<Finding> = {}): Finding {
  return { rule: 'closure-write', file: 'a.go', line: 3, column: 2, endLine: 3, endColumn: 5, severity: 'error', message: 'm', related: [], ...over };
}

describe('fingerprints', () => {
  const code = 'package a\n\nfunc f() {\n\terr = g()\n}\n';
  test('ignore the line number and indentation, but not the code', () => {
    const [fp] = fingerprintFindings([finding({ line: 4, endLine: 4 })], new Map([['a.go', code]]));
    const moved = `// header\n\n${code.replace('\terr = g()', '        err   =   g()')}`;
    const [fpMoved] = fingerprintFindings([finding({ line: 6, endLine: 6 })], new Map([['a.go', moved]]));
    const [fpOther] = fingerprintFindings([finding({ line: 4, endLine: 4 })], new Map([['a.go', code.replace('g()', 'h()')]]));
    expect(fpMoved).toBe(fp);
    expect(fpOther).not.toBe(fp);
  });

  test('differ by rule and file, and number repeated code', () => {
    const twice = 'x = 1\nx = 1\n';
    const fps = fingerprintFindings([finding({ line: 1, endLine: 1 }), finding({ line: 2, endLine: 2 }), finding({ line: 1, endLine: 1, rule: 'other' })], new Map([['a.go', twice]]));
    expect(new Set(fps).size).toBe(3);
    expect(fps[1]).toBe(`${fps[0]}-1`);
  });

  test('round-trip through a comment body, and resolved ones are recognised', () => {
    const body = `text\n\n<!-- racecheck:fp=0123456789abcdef -->`;
    expect(parseFingerprint(body)).toEqual({ fp: '0123456789abcdef', resolved: false });
    const resolved = markResolved(body, '0123456789abcdef', 'abcdef0123');
    expect(resolved.startsWith('**Resolved** in abcdef0')).toBe(true);
    expect(parseFingerprint(resolved)).toEqual({ fp: '0123456789abcdef', resolved: true });
    expect(parseFingerprint('no marker')).toBeUndefined();
  });
});

describe('diff geometry', () => {
  test('commentableLines covers added and context lines of each hunk, not deleted ones', () => {
    const patch = '@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -10,2 +10,3 @@\n j\n+k\n l';
    expect([...commentableLines(patch)]).toEqual([1, 2, 3, 10, 11, 12]);
    expect(commentableLines(undefined).size).toBe(0);
  });

  test('a new file is rebuilt from its patch; anything partial is refused', () => {
    fc.assert(
      fc.property(fc.array(fc.string().filter((s) => !/[\n\r]/.test(s)), { minLength: 1, maxLength: 30 }), (lines) => {
        const content = `${lines.join('\n')}\n`;
        const { patch, additions } = makePatch(undefined, content);
        expect(contentFromAddedPatch({ filename: 'n.go', status: 'added', sha: 's', additions, patch })).toBe(content);
      }),
    );
    const noEol = '@@ -0,0 +1,2 @@\n+package a\n+var x = 1\n\\ No newline at end of file';
    expect(contentFromAddedPatch({ filename: 'n.go', status: 'added', sha: 's', additions: 2, patch: noEol })).toBe('package a\nvar x = 1');
    expect(contentFromAddedPatch({ filename: 'n.go', status: 'added', sha: 's', additions: 3, patch: noEol })).toBeUndefined();
    expect(contentFromAddedPatch({ filename: 'n.go', status: 'modified', sha: 's', additions: 2, patch: noEol })).toBeUndefined();
  });

  test('selectGoFiles skips by directory segment, not substring', () => {
    const f = (filename: string, status = 'modified') => ({ filename, status, sha: 's', additions: 1 });
    const { selected, skipped } = selectGoFiles([f('vendor/a.go'), f('x/vendor/b.go'), f('vendors/c.go'), f('mytestdata/d.go'), f('gone.go', 'removed'), f('e.txt'), f('gen/z.go')], ['gen/**']);
    expect(selected.map((s) => s.filename)).toEqual(['vendors/c.go', 'mytestdata/d.go']);
    expect(skipped.map((s) => `${s.path}:${s.reason}`)).toEqual(['vendor/a.go:vendored', 'x/vendor/b.go:vendored', 'gen/z.go:ignored by config']);
  });
});

describe('review comment placement', () => {
  const base = 'https://docs.example/racecheck/';
  const edit = (startLine: number, endLine: number, replacement: string) => ({ startLine, endLine, replacement });
  test('a multi-line edit spans its lines with start_line', () => {
    const f = finding({ line: 4, endLine: 5, fix: { message: 'Do it.', edits: [edit(4, 5, 'a\nb')] } });
    const [c, ...rest] = reviewComments(f, 'fp', new Set([3, 4, 5]), base);
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ path: 'a.go', start_line: 4, start_side: 'RIGHT', line: 5, side: 'RIGHT' });
    expect(c!.body).toContain('**Suggested fix**: Do it.\n```suggestion\na\nb\n```');
  });

  test('a multi-edit fix is one comment per edit, the first explaining the whole fix', () => {
    const f = finding({ line: 4, endLine: 4, fix: { message: 'Pass a pointer.', edits: [edit(4, 4, 'func w(wg *sync.WaitGroup) {'), edit(9, 9, '\tgo w(&wg)')] } });
    const comments = reviewComments(f, 'fp9', new Set([4, 9]), base);
    expect(comments.map((c) => [c.line, c.start_line])).toEqual([[4, undefined], [9, undefined]]);
    expect(comments[0]!.body).toContain('**Suggested fix** (edit 1 of 2): Pass a pointer.');
    expect(comments[0]!.body).toContain('the suggestions on line 9');
    expect(comments[0]!.body).toContain('```suggestion\nfunc w(wg *sync.WaitGroup) {\n```');
    expect(comments[1]!.body).toContain('edit 2 of 2');
    expect(comments[1]!.body).toContain('```suggestion\n\tgo w(&wg)\n```');
    // Every comment carries the finding's fingerprint, so a re-run skips and resolves them together.
    for (const c of comments) expect(c.body).toContain('<!-- racecheck:fp=fp9 -->');
  });

  test('a fix with any edit outside the diff is not offered at all; the comment stays on the flagged line', () => {
    const f = finding({ line: 4, endLine: 4, fix: { message: 'm', edits: [edit(4, 4, 'x'), edit(6, 6, 'y')] } });
    const comments = reviewComments(f, 'fp', new Set([4]), base);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.line).toBe(4);
    expect(comments[0]!.start_line).toBeUndefined();
    expect(comments[0]!.body).not.toContain('suggestion');
    expect(reviewComments(finding({ line: 9, endLine: 9 }), 'fp', new Set([4]), base)).toEqual([]);
  });

  test('the comment names every conflicting access, the fix hint and the fingerprint', () => {
    const f = finding({ related: [{ file: 'a.go', line: 9, message: '`err` written by the other closure' }], fixHint: 'Use a **local**.' });
    const [c] = reviewComments(f, 'abc123', new Set([3]), base);
    expect(c!.body).toContain('- line 3 (here)\n- line 9: `err` written by the other closure');
    expect(c!.body).toContain('Use a **local**.');
    expect(c!.body).toContain('<!-- racecheck:fp=abc123 -->');
  });

  test('an edit containing backticks gets a longer fence', () => {
    const f = finding({ fix: { message: 'm', edits: [edit(3, 3, 's := ```x```')] } });
    expect(reviewComments(f, 'fp', new Set([3]), base)[0]!.body).toContain('````suggestion\ns := ```x```\n````');
  });

  test('docsUrl joins with or without slashes', () => {
    expect(docsUrl('docs/rules/x.md', 'https://h/racecheck/blob/main')).toBe('https://h/racecheck/blob/main/docs/rules/x.md');
    expect(docsUrl('/docs/rules/x.md', 'https://h/r/')).toBe('https://h/r/docs/rules/x.md');
  });
});

describe('diff restriction (mirrors the engine scope)', () => {
  test('keeps findings on added lines, re-anchors on an added related line without the fix, drops the rest', () => {
    const onAdded = finding({ line: 3, fix: { message: 'm', edits: [{ startLine: 3, endLine: 3, replacement: 'x' }] } });
    const viaRelated = finding({ line: 10, endLine: 10, message: 'r', related: [{ file: 'a.go', line: 4, message: 'other' }], fix: { message: 'm', edits: [{ startLine: 10, endLine: 10, replacement: 'y' }] } });
    const outside = finding({ line: 20, endLine: 20, message: 'o' });
    const kept = narrowToDiff([onAdded, viaRelated, outside], new Map([['a.go', new Set([3, 4])]]));
    expect(kept).toHaveLength(2);
    expect(kept[0]).toBe(onAdded);
    expect(kept[1]).toMatchObject({ line: 4, endLine: 4, column: 1 });
    expect(kept[1]!.fix).toBeUndefined();
  });
});

test('BlobCache evicts least recently used entries past its byte budget', () => {
  const cache = new BlobCache(10);
  cache.set('a', '1234');
  cache.set('b', '1234');
  expect(cache.get('a')).toBe('1234'); // a is now most recent
  cache.set('c', '1234');
  expect(cache.get('b')).toBeUndefined();
  expect(cache.get('a')).toBe('1234');
  expect(cache.get('c')).toBe('1234');
  cache.set('huge', 'x'.repeat(11));
  expect(cache.get('huge')).toBeUndefined();
});

test('conclusionFor honours fail_on', () => {
  const warning = [finding({ severity: 'warning' })];
  const error = [finding({ severity: 'error' })];
  expect(conclusionFor([], 'error')).toBe('success');
  expect(conclusionFor(warning, 'error')).toBe('success');
  expect(conclusionFor(warning, 'warning')).toBe('failure');
  expect(conclusionFor(error, 'error')).toBe('failure');
  expect(conclusionFor(error, 'never')).toBe('success');
});

test('annotations carry columns only on single lines', () => {
  expect(toAnnotation(finding())).toMatchObject({ start_line: 3, end_line: 3, start_column: 2, end_column: 5, annotation_level: 'failure' });
  const multi = toAnnotation(finding({ endLine: 5, severity: 'info' }));
  expect(multi).toMatchObject({ start_line: 3, end_line: 5, annotation_level: 'notice' });
  expect(multi.start_column).toBeUndefined();
});
