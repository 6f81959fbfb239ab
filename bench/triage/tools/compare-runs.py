import json,sys,os
a,b=sys.argv[1],sys.argv[2]
D={"closure-write","loop-var-capture","mutex-lifetime","package-state","parallel-test-state","removed-sync","unjoined-result","sibling-field-write","reassigned-capture","test-closure-write"}
for f in sorted(os.listdir(b)):
    if not f.endswith('.json') or not os.path.exists(os.path.join(a,f)): continue
    try: A=json.load(open(os.path.join(a,f)))['findings']; B=json.load(open(os.path.join(b,f)))['findings']
    except Exception as e: print('ERR',f,e); continue
    # The variable too: two findings of one rule may share a line (`node, err = …`).
    k=lambda x:(x['file'],x['line'],x['rule'],(x['message'].split('`')[1:2] or [''])[0])
    ka={k(x):x for x in A}; kb={k(x):x for x in B}
    for x in sorted(set(ka)-set(kb)): print('GONE',f[:-5],x, ('D' if x[2] in D else ''))
    for x in sorted(set(kb)-set(ka)): print('NEW ',f[:-5],x, ('D' if x[2] in D else ''), kb[x]['message'][:200])
