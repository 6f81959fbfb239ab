/** Progress and the closing summary for people at a terminal; nothing extra for pipes and CI logs. */
import { Progress, progressFor } from '../../src/cli/progress.js';
import { CLEAN_GO, RACY_GO, cli, makeTree, removeTrees } from './helpers.js';

afterAll(removeTrees);

/** A fake terminal stream that records what was written. */
function fakeTTY(isTTY = true) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } };
}

/** A clock that advances `stepMs` every time it is read. */
function steppingClock(stepMs: number) {
  let t = 0;
  return () => (t += stepMs);
}

describe('Progress', () => {
  test('waits out the delay, throttles redraws, and clears its line at the end', () => {
    let now = 0;
    const { writes, stream } = fakeTTY();
    const progress = new Progress(stream, 4086, { now: () => now, delayMs: 500, intervalMs: 100 });
    now = 200;
    progress.update(50); // before the delay: a quick run shows nothing
    expect(writes).toEqual([]);
    now = 600;
    progress.update(120);
    now = 650;
    progress.update(170); // within the interval
    now = 750;
    progress.update(220);
    progress.finish();
    expect(writes).toEqual(['\r\u001b[K[120/4086] analyzing…', '\r\u001b[K[220/4086] analyzing…', '\r\u001b[K']);
  });

  test('a run that never drew does not clear anything', () => {
    const { writes, stream } = fakeTTY();
    const progress = new Progress(stream, 10, { now: () => 0 });
    progress.update(10);
    progress.finish();
    expect(writes).toEqual([]);
  });

  test('is silent when the stream is not a TTY', () => {
    const { writes, stream } = fakeTTY(false);
    const progress = progressFor(stream, 10, { now: steppingClock(1000) });
    progress.update(5);
    progress.finish();
    expect(writes).toEqual([]);
  });
});

describe('racecheck at a terminal', () => {
  // More files than one analysis batch (about 50, never splitting a package's directory), so
  // progress is reported between batches: here after 30, 60, 90 and 121 files.
  const manyFiles = () => {
    const files: Record<string, string> = { 'racy.go': RACY_GO };
    for (let i = 0; i < 120; i++) files[`pkg${i % 4}/f${i}.go`] = CLEAN_GO;
    return makeTree(files);
  };

  test('shows [done/total] progress on a TTY stderr, cleared before the report ends', async () => {
    const root = manyFiles();
    const run = await cli(['.'], root, { stderrIsTTY: true, now: steppingClock(1000) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('\r\u001b[K[30/121] analyzing…');
    expect(run.stderr).toContain('[90/121] analyzing…');
    expect(run.stderr.endsWith('\r\u001b[K')).toBe(true);
    // The summary line closes the text report.
    expect(run.stdout).toMatch(/\nracecheck: 2 findings \(closure-write 2\) in 121 files, 0 suppressed, \d+\.\d\ds\n$/);
  });

  test('prints no progress when stderr is not a TTY', async () => {
    const root = manyFiles();
    const run = await cli(['.'], root, { stderrIsTTY: false, now: steppingClock(1000) });
    expect(run.stderr).toBe('');
  });

  test('json and sarif keep stdout machine-readable and put the summary on a TTY stderr', async () => {
    const root = makeTree({ 'racy.go': RACY_GO });
    for (const format of ['json', 'sarif']) {
      const run = await cli(['--format', format, '.'], root, { stderrIsTTY: true });
      expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
      expect(run.stderr).toMatch(/^racecheck: 2 findings \(closure-write 2\) in 1 file, 0 suppressed, \d+\.\d\ds\n$/);
      expect((await cli(['--format', format, '.'], root, { stderrIsTTY: false })).stderr).toBe('');
    }
  });

  test('colour follows the TTY, NO_COLOR (when non-empty) and TERM=dumb', async () => {
    const root = makeTree({ 'racy.go': RACY_GO });
    const colored = async (env: Record<string, string>) => (await cli(['racy.go'], root, { isTTY: true, env })).stdout.includes('\u001b[');
    expect(await colored({})).toBe(true);
    expect(await colored({ NO_COLOR: '1' })).toBe(false);
    expect(await colored({ NO_COLOR: '' })).toBe(true); // no-color.org: only a non-empty value disables
    expect(await colored({ TERM: 'dumb' })).toBe(false);
    expect((await cli(['racy.go'], root, { isTTY: false })).stdout.includes('\u001b[')).toBe(false);
  });
});
