import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fork, type ChildProcess } from 'node:child_process';
import type { AnalysisResult, AnalyzeOptions, SourceFile } from '../engine/index.js';

export type AsyncAnalyzer = (files: SourceFile[], options: AnalyzeOptions) => Promise<AnalysisResult>;

interface Pending {
  resolve(result: AnalysisResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: ChildProcess;
  busy: boolean;
  /** The worker has loaded the engine (its startup does not count against a job's deadline). */
  ready: boolean;
}

/** An idle worker must not keep the server process alive; a busy one must, until its answer arrives. */
function idle(slot: Slot, isIdle: boolean): void {
  slot.busy = !isIdle;
  const channel = slot.worker.channel as { ref(): void; unref(): void } | undefined;
  if (isIdle) {
    slot.worker.unref();
    channel?.unref();
  } else {
    slot.worker.ref();
    channel?.ref();
  }
}

/** Wall-clock limit for one job's analysis: a file, or a package's changed files with their siblings (RACECHECK_FILE_TIMEOUT_S). */
export const DEFAULT_FILE_DEADLINE_MS = 20_000;

/**
 * What a job stopped at the deadline reports: nothing found, and that its files timed out. Only the files it
 * reported on are named; context-only files (a package's unchanged siblings) were never to be reviewed.
 */
export function timedOutResult(files: readonly SourceFile[], deadlineMs: number): AnalysisResult {
  return {
    findings: [],
    suppressed: {},
    files: files.filter((f) => !f.contextOnly).map((f) => ({ file: f.path, hasSyntaxErrors: false, elapsedMs: deadlineMs, overBudget: true, timedOut: true })),
  };
}

/**
 * The engine runs in worker processes, one job at a time per worker, so a large pull request's files are
 * analyzed in parallel while the main thread keeps fetching. Workers start at once (warm()) or on first
 * use, and are replaced if they die. A job that runs past the deadline has its worker killed and replaced,
 * and resolves as timed out, so the run names the file instead of hanging. Processes, not threads: terminating a worker thread while
 * it is inside tree-sitter's native code aborts the whole server; killing a process harms only that process.
 */
export class AnalysisPool {
  private readonly workers: Slot[] = [];
  private readonly queue: { files: SourceFile[]; options: AnalyzeOptions; pending: Pending }[] = [];
  private readonly inFlight = new Map<number, { pending: Pending; slot: Slot; files: SourceFile[]; timer: NodeJS.Timeout }>();
  private nextId = 1;
  readonly deadlineMs: number;

  constructor(private readonly script: URL, private readonly size: number, options: { deadlineMs?: number } = {}) {
    this.deadlineMs = options.deadlineMs ?? DEFAULT_FILE_DEADLINE_MS;
  }

  readonly analyze: AsyncAnalyzer = (files, options) =>
    new Promise((resolve, reject) => {
      this.queue.push({ files, options, pending: { resolve, reject } });
      this.pump();
    });

  /** A review has started: workers still warming up stop there, and leave the cores to the review. */
  settle(): void {
    for (const slot of this.workers) if (slot.worker.connected) slot.worker.send({ settle: true });
  }

  /** Starts every worker now, so the first pull request does not wait for processes to load the engine. */
  warm(): void {
    while (this.workers.length < this.size) this.spawn();
  }

  private spawn(): Slot {
    const slot: Slot = { worker: fork(fileURLToPath(this.script), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), busy: false, ready: false };
    idle(slot, true);
    slot.worker.on('message', (msg: { ready?: boolean; id: number; result?: AnalysisResult; error?: string }) => {
      if (msg.ready) {
        slot.ready = true;
        this.pump();
        return;
      }
      const job = this.inFlight.get(msg.id);
      if (!job) return;
      this.inFlight.delete(msg.id);
      clearTimeout(job.timer);
      idle(slot, true);
      if (msg.error !== undefined) job.pending.reject(new Error(msg.error));
      else job.pending.resolve(msg.result!);
      this.pump();
    });
    slot.worker.on('error', (err) => this.retire(slot, err));
    slot.worker.on('exit', (code, signal) => this.retire(slot, new Error(`analysis worker exited with ${code === null ? `signal ${signal}` : `code ${code}`}`)));
    this.workers.push(slot);
    return slot;
  }

  private retire(slot: Slot, err: Error) {
    const index = this.workers.indexOf(slot);
    if (index === -1) return;
    this.workers.splice(index, 1);
    for (const [id, job] of this.inFlight) {
      if (job.slot !== slot) continue;
      this.inFlight.delete(id);
      clearTimeout(job.timer);
      job.pending.reject(err);
    }
    this.pump();
  }

  private timeOut(id: number) {
    const job = this.inFlight.get(id);
    if (!job) return;
    this.inFlight.delete(id);
    const index = this.workers.indexOf(job.slot);
    if (index !== -1) this.workers.splice(index, 1);
    job.slot.worker.kill('SIGKILL');
    job.pending.resolve(timedOutResult(job.files, this.deadlineMs));
    this.pump();
  }

  private pump() {
    while (this.queue.length > 0) {
      const slot = this.workers.find((w) => w.ready && !w.busy);
      if (!slot) {
        // Start workers up to the pool's size; jobs wait until one has loaded the engine.
        let starting = this.workers.filter((w) => !w.ready).length;
        while (this.workers.length < this.size && starting < this.queue.length) {
          this.spawn();
          starting++;
        }
        return;
      }
      const job = this.queue.shift()!;
      const id = this.nextId++;
      idle(slot, false);
      const timer = setTimeout(() => this.timeOut(id), this.deadlineMs);
      timer.unref();
      this.inFlight.set(id, { pending: job.pending, slot, files: job.files, timer });
      slot.worker.send({ id, files: job.files, options: job.options });
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.splice(0).map((w) => {
        if (w.worker.exitCode !== null || w.worker.signalCode !== null) return undefined;
        const exited = new Promise((resolve) => w.worker.once('exit', resolve));
        w.worker.kill('SIGKILL');
        return exited;
      }),
    );
  }
}

/**
 * The pool when running compiled (the worker needs the built .js next to this module) and more than one
 * core is available; RACECHECK_ANALYSIS_WORKERS sets the size (0 = analyze on the main thread, with no
 * hard deadline), RACECHECK_FILE_TIMEOUT_S the deadline per job (a file, or a package with its siblings).
 */
export function defaultAnalysisPool(env = process.env): AnalysisPool | undefined {
  const script = new URL('./analysis-worker.js', import.meta.url);
  const configured = env.RACECHECK_ANALYSIS_WORKERS;
  const size = configured !== undefined && configured !== '' ? Number(configured) : Math.min(4, availableParallelism());
  if (!Number.isInteger(size) || size < 1) return undefined;
  if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return undefined;
  const seconds = Number(env.RACECHECK_FILE_TIMEOUT_S);
  return new AnalysisPool(script, size, { deadlineMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_FILE_DEADLINE_MS });
}
