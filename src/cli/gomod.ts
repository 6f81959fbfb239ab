/** Finding the go.mod that governs a Go file (node fs; the engine itself stays fs-free). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { goVersionFromGoMod } from '../engine/goversion.js';

export interface GoMod {
  /** Absolute path of the go.mod file. */
  path: string;
  text: string;
}

/** The go.mod in the file's directory or the closest ancestor directory, if any. */
export function findNearestGoMod(filePath: string): GoMod | undefined {
  let dir = dirname(resolve(filePath));
  for (;;) {
    const candidate = join(dir, 'go.mod');
    if (existsSync(candidate)) return { path: candidate, text: readFileSync(candidate, 'utf8') };
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Module Go versions by directory, cached: a repository has thousands of files and few go.mod files.
 * Files outside any module get `fallback`.
 */
export class ModuleVersionResolver {
  private readonly byDir = new Map<string, string | undefined>();

  constructor(private readonly fallback?: string) {}

  versionFor(filePath: string): string | undefined {
    return this.versionOfDir(dirname(resolve(filePath)));
  }

  private versionOfDir(dir: string): string | undefined {
    if (this.byDir.has(dir)) return this.byDir.get(dir);
    const candidate = join(dir, 'go.mod');
    let version: string | undefined;
    if (existsSync(candidate)) {
      version = goVersionFromGoMod(readFileSync(candidate, 'utf8')) ?? this.fallback;
    } else {
      const parent = dirname(dir);
      version = parent === dir ? this.fallback : this.versionOfDir(parent);
    }
    this.byDir.set(dir, version);
    return version;
  }
}
