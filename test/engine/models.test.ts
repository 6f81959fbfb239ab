/**
 * The models of called code (models/*.json): they fit the schema, each entry is one line (adding a
 * model is a one-line change), every entry is exercised by a fixture, and users' models are checked
 * and applied the same way.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, analyzeChanges, ApiModels, ModelError, parseModels, RULES, type ModelEntry } from '../../src/engine/index.js';
import { entryName, MODELS_DIR_URL, STANDARD_FILES } from '../../src/engine/models/index.js';
import { FIXTURES_ROOT } from '../fixtures/harness.js';
import { makePatch } from '../../src/app/testing/fake-github.js';

const modelsDir = fileURLToPath(MODELS_DIR_URL);

function goFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return goFilesUnder(path);
    return name.endsWith('.go') ? [path] : [];
  });
}

describe('the bundled models', () => {
  test.each(STANDARD_FILES)('%s fits models/schema.json', (name) => {
    expect(() => parseModels(JSON.parse(readFileSync(join(modelsDir, name), 'utf8')), name)).not.toThrow();
  });

  test.each(STANDARD_FILES)('%s holds one entry per line, so adding a model is a one-line change', (name) => {
    const text = readFileSync(join(modelsDir, name), 'utf8');
    const lines = text.split('\n').filter((l) => /^\s*\{\s*"(func|type|implements|package)"/.test(l));
    const entries = (JSON.parse(text) as { models: ModelEntry[] }).models;
    expect(lines).toHaveLength(entries.length);
    expect(lines.map((l) => JSON.parse(l.trim().replace(/,$/, '')) as ModelEntry)).toEqual(entries);
  });

  test('no entry is listed twice', () => {
    const names = ApiModels.standard().entries.map(entryName);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  test('every entry is exercised by a fixture: analyzing the fixtures looks it up', () => {
    const everyRule = Object.fromEntries(RULES.map((r) => [r.id, { enabled: true }]));
    for (const path of goFilesUnder(FIXTURES_ROOT)) {
      analyze([{ path, content: readFileSync(path, 'utf8') }], { scope: 'all', rules: everyRule });
    }
    const models = ApiModels.standard();
    const unexercised = models.entries.filter((e) => !models.used.has(e)).map(entryName);
    expect(unexercised).toEqual([]);
  });
});

describe('models given by a user', () => {
  const submit: ModelEntry = { func: 'example.com/workers/pool.Pool.Submit', callbacks: { '0': 'concurrent' } };
  const source = (importLine: string, receiver: string) => `package service

${importLine}

func Total(p *${receiver}, xs []int) int {
	total := 0
	for _, x := range xs {
		p.Submit(func() { total += x })
	}
	p.Wait()
	return total
}
`;
  const findings = (content: string, models?: ModelEntry[]) =>
    analyze([{ path: 'total.go', content }], { scope: 'all', goVersion: '1.22', ...(models ? { models } : {}) }).findings.map((f) => `${f.rule}@${f.line}`);

  test('a model makes a callback concurrent code', () => {
    const content = source('import "example.com/workers/pool"', 'pool.Pool');
    expect(findings(content)).toEqual([]);
    expect(findings(content, [submit])).toEqual(['closure-write@8']);
  });

  test('resolution goes by import path: a renamed import still matches, another package with the same name does not', () => {
    expect(findings(source('import wp "example.com/workers/pool"', 'wp.Pool'), [submit])).toEqual(['closure-write@8']);
    expect(findings(source('import "example.com/other/pool"', 'pool.Pool'), [submit])).toEqual([]);
  });

  test("a user's model wins over a bundled one", () => {
    const content = `package service

import "time"

func Later(xs []int) int {
	total := 0
	time.AfterFunc(0, func() { total++ })
	return total
}
`;
    expect(findings(content)).toEqual([]);
    expect(findings(content, [{ func: 'time.AfterFunc', callbacks: { '1': 'concurrent' } }])).toEqual(['closure-write@7']);
  });

  test("a user's model reaches the differential rules: a removed goroutine-local is reported in a modelled callback", () => {
    const base = `package service

import "example.com/workers/pool"

func Mirror(p *pool.Pool, keys []string) error {
	var err error
	p.Submit(func() {
		var err error
		for _, k := range keys {
			err = fetch(k)
		}
		_ = err
	})
	for _, k := range keys {
		err = store(k)
	}
	p.Wait()
	return err
}

func fetch(string) error { return nil }
func store(string) error { return nil }
`;
    const head = base.replace('\t\tvar err error\n', '');
    const patch = makePatch(base, head).patch;
    // closure-write owns the race too; off here, so removed-sync's own finding shows.
    const review = (models?: ModelEntry[]) =>
      analyzeChanges([{ path: 'm.go', content: head, patch }], { scope: 'introduced', goVersion: '1.22', rules: { 'closure-write': { enabled: false } }, ...(models ? { models } : {}) }).findings.map((f) => `${f.rule}@${f.line}`);
    expect(review()).toEqual([]);
    expect(review([submit])).toEqual(['removed-sync@9']);
  });

  test('a bad model is a ModelError with a one-line message naming the entry and key', () => {
    const message = (data: unknown) => {
      try {
        parseModels(data, 'my-models.json');
      } catch (err) {
        expect(err).toBeInstanceOf(ModelError);
        return (err as Error).message;
      }
      return undefined;
    };
    expect(message({ models: [submit] })).toBeUndefined();
    expect(message([submit, { func: 'a.B', callbacks: { '0': 'later' } }])).toBe('my-models.json: bad model: models.1.callbacks.0 must be one of sync, async, cleanup, concurrent, awaited, subtest, ui');
    expect(message({ models: [{ type: 'bytes.Buffer' }] })).toBe("my-models.json: bad model: models.0 must have required property 'concurrencySafe'");
    expect(message({ models: [{ func: 'a.B', extra: 1, writes: [0] }] })).toBe('my-models.json: bad model: models.0 has an unknown key "extra"');
    expect(message({ modles: [] })).toMatch(/^my-models.json: bad model: /);
    for (const m of [message([{ func: 'x y' }]), message(['x'])]) expect(m).not.toContain('\n');
  });
});
