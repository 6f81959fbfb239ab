/** closure-write reports a variable once per goroutine: its first racing write, the others related. */
import { analyze } from '../../src/engine/index.js';

const source = `package p

import "sync"

func run(steps []func() error) error {
	var err error
	var wg sync.WaitGroup
	for _, step := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err = step(); err != nil {
				return
			}
			err = step()
		}()
	}
	other := func() { err = nil }
	go other()
	wg.Wait()
	return err
}
`;

test('one finding per variable and goroutine, the later writes as related locations', () => {
  const findings = analyze([{ path: 'run.go', content: source }], { scope: 'all' }).findings.filter((f) => f.rule === 'closure-write');
  const byLine = new Map(findings.map((f) => [f.line, f]));
  // The loop's goroutine writes err on lines 12 and 15: one finding, at line 12.
  expect(byLine.has(12)).toBe(true);
  expect(byLine.has(15)).toBe(false);
  expect(byLine.get(12)!.related.map((r) => r.line)).toContain(15);
  expect(byLine.get(12)!.related.find((r) => r.line === 15)?.message).toMatch(/`err` (also written here|written) by the goroutine started on line 10/);
  // Another goroutine's write of the same variable is a finding of its own.
  expect(byLine.has(18)).toBe(true);
  // A later write the conflicts already name is not listed twice.
  expect(byLine.get(12)!.related.filter((r) => r.line === 15)).toHaveLength(1);
});
