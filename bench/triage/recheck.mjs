#!/usr/bin/env node
// Re-scores the hand triage against a newer build: which triaged findings the build still reports.
//   node bench/triage/recheck.mjs RESULTS_DIR [TRIAGE_TSV]   (default findings.tsv; round 2: findings-round2.tsv)
// RESULTS_DIR holds one `racecheck --format json` output per repository, named after the last part
// of the repository's name (etcd.json, grpc-go.json, …), run over the commits listed in README.md.
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: recheck.mjs RESULTS_DIR');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const [header, ...lines] = readFileSync(join(here, process.argv[3] ?? 'findings.tsv'), 'utf8').trim().split('\n');
const cols = header.split('\t');
const rows = lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
const reported = new Map();
for (const repo of new Set(rows.map((r) => r.repo))) {
  const file = join(dir, `${repo.split('/')[1]}.json`);
  if (!existsSync(file)) continue;
  const { findings } = JSON.parse(readFileSync(file, 'utf8'));
  reported.set(repo, new Set(findings.map((f) => `${f.file.replace(/^\.\//, '')}:${f.line}:${f.rule}`)));
}
const per = new Map();
for (const r of rows) {
  const seen = reported.get(r.repo);
  if (!seen) continue;
  const kept = seen.has(`${r.file.replace(/^\.\//, '')}:${r.line}:${r.rule}`);
  const c = per.get(r.rule) ?? { kept: { true: 0, debatable: 0, false: 0 }, dropped: { true: 0, debatable: 0, false: 0 } };
  c[kept ? 'kept' : 'dropped'][r.verdict]++;
  per.set(r.rule, c);
}
let good = 0;
let all = 0;
console.log('rule                   still reported (true/debatable/false)   no longer reported (true/debatable/false)');
for (const [rule, c] of [...per].sort()) {
  console.log(`${rule.padEnd(22)} ${`${c.kept.true}/${c.kept.debatable}/${c.kept.false}`.padEnd(40)} ${c.dropped.true}/${c.dropped.debatable}/${c.dropped.false}`);
  good += c.kept.true + c.kept.debatable;
  all += c.kept.true + c.kept.debatable + c.kept.false;
}
console.log(`still reported: ${all}, true or debatable ${good} (${Math.round((100 * good) / Math.max(all, 1))}%)`);
