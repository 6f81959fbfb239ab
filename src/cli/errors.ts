/** A failure the user can fix (bad flag, missing file, not a git repo): exit 2 with one line, no stack. */
export class CliError extends Error {}

/** The errno-style reason of a node fs/child_process error, in words. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}
