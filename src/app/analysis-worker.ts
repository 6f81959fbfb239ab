/** Worker process body: runs the engine on files the pool sends, so analysis uses more than one core. */
import { analyze, type AnalyzeOptions, type SourceFile } from '../engine/index.js';
import { warmUp } from './warm-up.js';

// 24 rounds take ~1.4 s on the bench machine; at 12 the App bench's first review still ran on
// half-compiled code (1.86–2.0 s against its 2 s target, 1.48–1.58 s at 24).
const WARM_UP_ROUNDS = 24;

export interface AnalysisJob {
  id: number;
  files: SourceFile[];
  options: AnalyzeOptions;
}

/** Answers the pool; once the server is gone (it exited while this worker warmed up or worked) nobody is left to answer. */
function reply(message: object): void {
  if (process.connected) process.send!(message, undefined, {}, () => {});
}

/** Set when a review starts (the pool's settle) or the first job comes: the warm-up stops, and the jobs compile what it had left. */
let working = false;

process.on('message', (message: AnalysisJob | { settle: true }) => {
  working = true;
  if ('settle' in message) return;
  const job = message;
  try {
    reply({ id: job.id, result: analyze(job.files, job.options) });
  } catch (err) {
    reply({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
// The server is gone: nothing will read an answer.
process.on('disconnect', () => process.exit(0));

// The engine is loaded: the pool starts a job's deadline from here on.
reply({ ready: true });

// The engine's hot paths compiled before the first review (see warm-up.ts), a round at a time: on two
// cores two workers warm up together in ~2.5 s, and a review that starts sooner stops them after the
// round they are in (a tenth of a second), so its fetches and jobs get the cores; its jobs compile the rest.
let round = 0;
const warmUpStep = (): void => {
  if (working || round >= WARM_UP_ROUNDS || !process.connected) return;
  warmUp(1, round++);
  setImmediate(warmUpStep);
};
warmUpStep();
