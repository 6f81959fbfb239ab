/**
 * Methods that take or release a lock for their caller: `func (c *cache) lock() { c.mu.Lock() }`
 * leaves `c.mu` held when it returns, `func (c *cache) unlock() { c.mu.Unlock() }` releases it. A
 * call of either stands for the Lock or Unlock it makes, on the caller's value (`c.lock()` locks
 * `c.mu`). A lock the method finds by its arguments (`tl := h.locks[id]; …; tl.Lock()`) is named
 * by the receiver and the arguments instead: `h.lockID(id)` … `h.unlockID(id)`.
 *
 * Read from the body's text (a skeleton may have left the body out of the tree), line by line: a
 * helper is a few lines, and anything less plain is not taken for one.
 */
import { withoutComments } from './go-text.js';

export interface LockHelper {
  /** Takes the lock (true) or releases one it did not take (false). */
  locks: boolean;
  /** The lock's path from the receiver (`mu` for `c.mu`); undefined for a lock found by the arguments. */
  path?: string;
}

const LOCK_LINE = /^(\w+)((?:\.\w+)*)\.R?Lock\(\)$/;
const UNLOCK_LINE = /^(?:defer\s+)?(\w+)((?:\.\w+)*)\.R?Unlock\(\)$/;

/** What a method with receiver `receiver` and body text `body` (braces included) does with a lock, if it is a helper. */
export function lockHelperOf(receiver: string, body: string): LockHelper | undefined {
  const lines = withoutComments(body.slice(1, -1))
    .split(/[\n;]/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0 || lines.length > 12) return undefined;
  const pathOf = (name: string, fields: string): string | undefined => (name === receiver ? fields.slice(1) || undefined : undefined);
  const lockAt = (k: number, name: string, fields: string) => LOCK_LINE.exec(lines[k])?.slice(1, 3).join('') === name + fields;
  // Takes: its last line locks, and no line returns early or defers a release.
  const last = LOCK_LINE.exec(lines[lines.length - 1]);
  if (last && !lines.some((l) => /\breturn\b|\bdefer\b|\bgo\b|\bpanic\(/.test(l))) {
    const path = pathOf(last[1], last[2]);
    if (path !== undefined || (last[1] !== receiver && last[2] === '')) return { locks: true, path };
  }
  // Releases: it unlocks what none of its lines locked before.
  const released = lines.map((l, k) => ({ m: UNLOCK_LINE.exec(l), k })).filter(({ m, k }) => m && !lines.slice(0, k).some((_, j) => lockAt(j, m[1], m[2])));
  if (released.length !== 1 || lines.some((l) => /\bgo\b/.test(l))) return undefined;
  const m = released[0].m!;
  const path = pathOf(m[1], m[2]);
  if (path !== undefined || (m[1] !== receiver && m[2] === '')) return { locks: false, path };
  return undefined;
}
