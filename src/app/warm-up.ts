/**
 * What an analysis worker runs before its first job: the engine's hot paths compiled by V8 before a
 * pull request waits on them. Measured on the App bench's first event (10 package jobs of 18 files): a
 * worker that had only analyzed a small package a few times took ~3x as long on its first jobs as on
 * later ones of the same size. So the warm-up is shaped like a review: a package with context-only
 * siblings, a head whose fixes are checked on its added lines, and a base analyzed with a few rules;
 * its races are the common ones (a `go` closure's and errgroup closures' shared `err`, a field
 * written without its lock).
 */
import { analyze, analyzeChanges, onlyRules, type SourceFile } from '../engine/index.js';

const LOCKED_STORE = (n: number) => `package warm

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Store${n} keeps totals under its lock.
type Store${n} struct {
	mu    sync.RWMutex
	items map[string]int
	hits  int64
	state string
}

func NewStore${n}() *Store${n} { return &Store${n}{items: map[string]int{}} }

func (s *Store${n}) Add(k string, v int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for i := 0; i < v; i++ {
		total += i
	}
	s.items[k] = total
	return total
}

func (s *Store${n}) Get(k string) (int, bool) {
	s.mu.RLock()
	v, ok := s.items[k]
	s.mu.RUnlock()
	atomic.AddInt64(&s.hits, 1)
	return v, ok
}

func (s *Store${n}) Reset() {
	s.state = "reset"
	s.items = map[string]int{}
}

func (s *Store${n}) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v, _ := s.Get(r.URL.Path)
	if v > 0 {
		s.state = r.URL.Path
	}
}

func Fill${n}(ctx context.Context, s *Store${n}, keys []string) error {
	var wg sync.WaitGroup
	var err error
	results := make(chan int, len(keys))
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case results <- s.Add(k, i):
			}
		}()
	}
	wg.Wait()
	close(results)
	sum := 0
	for r := range results {
		sum += r
	}
	switch {
	case sum > 10:
		return nil
	default:
		return err
	}
}

func Load${n}(ctx context.Context, fetch func(context.Context, string) (int, error), keys []string) (int, error) {
	g, ctx := errgroup.WithContext(ctx)
	var total int
	var err error
	for _, k := range keys {
		g.Go(func() error {
			var v int
			v, err = fetch(ctx, k)
			total += v
			return err
		})
	}
	if werr := g.Wait(); werr != nil {
		return 0, werr
	}
	return total, err
}
`;

const FILES = 6;

function pkg(version: string): SourceFile[] {
  return Array.from({ length: FILES }, (_, i) => ({ path: `warm/store${i}.go`, content: `${LOCKED_STORE(i)}\n// ${version}\n` }));
}

/**
 * Reviews a changed file of a package with its siblings as context, then its base with two rules:
 * `rounds` times. Returns what the last round found, so a test can tell the paths were exercised.
 */
export function warmUp(rounds: number, first = 0): { rules: string[]; fixesOffered: number; messages: string[] } {
  let last = { rules: [] as string[], fixesOffered: 0, messages: [] as string[] };
  // Each round's package has names of its own (`first` numbers them), so no round repeats another's input.
  for (let round = first; round < first + rounds; round++) {
    const [changed, ...siblings] = pkg(`round ${round}`);
    const lines = changed.content.split('\n').length;
    const context = siblings.map((f) => ({ ...f, contextOnly: true }));
    // unguarded-field is off by default; turned on here so the package model's path is warm too.
    const head = analyze([{ ...changed, addedLines: new Set(Array.from({ length: lines }, (_, i) => i + 1)) }, ...context], {
      scope: 'all',
      reviewingChanges: true,
      fixes: 'added-lines',
      rules: { 'unguarded-field': { enabled: true } },
    });
    const base = analyze([changed, ...context], { scope: 'all', reviewingChanges: true, fixes: 'none', rules: onlyRules(new Set(['closure-write', 'unguarded-field'])) });
    last = { rules: [...new Set([...head.findings, ...base.findings].map((f) => f.rule))].sort(), fixesOffered: head.fixes?.offered ?? 0, messages: head.findings.map((f) => f.message) };
  }
  return last;
}

/**
 * The App process's share of a review (rebuilding bases from patches, comparing versions, placing
 * comments) once, on a change that deletes a Lock/Unlock pair: the first pull request then runs it
 * compiled. About a tenth of a second.
 */
export function warmUpMainThread(): string[] {
  const base = pkg('main thread');
  const lines = base[0]!.content.split('\n');
  const at = lines.indexOf('\ts.mu.Lock()'); // 0-based: the first method that locks
  const head = [...lines.slice(0, at), ...lines.slice(at + 2)].join('\n');
  const patch = `@@ -${at},3 +${at},1 @@\n ${lines[at - 1]}\n-${lines[at]}\n-${lines[at + 1]}\n`;
  const review = analyzeChanges(
    [{ path: base[0]!.path, content: head, patch }, ...base.slice(1).map((f) => ({ ...f, patch: '', contextOnly: true }))],
    { scope: 'introduced' },
  );
  return review.findings.map((f) => f.rule);
}
