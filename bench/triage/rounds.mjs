#!/usr/bin/env node
// Every round's hand triage re-scored against one build: per rule and round, the triaged findings the
// build still reports (true/debatable/false), and the precision of the default configuration and of
// review mode (the rules on when reviewing changes as well), as the build's own rule defaults say.
//   npm run build && node bench/triage/rounds.mjs RESULTS_PREFIX
// RESULTS_PREFIX + N is a directory of `racecheck --format json --enable <every rule> .` outputs, one
// per repository of round N, named after the repository's last path part (see each round's README).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = process.argv[2];
if (!prefix) {
  console.error('usage: rounds.mjs RESULTS_PREFIX   (e.g. /tmp/recheck/round, for /tmp/recheck/round1, round2, …)');
  process.exit(2);
}
const { RULES } = await import(join(here, '../../dist/engine/index.js'));
const defaultOn = new Set(RULES.filter((r) => (r.defaultEnabled ?? true) === true).map((r) => r.id));
const reviewOn = new Set(RULES.filter((r) => (r.defaultEnabled ?? true) !== false).map((r) => r.id));

const later = readdirSync(here)
  .map((f) => /^findings-round(\d+)\.tsv$/.exec(f))
  .filter(Boolean)
  .map((m) => [Number(m[1]), m[0]])
  .sort((a, b) => a[0] - b[0]);
const ROUNDS = [[1, 'findings.tsv'], ...later];
// Rules split since a round was judged: a finding read under the old id may now come from a new one.
const SPLIT_FROM = { 'shared-container': ['shared-buffer'] };
const zero = () => ({ t: 0, d: 0, f: 0 });
const perRule = new Map();
const perMode = { default: new Map(), review: new Map() };

for (const [round, tsv] of ROUNDS) {
  const [header, ...lines] = readFileSync(join(here, tsv), 'utf8').trim().split('\n');
  const cols = header.split('\t');
  const reported = new Map();
  for (const line of lines) {
    const row = Object.fromEntries(line.split('\t').map((v, i) => [cols[i], v]));
    const file = `${prefix}${round}/${row.repo.split('/')[1]}.json`;
    if (!existsSync(file)) continue;
    if (!reported.has(file)) {
      const { findings } = JSON.parse(readFileSync(file, 'utf8'));
      reported.set(file, new Set(findings.map((f) => `${f.file.replace(/^\.\//, '')}:${f.line}:${f.rule}`)));
    }
    const rule = [row.rule, ...(SPLIT_FROM[row.rule] ?? [])].find((r) => reported.get(file).has(`${row.file.replace(/^\.\//, '')}:${row.line}:${r}`));
    if (!rule) continue;
    row.rule = rule;
    const v = row.verdict[0];
    const byRound = perRule.get(row.rule) ?? new Map();
    perRule.set(row.rule, byRound);
    if (!byRound.has(round)) byRound.set(round, zero());
    byRound.get(round)[v]++;
    for (const [mode, on] of [['default', defaultOn], ['review', reviewOn]]) {
      if (!on.has(row.rule)) continue;
      if (!perMode[mode].has(round)) perMode[mode].set(round, zero());
      perMode[mode].get(round)[v]++;
    }
  }
}

const cell = (c) => (c ? `${c.t}/${c.d}/${c.f}` : '-');
const sum = (cells) => cells.reduce((a, c) => ({ t: a.t + c.t, d: a.d + c.d, f: a.f + c.f }), zero());
const ratio = (c) => (c.t + c.d + c.f === 0 ? '-' : ((c.t + c.d) / (c.t + c.d + c.f)).toFixed(2));
const setting = (id) => (defaultOn.has(id) ? 'on' : reviewOn.has(id) ? 'diff' : 'off');
console.log(`| rule | default | ${ROUNDS.map(([n]) => `round ${n}`).join(' | ')} | all (t/d/f) | (t+d)/read |`);
console.log(`|---|---|${ROUNDS.map(() => '---').join('|')}|---|---|`);
for (const [rule, byRound] of [...perRule].sort()) {
  const all = sum([...byRound.values()]);
  console.log(`| ${rule} | ${setting(rule)} | ${ROUNDS.map(([n]) => cell(byRound.get(n))).join(' | ')} | ${cell(all)} | ${ratio(all)} |`);
}
for (const mode of ['default', 'review']) {
  const all = sum([...perMode[mode].values()]);
  console.log(`| **${mode} configuration** | | ${ROUNDS.map(([n]) => cell(perMode[mode].get(n))).join(' | ')} | ${cell(all)} | **${ratio(all)}** |`);
}
