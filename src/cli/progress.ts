/** A one-line "[done/total] analyzing…" counter on a terminal's stderr, for runs long enough to wonder about. */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  now?: () => number;
  /** Nothing is drawn before this much time has passed, so quick runs print no progress at all. */
  delayMs?: number;
  /** Minimum time between redraws. */
  intervalMs?: number;
}

const CLEAR_LINE = '\r\u001b[K';

export class Progress {
  private readonly now: () => number;
  private readonly started: number;
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    options: ProgressOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
    this.delayMs = options.delayMs ?? 500;
    this.intervalMs = options.intervalMs ?? 100;
  }

  update(done: number): void {
    const now = this.now();
    if (now - this.started < this.delayMs || now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.drawn = true;
    this.stream.write(`${CLEAR_LINE}[${done}/${this.total}] analyzing…`);
  }

  /** Erases the counter so the report starts on a clean line. */
  finish(): void {
    if (this.drawn) this.stream.write(CLEAR_LINE);
    this.drawn = false;
  }
}

/** A Progress on a TTY; elsewhere (pipes, CI logs) one that never writes. */
export function progressFor(stream: ProgressStream, total: number, options: ProgressOptions = {}): Progress {
  return new Progress(stream.isTTY === true ? stream : { write: () => undefined }, total, options);
}
