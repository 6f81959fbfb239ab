#!/usr/bin/env python3
"""Reproduce the round-4 triage sample from the racecheck JSON outputs.

Usage: python3 sample-round4.py [/tmp/tri4/out]   (prints the sample as JSON lines; counts on stderr)

Procedure: gather every finding of the 12 JSON files, sort by (name, file, line, rule),
group by rule (rules sorted by name). With random.Random(20261204): for every rule, read all
if it has <= 10 findings (these do not advance the generator); otherwise rng.sample(list, k)
with k = 12 for closure-write and unguarded-field, 10 for every other rule.
One generator for the whole draw, rules visited in sorted order.
"""
import json, os, random, sys

NAMES = ["ants", "dragonboat", "fasthttp", "gnet", "go-libp2p", "nats.go", "pebble",
         "protoactor-go", "quic-go", "ristretto", "watermill", "yamux"]
K = {"closure-write": 12, "unguarded-field": 12}

def load(d):
    allf = []
    for name in NAMES:
        with open(os.path.join(d, name + ".json")) as fh:
            data = json.load(fh)
        for f in data["findings"]:
            g = dict(f)
            g["name"] = name
            allf.append(g)
    allf.sort(key=lambda f: (f["name"], f["file"], f["line"], f["rule"]))
    return allf

def sample(allf):
    rng = random.Random(20261204)
    by_rule = {}
    for f in allf:
        by_rule.setdefault(f["rule"], []).append(f)
    out = []
    for rule in sorted(by_rule):
        lst = by_rule[rule]
        if len(lst) <= 10:
            out.extend(lst)
        else:
            out.extend(rng.sample(lst, K.get(rule, 10)))
    return by_rule, out

if __name__ == "__main__":
    d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tri4/out"
    allf = load(d)
    by_rule, out = sample(allf)
    print(json.dumps({r: len(v) for r, v in sorted(by_rule.items())}), file=sys.stderr)
    for f in out:
        print(json.dumps({k: f.get(k) for k in ("name", "file", "line", "rule", "message", "related")}))
