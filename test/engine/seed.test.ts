/**
 * The article's four reproducers ("A million ways to die from a data race in Go"): each racy
 * program must be flagged on its racy line by the matching rule, and each fixed one not at all.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../src/engine/index.js';
import type { Finding } from '../../src/engine/index.js';

const seedDir = fileURLToPath(new URL('../seed/', import.meta.url));
// The reproducers use errgroup and range-over-int era code; any module version ≥1.22 fits.
const GO_VERSION = '1.22';

function load(name: string): { source: string; lineOf(snippet: string): number } {
  const source = readFileSync(seedDir + name, 'utf8');
  const lines = source.split('\n');
  return {
    source,
    lineOf(snippet) {
      const hits = lines.flatMap((text, i) => (text.includes(snippet) ? [i + 1] : []));
      if (hits.length !== 1) throw new Error(`${name}: expected one line containing ${JSON.stringify(snippet)}, found ${hits.length}`);
      return hits[0];
    },
  };
}

// As the App reviews a pull request that adds the file, with the default rules: the rules on for
// changes run too.
function findingsOf(name: string): Finding[] {
  return analyze([{ path: name, content: load(name).source }], { scope: 'all', reviewingChanges: true, goVersion: GO_VERSION }).findings;
}

function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line} [${f.rule}] ${f.message}`).join('\n') || '(none)';
}

/** Fails with the actual findings listed, so a miss shows what the engine said instead. */
function expectFlagged(name: string, rule: string, lines: number[]): Finding[] {
  const findings = findingsOf(name);
  const hits = findings.filter((f) => f.rule === rule && lines.includes(f.line));
  if (hits.length === 0) {
    throw new Error(`${name}: expected a ${rule} finding on line ${lines.join(' or ')}; got:\n${describeFindings(findings)}`);
  }
  return hits;
}

describe('seed reproducers are flagged', () => {
  test('1: closure writes the captured err', () => {
    const file = load('1-closure-capture.go');
    const baz = file.lineOf('err = Baz()');
    const bar = file.lineOf('err = Bar()');
    const hits = expectFlagged('1-closure-capture.go', 'closure-write', [baz, bar]);
    const onBaz = hits.find((f) => f.line === baz);
    expect(onBaz?.fix?.edits[0]).toEqual({ startLine: baz, endLine: baz, replacement: '\t\terr := Baz()' });
  });

  test('2: goroutines set the shared http.Client CheckRedirect field', () => {
    const file = load('2-http-client.go');
    const lines = [file.lineOf('client.CheckRedirect = func'), file.lineOf('client.CheckRedirect = nil')];
    expectFlagged('2-http-client.go', 'sibling-field-write', lines);
  });

  test('3: the mutex lives per request while the map it guards is global', () => {
    const file = load('3-mutex-lifetime.go');
    expectFlagged('3-mutex-lifetime.go', 'mutex-lifetime', [file.lineOf('info: pricingInfo')]);
  });

  test('4: the bytes.Buffer is read in a goroutine while the library writes it', () => {
    const file = load('4-buffer.go');
    expectFlagged('4-buffer.go', 'shared-buffer', [file.lineOf('output.ReadString'), file.lineOf('OutputStream: output')]);
  });
});

describe('fixed seed versions produce no findings', () => {
  test.each(['1-closure-capture.fixed.go', '2-http-client.fixed.go', '3-mutex-lifetime.fixed.go', '4-buffer.fixed.go'])('%s', (name) => {
    const findings = findingsOf(name);
    expect(describeFindings(findings)).toBe('(none)');
  });

  test('the fixed versions differ from the racy ones exactly where the article says', () => {
    expect(load('1-closure-capture.fixed.go').lineOf('err := Baz()')).toBe(load('1-closure-capture.go').lineOf('err = Baz()'));
    expect(load('3-mutex-lifetime.fixed.go').source).toContain('func ClonePricing(pricingInfo PricingInfo) PricingInfo {');
    expect(load('4-buffer.fixed.go').source).toContain('func (w *SyncWriter) Write(p []byte) (n int, err error) {');
    expect(load('4-buffer.fixed.go').source).toContain('OutputStream: writer,');
  });
});
