/** Parses `/racecheck [all|help]` from a comment; the command must start a line. */
export type Command = { kind: 'run'; scope: 'diff' | 'all' } | { kind: 'help' };

export function parseCommand(body: string): Command | undefined {
  const m = /^\s*\/racecheck(?:[ \t]+(\S+))?[ \t]*$/m.exec(body);
  if (!m) return undefined;
  const arg = m[1]?.toLowerCase();
  if (arg === undefined) return { kind: 'run', scope: 'diff' };
  if (arg === 'all') return { kind: 'run', scope: 'all' };
  return { kind: 'help' };
}

export const USAGE = [
  '**racecheck commands** (for people with write access and the pull request author):',
  '',
  '- `/racecheck`: re-run on the current head and review what the change introduces (the scope set in `.github/racecheck.yml`)',
  '- `/racecheck all`: re-run and report on the whole of each changed Go file',
  '- `/racecheck help`: show this message',
  '',
  'Configure rules, ignored paths, `fail_on` and `max_comments` in `.github/racecheck.yml`.',
].join('\n');

export function notAllowedReply(login: string): string {
  return `Sorry @${login}, \`/racecheck\` commands can only be used by the pull request author and people with write access to this repository.`;
}

const WRITE_PERMISSIONS = new Set(['admin', 'maintain', 'write']);

/** repos.getCollaboratorPermissionLevel reports maintain as permission "write" with role_name "maintain". */
export function canWrite(permission: string | undefined, roleName: string | undefined): boolean {
  return WRITE_PERMISSIONS.has(permission ?? '') || WRITE_PERMISSIONS.has(roleName ?? '');
}
