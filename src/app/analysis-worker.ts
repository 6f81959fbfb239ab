/** Worker thread body: runs the engine on files the pool sends, so analysis uses more than one core. */
import { parentPort } from 'node:worker_threads';
import { analyze, type AnalyzeOptions, type SourceFile } from '../engine/index.js';

export interface AnalysisJob {
  id: number;
  files: SourceFile[];
  options: AnalyzeOptions;
}

parentPort?.on('message', (job: AnalysisJob) => {
  try {
    parentPort!.postMessage({ id: job.id, result: analyze(job.files, job.options) });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
