/**
 * Syntax trees live in native memory that V8 does not count, so its collector runs too seldom to
 * free them: over a million-line repository the CLI grew past 2.5 GB. Past a soft limit, a full
 * collection runs the trees' finalizers.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const SOFT_LIMIT_BYTES = 512 * 1024 * 1024;

let collect: (() => void) | undefined;

function collector(): () => void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** Collects garbage when the process holds more than the soft limit; call between analysis batches. */
export function releaseNativeMemory(): void {
  if (process.memoryUsage.rss() > SOFT_LIMIT_BYTES) collector()();
}
