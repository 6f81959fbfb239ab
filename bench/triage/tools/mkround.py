# python3 mkround.py ROUND BUILD VERDICTS LISTS(comma) ALLDIRS(comma) SEEDNOTE > README-roundN.md ; writes findings-roundN.tsv
import json, sys, os, collections
rnd, build, verdicts, lists, alldirs, sampled = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(','), sys.argv[5].split(','), sys.argv[6]
# The rules on by default in whole-repository runs of the build under test; DEFAULT_RULES overrides
# (comma-separated): test-closure-write is on only when reviewing changes since session 38.
D = os.environ.get("DEFAULT_RULES", "closure-write,loop-var-capture,mutex-lifetime,package-state,parallel-test-state,removed-sync,unjoined-result,sibling-field-write,reassigned-capture").split(",")
repos = []
for l in lists:
    rows = [r.split('\t') for r in open(l).read().strip().split('\n')[1:]]
    repos += rows
counts = {}; rules = set()
for r in repos:
    owner, name = r[0].split('/')
    f = None
    # A folder takes owner-name when another repository of the corpus has the same name.
    for d in alldirs:
        for n in (name, f'{owner}-{name}'):
            if os.path.exists(f'{d}/{n}.json'): f = f'{d}/{n}.json'
    c = collections.Counter(x['rule'] for x in json.load(open(f))['findings']) if f else collections.Counter()
    counts[r[0]] = c; rules |= set(c)
rules = sorted(rules)
V = [l.split('\t') for l in open(verdicts).read().strip().split('\n')]
hdr, rows = V[0], V[1:]
out = f'/work/main/bench/triage/findings-round{rnd}.tsv'
open(out, 'w').write('\n'.join('\t'.join(x) for x in V) + '\n')
lines = sum(int(r[2]) for r in repos)
ndef = sum(counts[r[0]][x] for r in repos for x in D)
p = print
p(f'# racecheck precision triage, round {rnd} (independent, fresh corpus)\n')
p(f'**Build under test:** racecheck commit **{build}**, run from inside each exported tree, `--format json`, every rule enabled. The default configuration is the subset of those findings from the rules on by default.\n')
readdef = sum(1 for r in rows if r[4] in D)
p(f'**Verdicts:** `findings-round{rnd}.tsv` ({len(rows)} rows: {readdef} of the {ndef} default findings, and {len(rows)-readdef} of the other rules). **Sample:** {sampled}.')
p('**Who judged:** helper sessions new to the engine and to earlier rounds, with round 8\'s brief (verdict meanings as there; rewritten in session 29, whose machine had lost the old copy), reading only the rules\' docs pages; each got whole repositories.\n')
p('## Corpus\n')
p(f'{len(repos)} repositories no earlier corpus read (none of the held-out projects), gathered by helpers from the search tool\'s repository index (owners split by letter), exported at their mirror\'s HEAD, `.go` and `go.mod` files only, `vendor/` deleted: {lines/1e6:.2f} M lines of Go outside `vendor/` and `testdata/`.\n')
p('| repo | commit | Go lines | files | ' + ' | '.join(rules) + ' | total | default |')
p('|---|---|---|---|' + '---|' * len(rules) + '---|---|')
tot = collections.Counter()
for r in repos:
    c = counts[r[0]]; tot.update(c)
    p(f'| {r[0]} | {r[1]} | {r[2]} | {r[3]} | ' + ' | '.join(str(c[x]) for x in rules) + f' | {sum(c.values())} | {sum(c[x] for x in D)} |')
p(f'| **total** | | {lines} | | ' + ' | '.join(str(tot[x]) for x in rules) + f' | {sum(tot.values())} | {ndef} |\n')
p('## Verdicts\n')
p('| rule | read | true | debatable | false | default |')
p('|---|---|---|---|---|---|')
by = collections.defaultdict(collections.Counter)
for r in rows: by[r[4]][r[5]] += 1
for rule in sorted(by, key=lambda x: (x not in D, x)):
    c = by[rule]
    p(f'| {rule} | {sum(c.values())} | {c["true"]} | {c["debatable"]} | {c["false"]} | {"on" if rule in D else "off"} |')
good = sum(1 for r in rows if r[4] in D and r[5] != 'false')
p(f'\n- **Default configuration: {good}/{readdef}**.\n')
p('## False findings of the default rules\n')
fl = [r for r in rows if r[4] in D and r[5] == 'false']
for r in fl: p(f'- {r[0]} `{r[2]}:{r[3]}` ({r[4]}): {r[6]}')
if not fl: p('None.')
