/**
 * File contents keyed by git blob sha, shared by every run in the process: a push that changes one file
 * re-fetches only that file. A blob sha names immutable content, so entries never go stale.
 */
export class BlobCache {
  private readonly entries = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  get(sha: string): string | undefined {
    const content = this.entries.get(sha);
    if (content === undefined) return undefined;
    // Re-insert so Map order doubles as recency order.
    this.entries.delete(sha);
    this.entries.set(sha, content);
    return content;
  }

  set(sha: string, content: string): void {
    if (content.length > this.maxBytes) return;
    const old = this.entries.get(sha);
    if (old !== undefined) {
      this.bytes -= old.length;
      this.entries.delete(sha);
    }
    this.entries.set(sha, content);
    this.bytes += content.length;
    for (const [key, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= value.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
