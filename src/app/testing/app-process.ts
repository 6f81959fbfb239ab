/**
 * The App as a real process (dist/app/start.js, which `npm start` and the Docker image run, or
 * dist/app/testing/serve.js, the same App with Probot's write throttling off) against the fake GitHub, for
 * the tests and the load bench that signal, kill or measure it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './local-server.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface AppProcess {
  child: ChildProcess;
  base: string;
  output: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
}

export interface AppProcessOptions {
  privateKey: string;
  webhookSecret: string;
  env?: Record<string, string>;
  entry?: 'start' | 'serve';
}

export function requireBuild(): void {
  for (const file of ['dist/app/start.js', 'dist/app/testing/serve.js']) {
    if (!existsSync(repoRoot + file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm ci does it through prepare)`);
  }
}

export async function startAppProcess(githubOrigin: string, options: AppProcessOptions): Promise<AppProcess> {
  const port = await freePort();
  const script = options.entry === 'start' ? 'dist/app/start.js' : 'dist/app/testing/serve.js';
  const child = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      APP_ID: '123',
      PRIVATE_KEY: options.privateKey,
      WEBHOOK_SECRET: options.webhookSecret,
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: new URL(githubOrigin).host,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => {
    out += c.toString();
    if (out.length > 4_000_000) out = out.slice(-2_000_000); // a long bench logs a lot; the tail is what matters
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the App process exited at startup:\n${out}`);
    try {
      if ((await fetch(`${base}/ping`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error(`the App process did not start within 20 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, output: () => out, exited };
}

export function signedDelivery(base: string, secret: string, event: string, payload: unknown, deliveryId: string): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${base}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** The live child processes of `pid` (Linux /proc): the App's analysis workers. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces, in parentheses): state, then ppid.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return children;
}

/** RSS of a process and of its children (the App and its analysis workers), in bytes; a child that exits meanwhile counts 0. */
export function treeRssOf(pid: number): { own: number; children: number; childCount: number } {
  let children = 0;
  let childCount = 0;
  for (const child of childPids(pid)) {
    try {
      const rss = rssOf(child);
      if (Number.isFinite(rss)) {
        children += rss;
        childCount++;
      }
    } catch {
      // exited meanwhile
    }
  }
  return { own: rssOf(pid), children, childCount };
}
