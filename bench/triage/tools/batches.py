# python3 batches.py ROUND N CORPUSGLOB...: split sampleROUND.jsonl by repository into N batches rROUND-batchI.jsonl
import json, sys, glob, os, collections
rnd, n = sys.argv[1], int(sys.argv[2])
roots = {}
for pat in sys.argv[3:]:
    for d in glob.glob(pat):
        roots[os.path.basename(d.rstrip('/'))] = os.path.abspath(d)
rows = [json.loads(l) for l in open(f'sample{rnd}.jsonl')]
by = collections.OrderedDict()
for r in rows:
    r['root'] = roots[r['name']]
    by.setdefault(r['name'], []).append(r)
batches = [[] for _ in range(n)]
for name, rs in sorted(by.items(), key=lambda kv: -len(kv[1])):
    min(batches, key=len).extend(rs)
for i, b in enumerate(batches, 1):
    b.sort(key=lambda r: (r['name'], r['file'], r['line'], r['rule']))
    with open(f'r{rnd}-batch{i}.jsonl', 'w') as f:
        for r in b: f.write(json.dumps(r) + '\n')
    print(i, len(b), sorted({r['name'] for r in b}))
