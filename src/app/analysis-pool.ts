import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalysisResult, AnalyzeOptions, SourceFile } from '../engine/index.js';

export type AsyncAnalyzer = (files: SourceFile[], options: AnalyzeOptions) => Promise<AnalysisResult>;

interface Pending {
  resolve(result: AnalysisResult): void;
  reject(err: Error): void;
}

/**
 * Engine runs on worker threads, one job at a time per worker, so a large pull request's files are analyzed
 * in parallel while the main thread keeps fetching. Workers start on first use and are replaced if they die.
 */
export class AnalysisPool {
  private readonly workers: { worker: Worker; busy: boolean }[] = [];
  private readonly queue: { files: SourceFile[]; options: AnalyzeOptions; pending: Pending }[] = [];
  private readonly inFlight = new Map<number, { pending: Pending; slot: { worker: Worker; busy: boolean } }>();
  private nextId = 1;

  constructor(private readonly script: URL, private readonly size: number) {}

  readonly analyze: AsyncAnalyzer = (files, options) =>
    new Promise((resolve, reject) => {
      this.queue.push({ files, options, pending: { resolve, reject } });
      this.pump();
    });

  private spawn() {
    const slot = { worker: new Worker(this.script), busy: false };
    slot.worker.unref(); // an idle pool must not keep the process alive
    slot.worker.on('message', (msg: { id: number; result?: AnalysisResult; error?: string }) => {
      const job = this.inFlight.get(msg.id);
      if (!job) return;
      this.inFlight.delete(msg.id);
      slot.busy = false;
      if (msg.error !== undefined) job.pending.reject(new Error(msg.error));
      else job.pending.resolve(msg.result!);
      this.pump();
    });
    slot.worker.on('error', (err) => this.retire(slot, err));
    slot.worker.on('exit', (code) => this.retire(slot, new Error(`analysis worker exited with code ${code}`)));
    this.workers.push(slot);
    return slot;
  }

  private retire(slot: { worker: Worker; busy: boolean }, err: Error) {
    const index = this.workers.indexOf(slot);
    if (index === -1) return;
    this.workers.splice(index, 1);
    for (const [id, job] of this.inFlight) {
      if (job.slot !== slot) continue;
      this.inFlight.delete(id);
      job.pending.reject(err);
    }
    this.pump();
  }

  private pump() {
    while (this.queue.length > 0) {
      const slot = this.workers.find((w) => !w.busy) ?? (this.workers.length < this.size ? this.spawn() : undefined);
      if (!slot) return;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = true;
      this.inFlight.set(id, { pending: job.pending, slot });
      slot.worker.postMessage({ id, files: job.files, options: job.options });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.worker.terminate()));
  }
}

/**
 * The pool when running compiled (the worker needs the built .js next to this module) and more than one
 * core is available; RACECHECK_ANALYSIS_WORKERS sets the size (0 = analyze on the main thread).
 */
export function defaultAnalysisPool(env = process.env): AnalysisPool | undefined {
  const script = new URL('./analysis-worker.js', import.meta.url);
  const configured = env.RACECHECK_ANALYSIS_WORKERS;
  const size = configured !== undefined && configured !== '' ? Number(configured) : Math.min(4, availableParallelism());
  if (!Number.isInteger(size) || size < 1) return undefined;
  if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return undefined;
  return new AnalysisPool(script, size);
}
