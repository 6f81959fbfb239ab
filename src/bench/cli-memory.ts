/**
 * The CLI's peak memory over a whole corpus, run as a user runs it (every file, every rule on).
 * Exits 1 when the peak passes the target.
 *
 *   node dist/bench/cli-memory.js [CORPUS_DIR]     (default: Go 1.19's standard library)
 */
import { existsSync } from 'node:fs';
import { runCli } from '../cli/main.js';
import { RULES } from '../engine/index.js';

const DEFAULT_CORPUS = '/usr/share/go-1.19/src';
const TARGET_PEAK_RSS_MB = 1024;

const corpus = process.argv[2] ?? process.env.RACECHECK_BENCH_CORPUS ?? DEFAULT_CORPUS;
if (!existsSync(corpus)) {
  console.error(`bench/cli-memory: no corpus at ${corpus} (apt-get install golang-1.19-src, or pass a directory)`);
  process.exit(2);
}

let findings = 0;
const started = Date.now();
const enableAll = RULES.map((r) => `--enable=${r.id}`);
await runCli([...enableAll, '--format', 'json', '.'], {
  stdout: { write: (text: string) => (findings += (text.match(/"rule":/g) ?? []).length) },
  stderr: { write: () => true },
  cwd: corpus,
});
const peakMb = process.resourceUsage().maxRSS / 1024;
const ok = peakMb <= TARGET_PEAK_RSS_MB;
console.log(`cli-memory: ${corpus}: ${findings} findings in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`  peak RSS ${peakMb.toFixed(0)} MB (target ≤ ${TARGET_PEAK_RSS_MB} MB) ${ok ? 'PASS' : 'FAIL'}`);
process.exit(ok ? 0 : 1);
