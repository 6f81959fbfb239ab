/** The worker pool's bookkeeping, with a stand-in worker script (the real one needs the compiled engine). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AnalysisPool, defaultAnalysisPool } from '../../src/app/analysis-pool.js';

const dir = mkdtempSync(join(tmpdir(), 'racecheck-pool-'));
const script = join(dir, 'worker.mjs');
// Echoes one finding per file after a short delay; "crash.go" kills the worker, "throw.go" reports an error.
writeFileSync(
  script,
  `import { parentPort, threadId } from 'node:worker_threads';
parentPort.on('message', async ({ id, files }) => {
  if (files[0].path === 'crash.go') process.exit(3);
  if (files[0].path === 'throw.go') return parentPort.postMessage({ id, error: 'engine failed' });
  await new Promise((r) => setTimeout(r, 50));
  parentPort.postMessage({ id, result: { findings: files.map((f) => ({ file: f.path, message: String(threadId) })), suppressed: {}, files: [] } });
});`,
);

test('runs jobs in parallel up to its size and answers each caller', async () => {
  const pool = new AnalysisPool(pathToFileURL(script), 2);
  try {
    const results = await Promise.all(['a.go', 'b.go', 'c.go', 'd.go'].map((path) => pool.analyze([{ path, content: '' }], {})));
    expect(results.map((r) => r.findings[0]!.file)).toEqual(['a.go', 'b.go', 'c.go', 'd.go']);
    expect(new Set(results.map((r) => r.findings[0]!.message)).size).toBe(2);
  } finally {
    await pool.close();
  }
});

test('an engine error rejects that job only; a dead worker is replaced', async () => {
  const pool = new AnalysisPool(pathToFileURL(script), 1);
  try {
    await expect(pool.analyze([{ path: 'throw.go', content: '' }], {})).rejects.toThrow('engine failed');
    await expect(pool.analyze([{ path: 'crash.go', content: '' }], {})).rejects.toThrow('exited with code 3');
    const after = await pool.analyze([{ path: 'ok.go', content: '' }], {});
    expect(after.findings[0]!.file).toBe('ok.go');
  } finally {
    await pool.close();
  }
});

test('no pool without a compiled worker or when set to 0', () => {
  // Under ts-jest the module is TypeScript, so there is no analysis-worker.js next to it.
  expect(defaultAnalysisPool({})).toBeUndefined();
  expect(defaultAnalysisPool({ RACECHECK_ANALYSIS_WORKERS: '0' })).toBeUndefined();
});
