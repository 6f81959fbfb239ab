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
  /** The lock's path from the receiver (`mu` for `c.mu`, '' for the receiver's embedded mutex); undefined for a lock found by the arguments. */
  path?: string;
  /** The lock is a channel field used as a semaphore (`l.sem <- token` takes it, `<-l.sem` gives it back): a lock only if the package makes it with one slot. */
  slot?: boolean;
  /** Takes the lock only when it returns true (`select { case l.sem <- token: return true; default: return false }`): held in `if l.Acquire() { … }`. */
  tried?: boolean;
}

// A local found in a map of `any` is locked through an assertion: `l.(*sync.Mutex).Lock()`.
const LOCK_LINE = /^(\w+)(?:\.\(\*?[\w.]+\))?((?:\.\w+)*)\.R?Lock\(\)$/;
const UNLOCK_LINE = /^(?:defer\s+)?(\w+)(?:\.\(\*?[\w.]+\))?((?:\.\w+)*)\.R?Unlock\(\)$/;

/** What a method with receiver `receiver` and body text `body` (braces included) does with a lock, if it is a helper. */
export function lockHelperOf(receiver: string, body: string): LockHelper | undefined {
  const lines = withoutComments(body.slice(1, -1))
    .split(/[\n;]/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0 || lines.length > 12) return undefined;
  const pathOf = (name: string, fields: string): string | undefined => (name === receiver ? fields.slice(1) : undefined);
  const slot = slotHelperOf(receiver, lines);
  if (slot) return slot;
  const lockAt = (k: number, name: string, fields: string) => LOCK_LINE.exec(lines[k])?.slice(1, 3).join('') === name + fields;
  // Takes: its last line locks, and no line returns early or defers a release; or it locks first
  // and then only works under the lock up to a final `return` (`func (l *Log) Begin() (id ID) {
  // l.Lock(); id = next(); return }`).
  const last = LOCK_LINE.exec(lines[lines.length - 1]);
  if (last && !lines.some((l) => /\breturn\b|\bdefer\b|\bgo\b|\bpanic\(/.test(l))) {
    const path = pathOf(last[1], last[2]);
    if (path !== undefined || (last[1] !== receiver && last[2] === '')) return { locks: true, path };
  }
  // A lock found by the arguments, locked last before one final `return` of a value (`l, _ :=
  // c.locks.LoadOrStore(key, &sync.Mutex{}); l.(*sync.Mutex).Lock(); return c.Get(key)`).
  const beforeReturn = lines.length > 2 ? LOCK_LINE.exec(lines[lines.length - 2]) : null;
  if (
    beforeReturn &&
    beforeReturn[1] !== receiver &&
    beforeReturn[2] === '' &&
    /^return\s+\S/.test(lines[lines.length - 1]) &&
    !/\bfunc\b|Unlock/.test(body) &&
    !lines.slice(0, -2).some((l) => /\breturn\b|\bdefer\b|\bgo\b|\bpanic\(|\bLock\(/.test(l))
  ) {
    return { locks: true };
  }
  // It hands back plain values, not a handle or func that unlocks (those are lock handles, see
  // model.ts's lockHandle).
  const first = LOCK_LINE.exec(lines[0]);
  const rest = lines.slice(1, -1);
  const plainReturn = /^return(?:\s+[\w.]+(?:\s*,\s*[\w.]+)*)?$/.test(lines[lines.length - 1]);
  if (first && first[1] === receiver && lines.length > 1 && plainReturn && !/Unlock/.test(body) && !rest.some((l) => /\breturn\b|\bdefer\b|\bgo\b|\bpanic\(|\bLock\(|\bfunc\b/.test(l))) {
    return { locks: true, path: first[2].slice(1) };
  }
  // Releases: it unlocks what none of its lines locked before.
  const released = lines.map((l, k) => ({ m: UNLOCK_LINE.exec(l), k })).filter(({ m, k }) => m && !lines.slice(0, k).some((_, j) => lockAt(j, m[1], m[2])));
  if (released.length !== 1 || lines.some((l) => /\bgo\b/.test(l))) return undefined;
  const m = released[0].m!;
  const path = pathOf(m[1], m[2]);
  if (path !== undefined || (m[1] !== receiver && m[2] === '')) return { locks: false, path };
  return undefined;
}

const SEND_LINE = /^(\w+)\.(\w+)\s*<-\s*\S.*$/;
const RECEIVE_LINE = /^<-\s*(\w+)\.(\w+)$/;
const SEND_CASE = /^case\s+(\w+)\.(\w+)\s*<-\s*\S.*:$/;

/**
 * A semaphore's methods on a channel field of the receiver: `func (l *L) Acquire() { l.sem <- token }`
 * takes `l.sem`, `func (l *L) Release() { <-l.sem }` gives it back, and `select { case l.sem <- token:
 * return true; case <-time.After(d): return false }` takes it when it returns true. Whether the
 * channel has one slot is the package's to say (model.ts).
 */
function slotHelperOf(receiver: string, lines: string[]): LockHelper | undefined {
  const own = (m: RegExpExecArray | null) => (m && m[1] === receiver ? m[2] : undefined);
  const plain = !lines.some((l) => /\b(?:return|defer|go|select|for|if|case)\b|\bpanic\(/.test(l));
  if (plain) {
    const sent = lines.map((l) => own(SEND_LINE.exec(l))).filter((f) => f !== undefined);
    const received = lines.map((l) => own(RECEIVE_LINE.exec(l))).filter((f) => f !== undefined);
    if (sent.length === 1 && received.length === 0 && own(SEND_LINE.exec(lines[lines.length - 1])) === sent[0]) return { locks: true, path: sent[0], slot: true };
    if (received.length === 1 && sent.length === 0) return { locks: false, path: received[0], slot: true };
    return undefined;
  }
  // The tried form: one select whose case that sends returns true, and every other case returns false.
  if (lines[0] !== 'select {' || lines[lines.length - 1] !== '}') return undefined;
  const inner = lines.slice(1, -1);
  let path: string | undefined;
  for (let k = 0; k < inner.length; k += 2) {
    const sends = own(SEND_CASE.exec(inner[k]));
    if (sends !== undefined) {
      if (path !== undefined || inner[k + 1] !== 'return true') return undefined;
      path = sends;
    } else if (!/^(?:case\s+(?:\w+\s*:?=\s*)?<-.*:|default:)$/.test(inner[k]) || inner[k + 1] !== 'return false') return undefined;
  }
  return path !== undefined ? { locks: true, path, slot: true, tried: true } : undefined;
}

/**
 * What a package function does with a package-level lock for its caller (`func lockDB() { dbMu.Lock() }`,
 * `func unlockDB() { dbMu.Unlock() }`), or one that takes it only when it succeeds: its last lines lock
 * and `return nil`, and each earlier return gives an error (`func Acquire() error { …; if err != nil
 * { return err }; mu.Lock(); held = l; return nil }`), so the caller holds it where `err == nil`.
 */
export interface PackageLockHelper {
  lock: string;
  locks: boolean;
  /** Taken only when the function returns a nil error. */
  onSuccess?: boolean;
  /** A lock the function finds by its arguments (`stripe(kind, key).Lock()`): calls with the same arguments take the same one. */
  keyed?: boolean;
  /** The lock is this argument (`func lock(m *sync.Mutex) *sync.Mutex { m.Lock(); return m }`); `lock` is then the parameter's name. */
  param?: number;
}

/**
 * `func AcquireConfigLock() { …; if err != nil { panic(…) }; configMu.Lock(); held = l; lockOther() }`:
 * one Lock of a package-level mutex among the body's top-level lines, no Unlock, and no way out but
 * the end or a panic (no return, defer, go or loop exit), so every call that returns holds it.
 */
function panicsOrLocks(lines: string[], params: readonly string[], text: string): PackageLockHelper | undefined {
  if (lines.length > 40 || lines.some((l) => UNLOCK_LINE.test(l) || /\b(?:return|defer|go|goto|break|continue|select)\b/.test(l))) return undefined;
  let depth = 0;
  let lock: RegExpExecArray | null = null;
  for (const line of lines) {
    const m = LOCK_LINE.exec(line);
    if (m) {
      if (lock || depth !== 0) return undefined;
      lock = m;
    }
    depth += (line.match(/\{/g)?.length ?? 0) - (line.match(/\}/g)?.length ?? 0);
  }
  if (!lock || lock[2] !== '' || !packageLevel(lock[1], params, text)) return undefined;
  return { lock: lock[1], locks: true };
}

/** A lock named in a package function's body that is package-level: not a parameter, not declared in the body. */
function packageLevel(name: string, params: readonly string[], text: string): boolean {
  return !params.includes(name) && !new RegExp(`\\bvar\\s+${name}\\b|\\b${name}\\s*(?:,[^=]*)?:=`).test(text);
}

/** `stripe(kind, key).Lock()`: a lock a package function finds by the arguments it is handed. */
const KEYED_LINE = /^(\w+)\(([^()]*)\)\.R?(Lock|Unlock)\(\)$/;

export function packageLockHelperOf(params: readonly string[], results: string, body: string): PackageLockHelper | undefined {
  const text = withoutComments(body.slice(1, -1));
  const lines = text
    .split(/[\n;]/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return undefined;
  // The lock may follow longer set-up that only panics on failure (below); the other forms are a few lines.
  const panicking = results === '' ? panicsOrLocks(lines, params, text) : undefined;
  if (panicking) return panicking;
  if (lines.length > 16) return undefined;
  // `func lock(m *sync.Mutex) *sync.Mutex { m.Lock(); return m }` and `func with(m *sync.Mutex) { m.Unlock() }`:
  // the lock is what the caller hands over.
  const own = LOCK_LINE.exec(lines[0]) ?? (lines[0].startsWith('defer') ? null : UNLOCK_LINE.exec(lines[0]));
  if (own && own[2] === '' && params.includes(own[1])) {
    const locks = LOCK_LINE.test(lines[0]);
    const rest = lines.slice(1).join(';');
    if (rest === '' || (locks && rest === `return ${own[1]}`)) return { lock: own[1], locks, param: params.indexOf(own[1]) };
  }
  // Otherwise the lock is a package variable (packageLevel).
  if (results === '') {
    // `func Lock(kind int, key string) { stripe(kind, key).Lock() }`, and the Unlock that mirrors it.
    const keyed = lines.length === 1 ? KEYED_LINE.exec(lines[0]) : null;
    if (keyed && params.length > 0 && keyed[2].split(',').map((a) => a.trim()).join(',') === params.join(',')) return { lock: keyed[1], locks: keyed[3] === 'Lock', keyed: true };
    const plain = lockHelperOf('', body);
    const line = plain && lines.find((l) => (plain.locks ? LOCK_LINE : UNLOCK_LINE).test(l));
    const m = line ? (plain!.locks ? LOCK_LINE : UNLOCK_LINE).exec(line) : null;
    return m && m[2] === '' && packageLevel(m[1], params, text) ? { lock: m[1], locks: plain!.locks } : undefined;
  }
  if (!/^\(?\s*error\s*\)?$/.test(results) || lines[lines.length - 1] !== 'return nil') return undefined;
  const locks = lines.map((l, k) => ({ m: LOCK_LINE.exec(l), k })).filter(({ m }) => m);
  if (locks.length !== 1 || lines.some((l) => UNLOCK_LINE.test(l))) return undefined;
  const { m, k } = locks[0];
  if (m![2] !== '' || m![1].includes('.') || !packageLevel(m![1], params, text)) return undefined;
  if (lines.slice(k + 1, -1).some((l) => /\breturn\b|\bdefer\b|\bgo\b|\bpanic\(/.test(l))) return undefined;
  // Every return before the lock gives an error: `return nil` there would succeed without it.
  if (lines.slice(0, k).some((l) => /\breturn\s+nil\b|\bgo\b|\bdefer\b/.test(l) || /\breturn\s*$/.test(l))) return undefined;
  return { lock: m![1], locks: true, onSuccess: true };
}
