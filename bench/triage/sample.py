#!/usr/bin/env python3
"""Draw a triage sample from racecheck JSON outputs (one file per repository, all rules enabled).

Usage: python3 sample.py DIR SEED [DEFAULT_ON]   (prints the sample as JSON lines; counts on stderr)
  DIR         a directory of <name>.json files from `racecheck --format json --enable <every rule> .`
  SEED        the integer that seeds the draw (each round records its own)
  DEFAULT_ON  comma-separated ids of the rules on by default in the build under test
              (default: those of rounds 8 on)

Rounds 6 on are drawn with this script (same output as the copies rounds 6 and 7 first used); rounds
2-5 keep their own (sample-roundN.py), an earlier form of the same procedure.

Procedure: gather every finding, sort by (name, file, line, rule), group by rule (rules sorted by
name). One generator, random.Random(SEED), for the whole draw.
1. Default-on rules: every finding if they total <= 45, else rng.sample(default_findings, 45).
2. Every other rule: first min(5, fired) findings each (rng.sample within the rule, rules in sorted
   order; a rule with <= 5 findings is taken whole and does not advance the generator). Then, while
   the total read is below 60, the remaining findings of those rules (sorted) are sampled with
   rng.sample(rest, 60 - total) (all of them if fewer remain).
"""
import json, os, random, sys

DEFAULT_ON = {"closure-write", "loop-var-capture", "mutex-lifetime", "package-state",
              "parallel-test-state", "removed-sync", "unjoined-result"}
DEFAULT_CAP = 45
TARGET = 60


def key(f):
    return (f["name"], f["file"], f["line"], f["rule"])


def load(d):
    allf = []
    for entry in sorted(os.listdir(d)):
        if not entry.endswith(".json"):
            continue
        with open(os.path.join(d, entry)) as fh:
            data = json.load(fh)
        for f in data["findings"]:
            g = dict(f)
            g["name"] = entry[: -len(".json")]
            allf.append(g)
    allf.sort(key=key)
    return allf


def sample(allf, seed, default_on):
    rng = random.Random(seed)
    by_rule = {}
    for f in allf:
        by_rule.setdefault(f["rule"], []).append(f)
    dflt = [f for f in allf if f["rule"] in default_on]
    out = list(dflt) if len(dflt) <= DEFAULT_CAP else rng.sample(dflt, DEFAULT_CAP)
    chosen = set(map(key, out))
    for rule in sorted(r for r in by_rule if r not in default_on):
        lst = by_rule[rule]
        pick = lst if len(lst) <= 5 else rng.sample(lst, 5)
        out.extend(pick)
        chosen.update(map(key, pick))
    if len(out) < TARGET:
        rest = [f for f in allf if f["rule"] not in default_on and key(f) not in chosen]
        out.extend(rng.sample(rest, min(TARGET - len(out), len(rest))))
    out.sort(key=key)
    return by_rule, out


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: sample.py DIR SEED [DEFAULT_ON]")
    default_on = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else DEFAULT_ON
    allf = load(sys.argv[1])
    by_rule, out = sample(allf, int(sys.argv[2]), default_on)
    print(json.dumps({r: len(v) for r, v in sorted(by_rule.items())}), "read", len(out), file=sys.stderr)
    for f in out:
        print(json.dumps({k: f.get(k) for k in ("name", "file", "line", "rule", "message", "related")}))
