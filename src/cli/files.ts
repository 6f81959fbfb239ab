/** Collecting the Go files a command line names. */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { CliError, describeFsError } from './errors.js';

export interface GoFileRef {
  /** The path to report: as the user typed it, joined with the walked subpath. */
  displayPath: string;
  absolutePath: string;
}

/** Directories a walk never enters: vendored code, test inputs, and hidden dirs (.git, …). */
export function isSkippedDir(name: string): boolean {
  return name === 'vendor' || name === 'testdata' || name.startsWith('.');
}

function joinDisplay(base: string, name: string): string {
  if (base === '.' || base === './') return name;
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}

async function walk(displayDir: string, absDir: string, out: GoFileRef[]): Promise<void> {
  const entries = await readdir(absDir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const display = joinDisplay(displayDir, entry.name);
    const abs = resolve(absDir, entry.name);
    // Symlinked dirs are not followed: they can loop.
    if (entry.isDirectory()) {
      if (!isSkippedDir(entry.name)) await walk(display, abs, out);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith('.go')) {
      out.push({ displayPath: display, absolutePath: abs });
    }
  }
}

/**
 * The .go files under the given paths: files as named, directories walked recursively.
 * A missing path or a named non-Go file is a CliError.
 */
export async function collectGoFiles(paths: readonly string[], cwd: string): Promise<GoFileRef[]> {
  const out: GoFileRef[] = [];
  for (const path of paths) {
    const abs = isAbsolute(path) ? path : resolve(cwd, path);
    let info;
    try {
      info = await stat(abs);
    } catch (err) {
      throw new CliError(`${path}: ${describeFsError(err)}`);
    }
    if (info.isDirectory()) {
      try {
        await walk(path, abs, out);
      } catch (err) {
        throw new CliError(`${path}: cannot read directory: ${describeFsError(err)}`);
      }
    } else if (path.endsWith('.go')) {
      out.push({ displayPath: path, absolutePath: abs });
    } else {
      throw new CliError(`${path}: not a Go file (racecheck reads .go files and directories)`);
    }
  }
  const seen = new Set<string>();
  return out.filter((f) => !seen.has(f.absolutePath) && seen.add(f.absolutePath));
}
