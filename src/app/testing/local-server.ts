/**
 * The real Probot server (`run`, as `npm start` uses it) on loopback, pointed through GHE_HOST and
 * GHE_PROTOCOL at a fake GitHub served over HTTP. Shared by the end-to-end tests and the benchmarks.
 */
import { createServer } from 'node:http';
import { run, type ApplicationFunction, type Server } from 'probot';

type RunOptions = NonNullable<Parameters<typeof run>[1]>;

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface LocalApp {
  server: Server;
  /** e.g. http://127.0.0.1:41234 */
  base: string;
}

export interface LocalAppOptions {
  /** The fake GitHub's origin, e.g. http://127.0.0.1:40000. */
  githubOrigin: string;
  privateKey: string;
  webhookSecret: string;
  /** More Probot environment (LOG_LEVEL, LOG_FORMAT, …). */
  env?: Record<string, string>;
  /** Other options of Probot's `run` (a pino logger, an Octokit class, …). */
  probot?: Omit<RunOptions, 'env'>;
}

export async function startLocalApp(appFn: ApplicationFunction, options: LocalAppOptions): Promise<LocalApp> {
  const port = await freePort();
  const server = await run(appFn, {
    ...options.probot,
    env: {
      APP_ID: '123',
      PRIVATE_KEY: options.privateKey,
      WEBHOOK_SECRET: options.webhookSecret,
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: new URL(options.githubOrigin).host,
      GHE_PROTOCOL: 'http',
      ...options.env,
    },
  });
  return { server, base: `http://127.0.0.1:${port}` };
}
