/** Every rule has its page in docs/rules, every page its rule, and every page the sections users rely on. */
import fs from 'node:fs';
import path from 'node:path';
import { RULES } from '../../src/engine/index.js';

const DOCS = path.join(process.cwd(), 'docs', 'rules');
const SECTIONS = ['## The hazard', '## Why it races', '## Racy example', '## The fix', '## When it stays silent', '## Suppressing it'];

test('every rule has a page and every page a rule', () => {
  const pages = fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, '')).sort();
  expect(pages).toEqual(RULES.map((r) => r.id).sort());
});

test.each(RULES.map((r) => [r.id, r] as const))('%s: meta points at its page, which has every section', (id, rule) => {
  expect(rule.docPath).toBe(`docs/rules/${id}.md`);
  const text = fs.readFileSync(path.join(process.cwd(), rule.docPath), 'utf8');
  expect(text.startsWith(`# ${id}\n`)).toBe(true);
  expect(SECTIONS.filter((s) => !text.includes(`\n${s}\n`))).toEqual([]);
  expect(text).toContain(`racecheck:ignore ${id}`);
});

test('the README lists every rule', () => {
  const readme = fs.readFileSync(path.join(process.cwd(), 'README.md'), 'utf8');
  expect(RULES.map((r) => r.id).filter((id) => !readme.includes(`[${id}](docs/rules/${id}.md)`))).toEqual([]);
});
