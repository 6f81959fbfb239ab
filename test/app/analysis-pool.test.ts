/** The worker pool's bookkeeping, with a stand-in worker script (the real one needs the compiled engine). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AnalysisPool, defaultAnalysisPool } from '../../src/app/analysis-pool.js';

const dir = mkdtempSync(join(tmpdir(), 'racecheck-pool-'));
const script = join(dir, 'worker.mjs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Echoes one finding per file after half a second (longer than a worker takes to start); "crash.go" kills the worker, "throw.go" reports an error,
// "spin.go" never returns (a synchronous loop, as a pathological file would make the engine).
writeFileSync(
  script,
  `process.send({ ready: true });
process.on('disconnect', () => process.exit(0));
process.on('message', async ({ id, files }) => {
  if (files[0].path === 'crash.go') process.exit(3);
  if (files[0].path === 'spin.go') for (;;);
  if (files[0].path === 'throw.go') return process.send({ id, error: 'engine failed' });
  await new Promise((r) => setTimeout(r, 500));
  process.send({ id, result: { findings: files.map((f) => ({ file: f.path, message: String(process.pid) })), suppressed: {}, files: [] } });
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

test('a job past the deadline resolves as timed out; its worker is terminated and replaced, and the other jobs finish', async () => {
  const pool = new AnalysisPool(pathToFileURL(script), 2, { deadlineMs: 1500 });
  try {
    const started = Date.now();
    const [spin, ...others] = await Promise.all(['spin.go', 'a.go', 'b.go', 'c.go'].map((path) => pool.analyze([{ path, content: '' }], {})));
    expect(Date.now() - started).toBeLessThan(8000);
    expect(spin!.files).toEqual([{ file: 'spin.go', hasSyntaxErrors: false, elapsedMs: 1500, overBudget: true, timedOut: true }]);
    expect(spin!.findings).toEqual([]);
    expect(others.map((r) => r.findings[0]!.file)).toEqual(['a.go', 'b.go', 'c.go']);
    // The replacement worker serves the next job.
    expect((await pool.analyze([{ path: 'd.go', content: '' }], {})).findings[0]!.file).toBe('d.go');
  } finally {
    await pool.close();
  }
});

test('no pool without a compiled worker or when set to 0', () => {
  // Under ts-jest the module is TypeScript, so there is no analysis-worker.js next to it.
  expect(defaultAnalysisPool({})).toBeUndefined();
  expect(defaultAnalysisPool({ RACECHECK_ANALYSIS_WORKERS: '0' })).toBeUndefined();
});

test('the compiled worker applies models sent with the job: they cross the process boundary as plain data', async () => {
  // dist/ is built by `npm ci` (prepare) or `npm run build`.
  const worker = new URL('../../dist/app/analysis-worker.js', import.meta.url);
  const pool = new AnalysisPool(worker, 1);
  const content = `package service

import "example.com/service/workers"

func Total(p *workers.Pool, xs []int) int {
	total := 0
	for _, x := range xs {
		p.Submit(func() { total += x })
	}
	p.Wait()
	return total
}
`;
  try {
    const files = [{ path: 'total.go', content }];
    const without = await pool.analyze(files, { scope: 'all' });
    const withModel = await pool.analyze(files, { scope: 'all', models: [{ func: 'example.com/service/workers.Pool.Submit', callbacks: { '0': 'concurrent' } }] });
    expect(without.findings).toEqual([]);
    expect(withModel.findings.map((f) => [f.rule, f.line])).toEqual([['closure-write', 8]]);
  } finally {
    await pool.close();
  }
});

test('settle reaches every started worker, so those still warming up stop when a review begins', async () => {
  const marks = join(dir, 'settled.txt');
  const settling = join(dir, 'settling-worker.mjs');
  writeFileSync(
    settling,
    `import { appendFileSync } from 'node:fs';
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => { if (m.settle) appendFileSync(${JSON.stringify(marks)}, process.pid + '\\n'); });
process.send({ ready: true });`,
  );
  writeFileSync(marks, '');
  const pool = new AnalysisPool(pathToFileURL(settling), 2);
  try {
    pool.warm();
    pool.settle();
    let pids: string[] = [];
    for (let i = 0; i < 100 && pids.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      pids = readFileSync(marks, 'utf8').split('\n').filter(Boolean);
    }
    expect(new Set(pids).size).toBe(2);
  } finally {
    await pool.close();
  }
});
