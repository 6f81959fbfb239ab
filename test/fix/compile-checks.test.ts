/** The engine's own compile checks, which a fix must pass before it is offered. */
import { compileViolations, newViolations } from '../../src/engine/fix/compile-checks.js';
import { applyEdits } from '../../src/engine/index.js';
import { parseGo } from '../../src/engine/parse.js';

const violations = (source: string) => compileViolations(parseGo(source).rootNode).map((v) => v.reason);

/** What a one-line edit adds, as the verifier sees it. */
function introduced(source: string, line: number, replacement: string): string[] {
  const edited = applyEdits(source, [{ startLine: line, endLine: line, replacement }])!;
  return newViolations(compileViolations(parseGo(source).rootNode), compileViolations(parseGo(edited).rootNode)).map((v) => v.reason);
}

const PKG = `package p

import "sync"

func fetch() error { return nil }

func worker(id int, wg *sync.WaitGroup) { wg.Done() }

func Run() error {
	var err error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err = fetch()
	}()
	wg.Wait()
	go worker(1, &wg)
	return err
}
`;

describe('compile checks', () => {
  test('a compiling file has no violations', () => {
    expect(violations(PKG)).toEqual([]);
  });

  test('a local declared and not used (assignments do not count as uses)', () => {
    expect(introduced(PKG, 15, '\t\terr := fetch()')).toEqual(['`err` would be declared and not used']);
    expect(violations('package p\n\nfunc f() {\n\tx := 1\n\tx = 2\n}\n')).toEqual(['`x` would be declared and not used']);
    expect(violations('package p\n\nfunc f() int {\n\tx := 1\n\tgo func() { println(x) }()\n\treturn 0\n}\n')).toEqual([]);
  });

  test('`:=` with no new name on the left', () => {
    expect(introduced(PKG, 12, '\terr := fetch()')).toEqual(['`err :=` would declare no new variable']);
    expect(violations('package p\n\nfunc f(a int) int {\n\tif b := a; b > 0 {\n\t\tb := 2\n\t\treturn b\n\t}\n\treturn a\n}\n')).toEqual([]);
  });

  test('a package the file does not import', () => {
    expect(introduced(PKG, 15, '\t\terr = errors.Join(err, fetch())')).toEqual(['it would use `errors`, which the file does not import']);
    expect(introduced(PKG, 11, '\tvar wg sync.WaitGroup; var m atomic.Int64; _ = m')).toContain('it would use `atomic`, which the file does not import');
    // A local of that name is not a package.
    expect(violations('package p\n\nfunc f(atomic struct{ N int }) int {\n\treturn atomic.N\n}\n')).toEqual([]);
  });

  test("a call that no longer matches the parameters of a function the file declares", () => {
    expect(introduced(PKG, 18, '\tgo worker(1, wg)')).toEqual(['the call to `worker` would pass `wg` where it takes a `*sync.WaitGroup`']);
    expect(introduced(PKG, 18, '\tgo worker(&wg)')).toEqual(['the call to `worker` would pass 1 argument where it takes 2']);
    expect(introduced(PKG, 7, 'func worker(id int, wg sync.WaitGroup) { wg.Done() }')).toEqual([
      'the call to `worker` would pass `&wg` where it takes a `sync.WaitGroup`',
    ]);
  });
});
