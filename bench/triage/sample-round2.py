#!/usr/bin/env python3
"""Reproduce the round-2 triage sample from the racecheck JSON outputs.

Usage: python3 sample-round2.py [/tmp/tri5]   (prints the sample as JSON lines)

Procedure: gather every finding of the 22 JSON files, sort by (name, file, line, rule),
group by rule (rules sorted by name). With random.Random(20261204): for each rule other
than unguarded-field, read all if it has <= 10 findings, else rng.sample(list, 20) for
closure-write and rng.sample(list, 15) for any other rule (capped at the list length).
Then, with the same generator continuing, rng.sample(unguarded_field_list, 20).
"""
import glob, json, os, random, sys

NAMES = ["caddy", "containerd", "etcd", "grpc-go", "memberlist", "nomad", "prometheus",
         "serf", "traefik", "jaeger", "go-ethereum", "loki", "raft", "nsq", "badger", "kit",
         "coredns", "tailscale", "pgx", "opentelemetry-collector", "temporal", "go-redis"]

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
        if rule == "unguarded-field":
            continue
        lst = by_rule[rule]
        if len(lst) <= 10:
            out.extend(lst)
        else:
            k = 20 if rule == "closure-write" else 15
            out.extend(rng.sample(lst, min(k, len(lst))))
    ug = by_rule.get("unguarded-field", [])
    out.extend(rng.sample(ug, min(20, len(ug))))
    return by_rule, out

if __name__ == "__main__":
    d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tri5"
    allf = load(d)
    by_rule, out = sample(allf)
    print(json.dumps({r: len(v) for r, v in sorted(by_rule.items())}), file=sys.stderr)
    for f in out:
        print(json.dumps({k: f[k] for k in ("name", "file", "line", "rule", "message", "related")}))
