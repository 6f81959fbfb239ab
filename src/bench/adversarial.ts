/**
 * Adversarial shapes a pull request author can send, timed through the engine one file at a time, and a soak
 * that analyzes the same file many times to show native memory flat (tree-sitter 0.25's childrenForFieldName
 * leaked a native cursor per call, about 1.5 MB per file). Prints a line per shape; exits 1 when a shape
 * takes longer than its target or the soak's RSS grows past its bound.
 *
 *   node dist/bench/adversarial.js
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyze } from '../engine/index.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Below the App's default per-file deadline (20 s), with room for a slower machine. */
const SHAPE_TARGET_S = 10;
const SOAK_FILES = 400;
const SOAK_MAX_GROWTH_MB = 40;

function goroutines(n: number): string {
  let s = 'package p\n\nimport "sync"\n\nfunc F() {\n\tvar wg sync.WaitGroup\n\tvar err error\n\tvar count int\n';
  for (let i = 0; i < n; i++) s += `\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\terr = work(${i})\n\t\tcount++\n\t}()\n`;
  return `${s}\twg.Wait()\n\t_ = err\n}\n\nfunc work(i int) error { return nil }\n`;
}

function elseIf(n: number, branch: (i: number) => string, prelude = ''): string {
  let s = `package p\n\nimport "sync"\n\ntype S struct {\n\tmu sync.Mutex\n\tv  int\n}\n\nfunc (s *S) G(x int) int {\n\tr := 0\n${prelude}\tif x == 0 {\n${branch(0)}`;
  for (let i = 1; i < n; i++) s += `\t} else if x == ${i} {\n${branch(i)}`;
  return `${s}\t}\n\treturn r\n}\n`;
}

function deepNesting(depth: number): string {
  let s = 'package p\n\nimport "sync"\n\nfunc H(x int) int {\n\tvar mu sync.Mutex\n\tr := 0\n';
  for (let i = 0; i < depth; i++) s += `${'\t'.repeat(i + 1)}if x > ${i} {\n`;
  s += `${'\t'.repeat(depth + 1)}go func() { mu.Lock(); r++; mu.Unlock() }()\n`;
  for (let i = depth - 1; i >= 0; i--) s += `${'\t'.repeat(i + 1)}}\n`;
  return `${s}\treturn r\n}\n`;
}

function hugeLiteral(n: number): string {
  let s = 'package p\n\nvar Table = map[string][]int{\n';
  for (let i = 0; i < n; i++) s += `\t"k${i}": {${i}, ${i + 1}, ${i + 2}},\n`;
  return `${s}}\n\nfunc F() {\n\tgo func() { Table["x"] = nil }()\n}\n`;
}

/** Many declarations with named fields and parameters: the calls that used to leak. */
function fieldsAndParams(n: number): string {
  let s = 'package p\n\nimport "sync"\n\ntype S struct {\n\tmu sync.Mutex\n';
  for (let i = 0; i < n; i++) s += `\tf${i}, g${i} int\n`;
  s += '}\n\n';
  for (let i = 0; i < n; i++) s += `func (s *S) M${i}(a, b int, c string) (n int, err error) {\n\ts.mu.Lock()\n\ts.f${i} = a\n\ts.mu.Unlock()\n\tgo func(x, y int) { s.g${i} = x }(a, b)\n\treturn\n}\n\n`;
  return s;
}

const SHAPES: [string, string][] = [
  ['800 goroutines writing shared variables', goroutines(800)],
  ['2,000 goroutines writing shared variables', goroutines(2000)],
  ['2,000-branch else-if chain', elseIf(2000, (i) => `\t\tr = ${i}\n`)],
  ['2,000-branch else-if chain, a goroutine per branch', elseIf(2000, (i) => `\t\tgo func() { r = ${i} }()\n`)],
  ['2,000-branch else-if chain, a lock per branch', elseIf(2000, (i) => `\t\ts.mu.Lock()\n\t\ts.v = ${i}\n\t\ts.mu.Unlock()\n`)],
  ['500-deep nested ifs', deepNesting(500)],
  ['50,000-entry map literal', hugeLiteral(50_000)],
];

let failed = false;
for (const [name, source] of SHAPES) {
  const started = performance.now();
  const result = analyze([{ path: 'shape.go', content: source }], { fileBudgetMs: 600_000 });
  const seconds = (performance.now() - started) / 1000;
  const ok = seconds <= SHAPE_TARGET_S && !result.files[0]!.error;
  if (!ok) failed = true;
  console.log(
    `${ok ? 'ok  ' : 'SLOW'} ${name.padEnd(52)} ${(source.length / 1024).toFixed(0).padStart(5)} KB  ${seconds.toFixed(2).padStart(6)} s  (target ${SHAPE_TARGET_S} s)${result.files[0]!.error ? `  error: ${result.files[0]!.error}` : ''}`,
  );
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
}

// Soak: the same file over and over. Trees are freed by finalizers after a GC, so collect and yield between rounds.
const soakSource = fieldsAndParams(200);
const rssMb = () => process.memoryUsage.rss() / (1024 * 1024);
const rounds = 8;
const samples: number[] = [];
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < SOAK_FILES / rounds; i++) analyze([{ path: 'soak.go', content: soakSource }]);
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  samples.push(rssMb());
}
// The first round warms up (code, parser, allocator pools); growth after it would be a leak.
const growth = samples.at(-1)! - samples[0]!;
const soakOk = growth <= SOAK_MAX_GROWTH_MB;
if (!soakOk) failed = true;
console.log(
  `${soakOk ? 'ok  ' : 'LEAK'} soak: ${SOAK_FILES} analyses of a ${(soakSource.length / 1024).toFixed(0)} KB file, RSS per round ${samples.map((m) => m.toFixed(0)).join(' ')} MB: ` +
    `${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MB after the first round (bound ${SOAK_MAX_GROWTH_MB} MB)`,
);
process.exit(failed ? 1 : 0);
