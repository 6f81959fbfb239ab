import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { groupByGoVersion } from '../../src/cli/main.js';
import { findNearestGoMod } from '../../src/cli/gomod.js';
import { RULES } from '../../src/engine/index.js';
import { CLEAN_GO, FIXABLE_GO, RACY_GO, RACY_LINES, cli, makeTree, newFileDiff, oneLineDiff, removeTrees } from './helpers.js';

afterAll(removeTrees);

interface JsonOutput {
  findings: { rule: string; file: string; line: number; message: string; related: { file: string; line: number }[]; fix?: unknown }[];
  suppressed: Record<string, number>;
  files: number;
}

function expectOneLineError(run: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^racecheck: [^\n]+\n$/);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
}

describe('racecheck [paths]', () => {
  test('walks directories, skipping vendor/, testdata/ and hidden dirs, and exits 1 on findings', async () => {
    const root = makeTree({
      'go.mod': 'module m\n\ngo 1.22\n',
      'pkg/racy.go': RACY_GO,
      'pkg/clean.go': CLEAN_GO,
      'pkg/notes.txt': RACY_GO,
      'vendor/dep/racy.go': RACY_GO,
      'pkg/testdata/racy.go': RACY_GO,
      '.cache/racy.go': RACY_GO,
    });
    const run = await cli(['--format', 'json'], root);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as JsonOutput;
    expect(out.files).toBe(2);
    expect(new Set(out.findings.map((f) => f.file))).toEqual(new Set(['pkg/racy.go']));
    expect(out.findings.map((f) => f.line)).toEqual(RACY_LINES);
  });

  test('exits 0 with a summary when nothing is found', async () => {
    const root = makeTree({ 'a.go': CLEAN_GO, 'b/b.go': CLEAN_GO });
    const run = await cli([], root);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^racecheck: no findings in 2 files, 0 suppressed, \d+\.\d\ds\n$/);
  });

  test('leaves out a file that //go:build ignore keeps out of every build, and counts it', async () => {
    const root = makeTree({ 'racy.go': RACY_GO, 'gen.go': `//go:build ignore\n\n${RACY_GO}` });
    const run = await cli([], root);
    expect(run.stdout).not.toContain('gen.go:');
    expect(run.stdout).toMatch(/\nracecheck: 2 findings \(closure-write 2\) in 2 files, 0 suppressed, 1 never built \(\/\/go:build ignore\), \d+\.\d\ds\n$/);
  });

  test('reports paths as typed, joined with the walked subpath', async () => {
    const root = makeTree({ 'pkg/sub/racy.go': RACY_GO });
    const files = async (arg: string) =>
      new Set((JSON.parse((await cli(['--format', 'json', arg], root)).stdout) as JsonOutput).findings.map((f) => f.file));
    expect(await files('pkg')).toEqual(new Set(['pkg/sub/racy.go']));
    expect(await files('./pkg/')).toEqual(new Set(['./pkg/sub/racy.go']));
    expect(await files('pkg/sub/racy.go')).toEqual(new Set(['pkg/sub/racy.go']));
    expect(await files(join(root, 'pkg'))).toEqual(new Set([join(root, 'pkg/sub/racy.go')]));
  });

  test('an explicitly named file inside testdata/ is analyzed', async () => {
    const root = makeTree({ 'testdata/racy.go': RACY_GO });
    expect((await cli(['testdata/racy.go'], root)).code).toBe(1);
    expect((await cli(['.'], root)).code).toBe(0);
  });

  test('JSON findings have exactly the documented fields', async () => {
    const root = makeTree({ 'racy.go': RACY_GO });
    const out = JSON.parse((await cli(['--format', 'json', 'racy.go'], root)).stdout) as JsonOutput;
    expect(Object.keys(out)).toEqual(['findings', 'suppressed', 'files', 'fixes', 'syntaxErrors', 'ignoreProblems']);
    const keys = ['rule', 'file', 'line', 'column', 'endLine', 'endColumn', 'severity', 'message', 'related'];
    for (const f of out.findings) {
      expect(Object.keys(f)).toEqual(keys);
      for (const r of f.related) expect(Object.keys(r)).toEqual(['file', 'line', 'message']);
    }
    // `err` is returned after the join: `err := work()` would change what Run returns, so no edit, only words.
    expect(out.findings[0].message).toContain('Give each goroutine its own slot');
  });

  test('JSON carries a fix as its message and edits, and counts fixes offered, verified and dropped', async () => {
    const root = makeTree({ 'fixable.go': FIXABLE_GO });
    const out = JSON.parse((await cli(['--enable', 'copied-lock', '--format', 'json', 'fixable.go'], root)).stdout) as JsonOutput & { fixes: unknown };
    const fixed = out.findings.find((f) => f.fix)!;
    expect(fixed.fix).toEqual({
      message: 'Pass a pointer: `wg *sync.WaitGroup`, and pass `&` at the call on line 13.',
      edits: [
        { startLine: 5, endLine: 5, replacement: 'func worker(id int, wg *sync.WaitGroup) {' },
        { startLine: 13, endLine: 13, replacement: '\tgo worker(1, &wg)' },
      ],
    });
    expect(out.fixes).toEqual({ offered: 1, verified: 1, dropped: [] });
  });

  test('suppressed findings are counted, not reported', async () => {
    const silenced = RACY_GO.replace(/\terr = work\(\)/g, '\terr = work() //racecheck:ignore closure-write joined below');
    const root = makeTree({ 'racy.go': silenced });
    const run = await cli(['--format', 'json'], root);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ findings: [], suppressed: { 'closure-write': 2 } });
  });
});

describe('text output', () => {
  test('shows every edit of a fix', async () => {
    const run = await cli(['--enable', 'copied-lock', 'fixable.go'], makeTree({ 'fixable.go': FIXABLE_GO }));
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^fixable\.go:5:24: \[copied-lock\] /);
    expect(lines.slice(1, 6)).toEqual([
      '    suggested fix: Pass a pointer: `wg *sync.WaitGroup`, and pass `&` at the call on line 13.',
      '    replace line 5 with:',
      '    + func worker(id int, wg *sync.WaitGroup) {',
      '    replace line 13 with:',
      '    + \tgo worker(1, &wg)',
    ]);
  });

  test('shows file:line:col: [rule] message, related lines and a summary', async () => {
    const root = makeTree({ 'racy.go': RACY_GO });
    const run = await cli(['racy.go'], root);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^racy\.go:13:3: \[closure-write\] .*`err`/);
    expect(lines[1]).toMatch(/^ {4}racy\.go:17: /);
    expect(lines[2]).toMatch(/^racy\.go:17:3: /);
    expect(run.stdout).not.toContain('suggested fix');
    expect(run.stdout).toMatch(/\nracecheck: 2 findings \(closure-write 2\) in 1 file, 0 suppressed, \d+\.\d\ds\n$/);
    expect(run.stdout).not.toContain('\u001b[');
  });

  test('names the files with syntax errors and the ignores that silence nothing, in text and in JSON', async () => {
    const root = makeTree({
      'broken.go': 'package p\n\nfunc Broken( {\n',
      'ok.go': CLEAN_GO.replace(/\n$/, '\n// racecheck:ignore\n'),
    });
    const text = await cli(['broken.go', 'ok.go'], root);
    expect(text.stdout).toContain('racecheck: syntax errors in broken.go (analyzed what parsed)\n');
    expect(text.stdout).toMatch(/^ok\.go:\d+: \/\/racecheck:ignore names no rule/m);
    const json = JSON.parse((await cli(['--format', 'json', 'broken.go', 'ok.go'], root)).stdout) as { syntaxErrors: string[]; ignoreProblems: { file: string; line: number; message: string }[] };
    expect(json.syntaxErrors).toEqual(['broken.go']);
    expect(json.ignoreProblems).toEqual([{ file: 'ok.go', line: expect.any(Number), message: expect.stringContaining('names no rule') }]);
  });

  test('uses colour only on a TTY without NO_COLOR', async () => {
    const root = makeTree({ 'racy.go': RACY_GO });
    expect((await cli(['racy.go'], root, { isTTY: true })).stdout).toContain('\u001b[');
    expect((await cli(['racy.go'], root, { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
  });
});

describe('github output', () => {
  test('prints escaped workflow-command annotations', async () => {
    const root = makeTree({ 'dir,with:odd/racy.go': RACY_GO });
    const run = await cli(['--format', 'github', 'dir,with:odd'], root);
    expect(run.code).toBe(1);
    const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toHaveLength(2);
    expect(annotations[0]).toMatch(
      /^::error file=dir%2Cwith%3Aodd\/racy\.go,line=13,col=3,endLine=13,endColumn=\d+,title=racecheck closure-write::[^\n]*%0Adir,with:odd\/racy\.go:17: /,
    );
  });
});

describe('racecheck --diff', () => {
  test('reports only findings touching added lines, with paths from the diff', async () => {
    const root = makeTree({ 'pkg/racy.go': RACY_GO, 'change.diff': oneLineDiff('pkg/racy.go', RACY_GO, 13) });
    const run = await cli(['--diff', 'change.diff', '--format', 'json'], root);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as JsonOutput;
    // The race on line 17 involves line 13 too, so the engine anchors it there.
    expect(out.findings.length).toBeGreaterThan(0);
    for (const f of out.findings) expect([f.file, f.line]).toEqual(['pkg/racy.go', 13]);
  });

  test('a diff that touches no racy line is clean; --all reports the whole file', async () => {
    const root = makeTree({ 'racy.go': RACY_GO, 'change.diff': oneLineDiff('racy.go', RACY_GO, 5) });
    expect((await cli(['--diff', 'change.diff'], root)).code).toBe(0);
    const all = await cli(['--diff', 'change.diff', '--all', '--format', 'json'], root);
    expect(all.code).toBe(1);
    expect((JSON.parse(all.stdout) as JsonOutput).findings.map((f) => f.line)).toEqual(RACY_LINES);
  });

  test('reads the diff from stdin with -, and new files from --root', async () => {
    const root = makeTree({ 'checkout/racy.go': RACY_GO });
    const run = await cli(['--diff', '-', '--root', 'checkout', '--format', 'json'], root, { stdin: newFileDiff('racy.go', RACY_GO) });
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as JsonOutput).findings.map((f) => f.file)).toEqual(['racy.go', 'racy.go']);
  });

  test('ignores deleted files, non-Go files and vendored files', async () => {
    const deletion = ['diff --git a/gone.go b/gone.go', 'deleted file mode 100644', '--- a/gone.go', '+++ /dev/null', '@@ -1,1 +0,0 @@', '-package p', ''].join('\n');
    const diff = deletion + newFileDiff('README.md', 'hello\n') + newFileDiff('vendor/x/racy.go', RACY_GO);
    const root = makeTree({ 'vendor/x/racy.go': RACY_GO, 'README.md': 'hello\n' });
    const run = await cli(['--diff', '-', '--format', 'json'], root, { stdin: diff });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ findings: [], files: 0 });
  });

  test('an empty diff is clean', async () => {
    const run = await cli(['--diff', '-'], makeTree({}), { stdin: '' });
    expect(run.code).toBe(0);
  });
});

describe('racecheck --base', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], {
      cwd,
      stdio: 'pipe',
    });

  test('reviews the branch and working tree against the merge base, like a pull request', async () => {
    const repo = makeTree({ 'go.mod': 'module m\n\ngo 1.22\n', 'pkg/racy.go': RACY_GO.replace(/\terr = work\(\)/g, '\t_ = work()'), 'old/racy.go': RACY_GO });
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    git(repo, 'checkout', '-qb', 'feature');
    writeFileSync(join(repo, 'pkg/racy.go'), RACY_GO.replace('\t_ = work()', '\terr = work()').replace(/\t_ = work\(\)/, '\terr = work()'));
    git(repo, 'commit', '-qam', 'race on line 13');
    writeFileSync(join(repo, 'pkg/racy.go'), RACY_GO); // uncommitted: line 17 too
    // Run from a subdirectory: paths stay relative to the repository root.
    const run = await cli(['--base', 'main', '--format', 'json'], join(repo, 'pkg'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as JsonOutput;
    expect(out.findings.map((f) => [f.file, f.line])).toEqual([['pkg/racy.go', 13], ['pkg/racy.go', 17]]);
  });

  test('an unknown revision and a directory outside git are one-line errors', async () => {
    const repo = makeTree({ 'a.go': CLEAN_GO });
    expectOneLineError(await cli(['--base', 'main'], repo), /not a git repository/);
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    expectOneLineError(await cli(['--base', 'no-such-branch'], repo), /merge base of no-such-branch and HEAD/);
  });
});

describe('usage and I/O errors exit 2 with one line', () => {
  test.each([
    [['--bogus'], /unknown option --bogus/],
    [['missing.go'], /missing\.go: no such file or directory/],
    [['notes.txt'], /notes\.txt: not a Go file/],
    [['--format', 'xml'], /unknown --format 'xml'/],
    [['--format'], /--format needs a value/],
    [['--diff', 'missing.diff'], /cannot read diff missing\.diff: no such file/],
    [['--diff', 'notes.txt'], /notes\.txt does not parse as a unified diff/],
    [['--diff', 'ghost.diff'], /cannot read ghost\.go: no such file or directory.*--root/],
    [['--diff', '-', '--base', 'main'], /--diff and --base cannot be used together/],
    [['--diff', 'ghost.diff', 'a.go'], /paths cannot be combined with --diff/],
    [['--root', 'x'], /--root only applies to --diff and --base/],
    [['--fail-on', 'info'], /unknown --fail-on 'info' \(expected error, warning, never\)/],
  ])('%j', async (argv, pattern) => {
    const root = makeTree({ 'notes.txt': 'just some words\n', 'ghost.diff': newFileDiff('ghost.go', CLEAN_GO), 'a.go': CLEAN_GO });
    expectOneLineError(await cli(argv, root), pattern);
  });
});

describe('--fail-on', () => {
  test('a warning fails the run by default and with --fail-on warning, not with error or never; the findings print either way', async () => {
    // closure-write in a _test.go file is test-closure-write, a warning (on for whole trees only when enabled).
    const root = makeTree({ 'go.mod': 'module m\n\ngo 1.22\n', 'pkg/racy_test.go': RACY_GO });
    expect(JSON.parse((await cli(['--format', 'json'], root)).stdout).findings).toEqual([]);
    const on = ['--enable', 'test-closure-write'];
    const byDefault = await cli([...on, '--format', 'json'], root);
    const findings = (JSON.parse(byDefault.stdout) as { findings: { rule: string; severity: string }[] }).findings;
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((f) => `${f.rule}/${f.severity}`))).toEqual(new Set(['test-closure-write/warning']));
    expect(byDefault.code).toBe(1);
    expect((await cli([...on, '--fail-on', 'warning'], root)).code).toBe(1);
    const onError = await cli([...on, '--fail-on', 'error'], root);
    expect(onError.code).toBe(0);
    expect(onError.stdout).toMatch(/\[test-closure-write\]/);
    expect((await cli([...on, '--fail-on', 'never'], root)).code).toBe(0);
  });

  test('an error fails the run unless --fail-on never', async () => {
    const root = makeTree({ 'go.mod': 'module m\n\ngo 1.22\n', 'pkg/racy.go': RACY_GO });
    expect((await cli(['--fail-on', 'error'], root)).code).toBe(1);
    expect((await cli(['--fail-on', 'never'], root)).code).toBe(0);
  });
});

describe('informational flags', () => {
  test('--help prints usage and exits 0', async () => {
    const run = await cli(['--help'], makeTree({}));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage:\n {2}racecheck \[options\] \[PATH\.\.\.\]/);
    expect(run.stdout).toContain('--diff FILE|-');
    expect(run.stdout).toContain('--base REV');
  });

  test('--version prints the package version', async () => {
    const run = await cli(['--version'], makeTree({}));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^racecheck \d+\.\d+\.\d+\n$/);
  });

  test('--list-rules prints every rule id', async () => {
    const run = await cli(['--list-rules'], makeTree({}));
    expect(run.code).toBe(0);
    for (const rule of RULES) expect(run.stdout).toContain(rule.id);
  });
});

describe('groupByGoVersion', () => {
  test('uses the nearest go.mod, then the build tag, then the fallback', () => {
    const root = makeTree({ 'go.mod': 'module m\n\ngo 1.21\n', 'inner/go.mod': 'module m/inner\n\ngo 1.22.1\n', 'nomod/go.mod': 'module m/nomod\n' });
    const file = (path: string, content = CLEAN_GO) => ({ path, content, absolutePath: join(root, path) });
    const groups = groupByGoVersion([
      file('a.go'),
      file('inner/b.go'),
      file('inner/deep/c.go'),
      file('inner/tagged.go', '//go:build go1.23\n\npackage p\n'),
      file('nomod/d.go'),
    ]);
    const paths = (v: string) => groups.get(v)?.map((f) => f.path);
    expect(paths('1.21')).toEqual(['a.go']);
    expect(paths('1.22')).toEqual(['inner/b.go', 'inner/deep/c.go']);
    expect(paths('1.23')).toEqual(['inner/tagged.go']);
    expect(paths('1.16')).toEqual(['nomod/d.go']);
  });

  test('files outside any module get the fallback version', () => {
    const outside = '/nonexistent-racecheck-dir/x.go';
    expect([...groupByGoVersion([{ path: 'x.go', content: CLEAN_GO, absolutePath: outside }], '1.20').keys()]).toEqual(['1.20']);
  });
});

describe('findNearestGoMod', () => {
  test('finds the go.mod in the file directory or the closest ancestor', () => {
    const root = makeTree({ 'go.mod': 'module m\n\ngo 1.21\n', 'a/b/c.go': CLEAN_GO, 'a/inner/go.mod': 'module i\n', 'a/inner/d.go': CLEAN_GO });
    expect(findNearestGoMod(join(root, 'a/b/c.go'))).toEqual({ path: join(root, 'go.mod'), text: 'module m\n\ngo 1.21\n' });
    expect(findNearestGoMod(join(root, 'a/inner/d.go'))?.path).toBe(join(root, 'a/inner/go.mod'));
  });

  test('gives undefined outside any module', () => {
    expect(findNearestGoMod('/nonexistent-racecheck-dir/x.go')).toBeUndefined();
  });
});

describe('rules that are off by default', () => {
  // A method with a value receiver copies the struct and its mutex: copied-lock, off by default.
  const COPIES_LOCK = `package p

import "sync"

type Counter struct {
	mu sync.Mutex
	n  int
}

func (c Counter) Get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
`;

  test('--list-rules says which rules are off', async () => {
    const run = await cli(['--list-rules'], makeTree({}));
    expect(run.stdout).toMatch(/^copied-lock\s+\S+\s+(fix)?\s+off\s/m);
    expect(run.stdout).toMatch(/^closure-write\s+\S+\s+(fix)?\s+on\s/m);
  });

  test('stay silent unless --enable turns them on, and --disable turns any rule off', async () => {
    const root = makeTree({ 'go.mod': 'module m\n\ngo 1.22\n', 'p.go': COPIES_LOCK, 'racy.go': RACY_GO });
    const plain = JSON.parse((await cli(['--format', 'json'], root)).stdout) as JsonOutput;
    expect(plain.findings.map((f) => f.rule)).not.toContain('copied-lock');
    const enabled = JSON.parse((await cli(['--format', 'json', '--enable', 'copied-lock'], root)).stdout) as JsonOutput;
    expect(enabled.findings.filter((f) => f.rule === 'copied-lock').map((f) => f.file)).toEqual(['p.go']);
    const disabled = await cli(['--format', 'json', '--disable', 'closure-write,copied-lock'], root);
    expect((JSON.parse(disabled.stdout) as JsonOutput).findings.map((f) => f.rule)).not.toContain('closure-write');
  });

  test('an unknown rule id is a one-line usage error', async () => {
    expectOneLineError(await cli(['--enable', 'no-such-rule'], makeTree({})), /--enable: unknown rule 'no-such-rule'/);
  });
});

describe('rules on only when reviewing changes, and rules off by default', () => {
  const GUARDED = `package p

import "sync"

type Counter struct {
	mu sync.Mutex
	n  int
}

func (c *Counter) Inc() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *Counter) Reset() {
	c.mu.Lock()
	c.n = 0
	c.mu.Unlock()
}

func (c *Counter) Get() int {
	return c.n
}
`;

  const MAP_IN_GOROUTINES = `package p

import "sync"

func Count(words []string) map[string]int {
	counts := map[string]int{}
	var wg sync.WaitGroup
	for _, w := range words {
		wg.Add(1)
		go func(w string) {
			defer wg.Done()
			counts[w]++
		}(w)
	}
	wg.Wait()
	return counts
}
`;

  const BUFFER_READ_WHILE_WRITTEN = `package p

import (
	"bytes"
	"io"
	"strings"
)

func Tail(r io.Reader) string {
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&buf, r)
		close(done)
	}()
	last := buf.String()
	<-done
	return strings.TrimSpace(last)
}
`;

  const APPEND_ONTO_FIELD = `package p

import "sync"

type Option func()

type Client struct {
	mu       sync.Mutex
	defaults []Option
}

func (c *Client) AddDefault(o Option) { c.defaults = append(c.defaults, o) }

func (c *Client) Call(opts ...Option) int {
	opts = append(c.defaults, opts...)
	return len(opts)
}
`;

  const rulesAt = (run: { stdout: string }) => (JSON.parse(run.stdout) as JsonOutput).findings.map((f) => `${f.rule}@${f.line}`);

  test.each([['shared-buffer', BUFFER_READ_WHILE_WRITTEN, 16]])('%s reports in a review of changes, not in a whole-repository run unless enabled', async (rule, source, line) => {
    const root = makeTree({ 'go.mod': 'module m\n\ngo 1.22\n', 'p.go': source });
    expect((await cli(['--list-rules'], root)).stdout).toMatch(new RegExp(`^${rule}\\s+\\S+\\s+(fix\\s+)?diff\\s`, 'm'));
    expect(rulesAt(await cli(['--format', 'json', '.'], root))).toEqual([]);
    expect(rulesAt(await cli(['--format', 'json', '--enable', rule, '.'], root))).toEqual([`${rule}@${line}`]);
    writeFileSync(join(root, 'change.diff'), newFileDiff('p.go', source));
    expect(rulesAt(await cli(['--format', 'json', '--diff', 'change.diff'], root))).toEqual([`${rule}@${line}`]);
  });

  test.each([
    ['unguarded-field', GUARDED, 23],
    ['append-alias', APPEND_ONTO_FIELD, 15],
    ['shared-container', MAP_IN_GOROUTINES, 12],
  ])('%s, off by default, reports only when enabled, in a review too', async (rule, source, line) => {
    const root = makeTree({ 'go.mod': 'module m\n\ngo 1.22\n', 'p.go': source });
    expect((await cli(['--list-rules'], root)).stdout).toMatch(new RegExp(`^${rule}\\s+\\S+\\s+(fix\\s+)?off\\s`, 'm'));
    writeFileSync(join(root, 'change.diff'), newFileDiff('p.go', source));
    expect(rulesAt(await cli(['--format', 'json', '--diff', 'change.diff'], root))).toEqual([]);
    expect(rulesAt(await cli(['--format', 'json', '--enable', rule, '--diff', 'change.diff'], root))).toEqual([`${rule}@${line}`]);
  });
});

describe('--models: models of your own APIs', () => {
  const POOL_GO = `package service

import "example.com/acme/workers"

func Total(p *workers.Pool, xs []int) int {
	total := 0
	for _, x := range xs {
		p.Submit(func() { total += x })
	}
	p.Wait()
	return total
}
`;
  const SUBMIT = '{ "models": [\n  { "func": "example.com/acme/workers.Pool.Submit", "callbacks": { "0": "concurrent" } }\n] }\n';

  test('a one-line model file turns a callback into concurrent code; the flag repeats', async () => {
    const root = makeTree({ 'go.mod': 'module m\n\ngo 1.22\n', 'total.go': POOL_GO, 'models.json': SUBMIT, 'more.json': '{ "models": [] }\n' });
    expect((await cli(['total.go'], root)).code).toBe(0);
    const run = await cli(['--format', 'json', '--models', 'models.json', '--models', 'more.json', 'total.go'], root);
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as JsonOutput).findings.map((f) => [f.rule, f.line])).toEqual([['closure-write', 8]]);
  });

  test.each([
    ['a bad callback mode', '{ "models": [ { "func": "example.com/acme/workers.Pool.Submit", "callbacks": { "0": "later" } } ] }', /^racecheck: bad\.json: bad model: models\.0\.callbacks\.0 must be one of sync, async, cleanup, concurrent, awaited, subtest, ui\n$/],
    ['JSON that does not parse', '{ "models": [', /^racecheck: bad\.json: not JSON/],
    ['a missing file', undefined, /^racecheck: bad\.json: cannot read models file \(ENOENT\)\n$/],
  ])('%s is a usage error with one line', async (_name, content, pattern) => {
    const root = makeTree({ 'total.go': POOL_GO, ...(content === undefined ? {} : { 'bad.json': content }) });
    expectOneLineError(await cli(['--models', 'bad.json', 'total.go'], root), pattern);
  });
});
