/** mutex-lifetime: suggestions and fix hints (the fixtures check what is flagged). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../src/engine/index.js';
import type { Finding } from '../../src/engine/index.js';

const seed = readFileSync(fileURLToPath(new URL('../seed/3-mutex-lifetime.go', import.meta.url)), 'utf8');

function findings(content: string, goVersion: string): Finding[] {
  return analyze([{ path: 'p.go', content }], { scope: 'all', goVersion }).findings.filter((f) => f.rule === 'mutex-lifetime');
}

describe('mutex-lifetime', () => {
  test('the seed gets a deep copy of the struct value, with the import it needs', () => {
    const [f] = findings(seed, '1.22');
    // maps.Clone needs the import: it travels with the fix as an edit of the import block.
    expect(f.fix?.edits).toEqual([
      { startLine: 3, endLine: 3, replacement: 'import (\n\t"maps"' },
      {
        startLine: f.line,
        endLine: f.line,
        replacement: '\treturn &PricingService{info: PricingInfo{plans: maps.Clone(pricingInfo.plans)}, infoMtx: sync.Mutex{}}',
      },
    ]);
    expect(f.message).toContain('import "maps", Go 1.21+');
    expect(f.related.map((r) => r.line)).toContain(seed.split('\n').findIndex((l) => l.includes('plans["middle plan"] = 3')) + 1);
  });

  test('before Go 1.21 there is no maps.Clone: a fix hint instead of a suggestion', () => {
    const [f] = findings(seed, '1.20');
    expect(f.fix).toBeUndefined();
    expect(f.fixHint).toContain('func clonePricingInfo(src PricingInfo) PricingInfo {');
  });

  test('a local mutex gets a hint to move it next to the data', () => {
    const [f] = findings(
      `package p

import "sync"

var hits = map[string]int{}

func record(path string) {
	var mu sync.Mutex
	mu.Lock()
	hits[path]++
	mu.Unlock()
}
`,
      '1.22',
    );
    expect(f.line).toBe(8);
    expect(f.fixHint).toContain('hitsMu sync.Mutex');
  });
});
