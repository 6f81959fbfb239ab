/**
 * Parses `/racecheck [all|help]` from a comment. The command counts only as the first word of a line of
 * prose: not inside a fenced or indented code block, an HTML comment or a quote (quoting someone's
 * command, or pasting a log that contains one, runs nothing).
 */
export type Command = { kind: 'run'; scope: 'diff' | 'all' } | { kind: 'help' };

const COMMAND_LINE = /^ {0,3}\/racecheck(?:[ \t]+(\S+))?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export function parseCommand(body: string): Command | undefined {
  let fence: string | undefined;
  let inComment = false;
  for (let line of body.split(/\r?\n/)) {
    if (inComment) {
      const end = line.indexOf('-->');
      if (end === -1) continue;
      line = line.slice(end + 3);
      inComment = false;
    }
    if (fence === undefined) {
      line = line.replace(/<!--[\s\S]*?-->/g, '');
      const open = line.indexOf('<!--');
      if (open !== -1) {
        inComment = true;
        line = line.slice(0, open);
      }
    }
    const marker = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      // A fence closes with at least as many of the same character and nothing after them.
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    const m = COMMAND_LINE.exec(line);
    if (!m) continue;
    const arg = m[1]?.toLowerCase();
    if (arg === undefined) return { kind: 'run', scope: 'diff' };
    if (arg === 'all') return { kind: 'run', scope: 'all' };
    return { kind: 'help' };
  }
  return undefined;
}

export const USAGE = [
  '**racecheck commands** (for people with write access to this repository):',
  '',
  '- `/racecheck`: re-run on the current head and review what the change introduces (the scope set in `.github/racecheck.yml`)',
  '- `/racecheck all`: re-run and report on the whole of each changed Go file',
  '- `/racecheck help`: show this message',
  '',
  'Configure rules, ignored paths, `fail_on` and `max_comments` in `.github/racecheck.yml`.',
].join('\n');

/** The reaction a refused command gets: a public reply per refusal would let anyone make the App post. */
export const REFUSAL_REACTION = '-1';
/** One refusal reaction per user and repository in this window; later refusals are only logged. */
export const REFUSAL_WINDOW_MS = 60 * 60 * 1000;

/** Remembers whom the App refused recently, so a flood of commands costs at most one write per user. */
export class RefusalLimiter {
  private readonly last = new Map<string, number>();
  constructor(private readonly windowMs = REFUSAL_WINDOW_MS, private readonly now: () => number = Date.now, private readonly maxEntries = 10_000) {}

  /** True if a refusal for `key` may be shown now (and records it). */
  take(key: string): boolean {
    const now = this.now();
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.windowMs) return false;
    this.last.delete(key);
    this.last.set(key, now);
    while (this.last.size > this.maxEntries) this.last.delete(this.last.keys().next().value!);
    return true;
  }
}

const WRITE_PERMISSIONS = new Set(['admin', 'maintain', 'write']);

/** repos.getCollaboratorPermissionLevel reports maintain as permission "write" with role_name "maintain". */
export function canWrite(permission: string | undefined, roleName: string | undefined): boolean {
  return WRITE_PERMISSIONS.has(permission ?? '') || WRITE_PERMISSIONS.has(roleName ?? '');
}
