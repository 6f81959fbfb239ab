/**
 * Siblings loaded for their facts only (SourceFile.contextOnly): their declarations reach every rule,
 * their bodies the package rules. Without a package rule running, their bodies are not walked at all.
 */
import { analyze, onlyRules } from '../../src/engine/index.js';

const fill = {
  path: 'p/fill.go',
  content: `package p

import "sync"

func fill(keys []string) map[string]int {
	idx := newIndex()
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func(k string) {
			defer wg.Done()
			idx[k] = len(k)
		}(k)
	}
	wg.Wait()
	return idx
}
`,
};

const index = {
  path: 'p/index.go',
  contextOnly: true,
  content: `package p

import "sync"

func newIndex() map[string]int { return map[string]int{} }

// Registry counts under its lock.
type Registry struct {
	mu sync.Mutex
	n  int
}

func (r *Registry) Inc() {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
}

func (r *Registry) Dec() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n--
}
`,
};

const reset = {
  path: 'p/reset.go',
  content: `package p

// Reset forgets the count.
func (r *Registry) Reset() {
	r.n = 0
}
`,
};

test("a file rule knows a sibling's declarations (a function's result type) with no package rule running", () => {
  const rules = onlyRules(new Set(['shared-container']));
  expect(analyze([fill], { scope: 'all', rules }).findings).toEqual([]);
  const withSibling = analyze([fill, index], { scope: 'all', rules }).findings;
  expect(withSibling.map((f) => `${f.rule} ${f.file}:${f.line}`)).toEqual(['shared-container p/fill.go:12']);
});

test("a package rule reads a sibling's bodies: its locked writes make the changed file's write unguarded", () => {
  const rules = onlyRules(new Set(['unguarded-field']));
  const findings = analyze([reset, index], { scope: 'all', rules }).findings;
  expect(findings.map((f) => `${f.rule} ${f.file}:${f.line}`)).toEqual(['unguarded-field p/reset.go:5']);
  expect(findings[0]!.related.some((r) => r.file === 'p/index.go')).toBe(true);
});
