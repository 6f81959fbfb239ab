/** shared-field-write and sibling-field-write, which share its reporting: suggestions and fix hints (the fixtures check what is flagged). */
import { analyze } from '../../src/engine/index.js';
import type { Finding } from '../../src/engine/index.js';

const FIELD_WRITE_RULES = ['shared-field-write', 'sibling-field-write'];

function findings(body: string): Finding[] {
  const content = `package p

import (
	"context"
	"net/http"
	"sync"

	"golang.org/x/sync/errgroup"
)

${body}
`;
  return analyze([{ path: 'p.go', content }], { scope: 'all', reviewingChanges: true, goVersion: '1.22', rules: { 'shared-field-write': { enabled: true } } }).findings.filter((f) => FIELD_WRITE_RULES.includes(f.rule));
}

describe('shared-field-write', () => {
  test('a value client configured by two closures gets `client := client` in both', () => {
    const [first, timeout, second] = findings(`func Run(ctx context.Context) error {
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
}`);
    expect(first.line).toBe(15);
    // Both closures write CheckRedirect: sibling-field-write's; Timeout races only with a read: shared-field-write's.
    expect([first.rule, timeout.rule, second.rule]).toEqual(['sibling-field-write', 'shared-field-write', 'sibling-field-write']);
    expect(first.message).toContain('`client.CheckRedirect` is set by the `wg.Go` closure on line 14');
    expect(first.message).toContain('safe for concurrent requests, but not for concurrent changes to its fields');
    // The other closure writes CheckRedirect too: one copy alone would still race, so the fix copies in both.
    expect(first.message).toContain('The goroutine writing it on line 20 needs the same change');
    expect(first.fix?.edits).toEqual([
      { startLine: 15, endLine: 15, replacement: '\t\tclient := client\n\t\tclient.CheckRedirect = nil' },
      { startLine: 20, endLine: 20, replacement: '\t\tclient := client\n\t\tclient.Timeout = 0' },
    ]);
    expect(first.related.map((r) => r.line)).toEqual([21, 22]);
    // Timeout is read by the other closure's client.Get.
    expect(timeout.line).toBe(20);
    expect(timeout.message).toContain('calls `client.Get` on line 16');
    // A copy in this closure alone would read `client` while the first closure still writes it: racecheck
    // would flag that, so the single-edit fix is dropped and the advice stays in words.
    expect(timeout.fix).toBeUndefined();
    expect(timeout.message).toContain('Give each goroutine its own copy (`client := client` at the top of the closure)');
    // Not the closure's first use of `client`: no edit of its own, and the advice names the other writer.
    expect(second.line).toBe(21);
    expect(second.fix).toBeUndefined();
    expect(second.message).toContain('The goroutine writing it on line 15 needs the same change');
    expect(second.fixHint).toContain('client := client');
  });

  test('a pointer gets a shallow copy of its own', () => {
    const [f] = findings(`type Config struct{ Name string; Retries int }

func (c *Config) Use() {}

func Fan(cfg *Config, names []string) {
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg.Name = n
			cfg.Use()
		}()
	}
	wg.Wait()
}`);
    expect(f.message).toContain('another instance of the same goroutine');
    expect(f.fix?.edits[0]).toEqual({ startLine: 21, endLine: 21, replacement: '\t\t\tcfgCopy := *cfg\n\t\t\tcfg := &cfgCopy\n\t\t\tcfg.Name = n' });
  });

  test('no copy for a struct that holds a lock, nor when the goroutine hands a result back', () => {
    const found = findings(`type Guarded struct{ mu sync.Mutex; N int }

func Lockful(g *Guarded) {
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.N = i
			println(g.N)
		}()
	}
	wg.Wait()
}

type Result struct{ Err error }

func Publish(r *Result, work func() error) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.Err = work()
	}()
	println(r.Err)
	wg.Wait()
}`);
    expect(found).toHaveLength(2);
    for (const f of found) expect(f.fix).toBeUndefined();
    expect(found[0].fixHint).toContain('gCopy := *g');
    expect(found[1].fixHint).toContain('mu.Lock()');
    expect(found[1].message).toContain('Guard every access with a mutex');
  });

  test('a suppression comment silences it', () => {
    expect(
      findings(`func Quiet() {
	var s struct{ N int }
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.N = 1 }() //racecheck:ignore sibling-field-write benchmark of the race itself
	go func() { defer wg.Done(); s.N = 2 }() //nolint:racecheck
	wg.Wait()
}`),
    ).toHaveLength(0);
  });
});
