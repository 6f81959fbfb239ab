#!/usr/bin/env python3
"""Reproduce the round-7 triage sample from the racecheck JSON outputs (all rules enabled).

Usage: python3 sample-round7.py [/tmp/tri7/all]   (prints the sample as JSON lines; counts on stderr)

Procedure: gather every finding of the 15 JSON files, sort by (name, file, line, rule),
group by rule (rules sorted by name). One generator, random.Random(20261207), for the whole draw.
1. Default-on rules (closure-write, loop-var-capture, mutex-lifetime, package-state,
   parallel-test-state, removed-sync, unjoined-result): every finding if they total <= 45, else
   rng.sample(default_findings, 45) over their findings in sorted order.
2. Every other rule ("diff" = on when reviewing, and "off"): first each rule gets
   min(5, fired) findings (rng.sample within the rule, rules in sorted order; a rule with <= 5
   findings is taken whole and does not advance the generator). Then, if the total read is below
   60, the remaining findings of those rules (sorted) are sampled with
   rng.sample(rest, 60 - total) (all of them if fewer remain).
Round 7: the default-on rules fired 18 times (< 20), so all 18 are read and the top-up in step 2
fills the sample to 60 from the other rules.
"""
import json, os, random, sys

NAMES = ["RxGo", "client-go", "controller-runtime", "fx", "ghostferry", "go-streams", "golang-lru",
         "groupcache", "jaeger-client-go", "kitex", "nats-streaming-server", "pond",
         "rocketmq-client-go", "rpcx", "zk"]
DEFAULT_ON = {"closure-write", "loop-var-capture", "mutex-lifetime", "package-state",
              "parallel-test-state", "removed-sync", "unjoined-result"}
TARGET = 60

def key(f):
    return (f["name"], f["file"], f["line"], f["rule"])

def load(d):
    allf = []
    for name in NAMES:
        with open(os.path.join(d, name + ".json")) as fh:
            data = json.load(fh)
        for f in data["findings"]:
            g = dict(f)
            g["name"] = name
            allf.append(g)
    allf.sort(key=key)
    return allf

def sample(allf):
    rng = random.Random(20261207)
    by_rule = {}
    for f in allf:
        by_rule.setdefault(f["rule"], []).append(f)
    dflt = [f for f in allf if f["rule"] in DEFAULT_ON]
    out = list(dflt) if len(dflt) <= 45 else rng.sample(dflt, 45)
    chosen = set(map(key, out))
    for rule in sorted(r for r in by_rule if r not in DEFAULT_ON):
        lst = by_rule[rule]
        pick = lst if len(lst) <= 5 else rng.sample(lst, 5)
        out.extend(pick)
        chosen.update(map(key, pick))
    if len(out) < TARGET:
        rest = [f for f in allf if f["rule"] not in DEFAULT_ON and key(f) not in chosen]
        n = min(TARGET - len(out), len(rest))
        out.extend(rng.sample(rest, n))
    out.sort(key=key)
    return by_rule, out

if __name__ == "__main__":
    d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tri7/all"
    allf = load(d)
    by_rule, out = sample(allf)
    print(json.dumps({r: len(v) for r, v in sorted(by_rule.items())}), "read", len(out), file=sys.stderr)
    for f in out:
        print(json.dumps({k: f.get(k) for k in ("name", "file", "line", "rule", "message", "related")}))
