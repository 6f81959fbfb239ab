/**
 * Files that `//go:build ignore` (or any constraint that needs the `ignore` tag) leaves out of every
 * build: like `go vet`, the engine neither analyzes them nor reads them as a package's siblings.
 */
import { analyze } from '../../src/engine/index.js';
import { excludedByBuildTag } from '../../src/engine/goversion.js';

const racy = (header: string) => `${header}package p

func count(items []string) int {
	n := 0
	done := make(chan bool)
	for range items {
		go func() {
			n++
			done <- true
		}()
	}
	for range items {
		<-done
	}
	return n
}
`;

describe('excludedByBuildTag', () => {
  test.each([
    ['//go:build ignore\n\n', true],
    ['//go:build ignore\n// +build ignore\n\n', true],
    ['// Code generator, run with go run.\n\n//go:build ignore && linux\n\n', true],
    ['//go:build linux\n\n', false],
    ['//go:build !ignore\n\n', false],
    ['//go:build ignore || tools\n\n', false],
    ['// +build ignore\n\n', true],
    ['// +build linux,ignore\n// +build amd64\n\n', true],
    ['// +build ignore tools\n\n', false],
    ['// +build !ignore\n\n', false],
    ['//go:build linux\n// +build ignore\n\n', false],
    ['', false],
  ])('%j → %s', (header, expected) => {
    expect(excludedByBuildTag(racy(header))).toBe(expected);
  });

  test('a //go:build line after the package clause is no constraint', () => {
    expect(excludedByBuildTag('package p\n\n//go:build ignore\n')).toBe(false);
  });
});

test('a file left out of every build is not analyzed, and says so in its report', () => {
  const built = analyze([{ path: 'p/count.go', content: racy('') }], { scope: 'all' });
  expect(built.findings.map((f) => f.rule)).toContain('closure-write');

  const ignored = analyze([{ path: 'p/count.go', content: racy('//go:build ignore\n\n') }], { scope: 'all' });
  expect(ignored.findings).toEqual([]);
  expect(ignored.files).toEqual([expect.objectContaining({ file: 'p/count.go', excludedByBuild: true })]);
});

test('in a package of several files, only the ignored one is left out', () => {
  const user = {
    path: 'p/use.go',
    content: `package p

func total(xs []string) int { return count(xs) }
`,
  };
  const built = analyze([user, { path: 'p/count.go', content: racy('') }], { scope: 'all' });
  expect(built.findings.map((f) => `${f.rule} ${f.file}`)).toContain('closure-write p/count.go');
  const result = analyze([user, { path: 'p/count.go', content: racy('//go:build ignore\n\n') }], { scope: 'all' });
  expect(result.findings).toEqual([]);
  expect(result.files.map((f) => [f.file, f.excludedByBuild === true])).toEqual([
    ['p/use.go', false],
    ['p/count.go', true],
  ]);
});

test('a package main file that no build takes in is a program of its own (go run gen.go): analyzed alone', () => {
  const generator = { path: 'tools/gen.go', content: racy('//go:build ignore\n\n').replace('package p', 'package main') };
  const tool = { path: 'tools/main.go', content: 'package main\n\nfunc count(items []string) int { return len(items) }\n\nfunc main() {}\n' };
  const result = analyze([tool, generator], { scope: 'all' });
  expect(result.findings.map((f) => `${f.rule} ${f.file}`)).toContain('closure-write tools/gen.go');
  expect(result.files.every((f) => f.excludedByBuild !== true)).toBe(true);
});
