/** Temp Go trees and a fake terminal for driving runCli. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/main.js';

/** Two goroutines assign the captured `err`: closure-write flags lines 13 and 17. */
export const RACY_GO = `package p

import "sync"

func work() error { return nil }

func Run() error {
	err := work()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		err = work()
	}()
	go func() {
		defer wg.Done()
		err = work()
	}()
	wg.Wait()
	return err
}
`;
export const RACY_LINES = [13, 17];

/** A WaitGroup passed by value (copied-lock, off by default): its fix takes two edits, the parameter (line 5) and the call (line 13). */
export const FIXABLE_GO = `package p

import "sync"

func worker(id int, wg sync.WaitGroup) {
	defer wg.Done()
	println(id)
}

func Run() {
	var wg sync.WaitGroup
	wg.Add(1)
	go worker(1, wg)
	wg.Wait()
}
`;

export const CLEAN_GO = `package p

func Add(a, b int) int { return a + b }
`;

const made: string[] = [];

/** Writes {relative path: content} under a fresh temp dir and returns the dir. */
export function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'racecheck-cli-'));
  made.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

export function removeTrees(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  argv: string[],
  cwd: string,
  opts: {
    stdin?: string;
    isTTY?: boolean;
    stderrIsTTY?: boolean;
    env?: Record<string, string | undefined>;
    now?: () => number;
  } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.isTTY ?? false },
    stderr: { write: (s: string) => (stderr += s), isTTY: opts.stderrIsTTY ?? false },
    cwd,
    stdin: Readable.from([opts.stdin ?? '']),
    env: opts.env ?? {},
    ...(opts.now ? { now: opts.now } : {}),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** A `git diff`-style patch that adds `added` lines (1-based) of `content` as a new file. */
export function newFileDiff(path: string, content: string): string {
  const lines = content.replace(/\n$/, '').split('\n');
  return [
    `diff --git a/${path} b/${path}`,
    'new file mode 100644',
    '--- /dev/null',
    `+++ b/${path}`,
    `@@ -0,0 +1,${lines.length} @@`,
    ...lines.map((l) => '+' + l),
    '',
  ].join('\n');
}

/** A patch that adds only line `line` of `content` to an existing file (zero-context hunk). */
export function oneLineDiff(path: string, content: string, line: number): string {
  const text = content.split('\n')[line - 1];
  return [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`, `@@ -${line - 1},0 +${line},1 @@`, '+' + text, ''].join('\n');
}
