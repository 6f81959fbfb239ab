/**
 * What stands between the network and Probot's webhook handler: bodies over GitHub's 25 MB cap are
 * refused before they are read, a delivery's signature is checked before anything logs its payload,
 * and a delivery id seen within the dedupe window is answered without running again.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Probot } from 'probot';

/** GitHub caps webhook payloads at 25 MB; nothing bigger can be a real delivery. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
/** How long a delivery id is remembered: replays inside this window are acknowledged and dropped. */
export const DEDUPE_WINDOW_MS = 60 * 60 * 1000;
const MAX_REMEMBERED = 100_000;
const CLOSE_AFTER_REFUSAL_MS = 10_000;

export interface GuardOptions {
  maxBytes?: number;
  dedupeWindowMs?: number;
  now?: () => number;
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<boolean> | boolean;

/** Delivery ids seen recently, oldest first. */
export class RecentDeliveries {
  private readonly seen = new Map<string, number>();
  constructor(private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  /** Records `id`; false if it was already seen within the window. */
  remember(id: string): boolean {
    const now = this.now();
    for (const [old, at] of this.seen) {
      if (now - at < this.windowMs && this.seen.size < MAX_REMEMBERED) break;
      this.seen.delete(old);
    }
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function answer(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(status < 300 ? { ok: true, note: error } : { error }));
}

/** Reads at most `max` bytes; undefined (and stops reading) once the body is larger. */
function readBounded(req: IncomingMessage, max: number): Promise<{ body?: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        resolve({ size });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => resolve({ body: Buffer.concat(chunks), size }));
  });
}

/**
 * Wraps the Probot instance's webhook middleware (Probot's server asks for it once the app is loaded, the
 * same way for `probot run` and for `run(appFn)`), so these checks come before Probot reads a body.
 */
export function guardWebhooks(app: Probot, options: GuardOptions = {}): void {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  const recent = new RecentDeliveries(options.dedupeWindowMs ?? DEDUPE_WINDOW_MS, options.now);
  const original = app.getNodeMiddleware.bind(app);
  const log = app.log;

  app.getNodeMiddleware = async (middlewareOptions) => {
    const inner = (await original(middlewareOptions)) as Middleware;
    const path = middlewareOptions?.path ?? app.webhookPath;
    return (async (req: IncomingMessage, res: ServerResponse, next?: () => void) => {
      if (req.method !== 'POST') return inner(req, res, next);
      const event = header(req, 'x-github-event');
      const deliveryId = header(req, 'x-github-delivery');
      const declared = Number(header(req, 'content-length'));
      // Nothing this server serves takes a body this big, on any path.
      const tooLarge = (size: number, read: number) => {
        log.warn({ status: 413, size, read, event, deliveryId }, `webhook refused: body over ${maxBytes} bytes`);
        // Close the connection once the client has had time to read the answer: closing with the upload
        // still arriving resets the connection, and the client would lose the 413 with it. Meanwhile the
        // rest of the body is discarded unread (never buffered).
        res.on('finish', () => setTimeout(() => req.destroy(), CLOSE_AFTER_REFUSAL_MS).unref());
        answer(res, 413, `payload too large: GitHub sends at most ${maxBytes} bytes`);
        return true;
      };
      if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(declared, 0);
      let pathname: string;
      try {
        pathname = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
      } catch {
        return inner(req, res, next);
      }
      const signature = header(req, 'x-hub-signature-256');
      // Malformed requests (other paths, no signature or event headers) are Probot's to refuse, unread.
      if (pathname !== path.replace(/\/+$/, '') || !signature || !event || !deliveryId) return inner(req, res, next);

      const { body, size } = await readBounded(req, maxBytes);
      if (!body) return tooLarge(size, size);
      const payload = body.toString('utf8');
      let valid = false;
      try {
        valid = await app.webhooks.verify(payload, signature);
      } catch {
        valid = false;
      }
      if (!valid) {
        // Never the payload: an unsigned body is whatever a stranger chose to send.
        log.warn({ status: 401, size, event, deliveryId }, 'webhook refused: signature does not match');
        answer(res, 401, 'signature does not match the payload and secret');
        return true;
      }
      if (!recent.remember(deliveryId)) {
        log.info({ size, event, deliveryId }, 'webhook delivery already received; ignoring the replay');
        answer(res, 200, 'duplicate delivery ignored');
        return true;
      }
      // @octokit/webhooks takes a body that was already read from `request.body` when it is a string.
      (req as IncomingMessage & { body?: string }).body = payload;
      return inner(req, res, next);
    }) as Awaited<ReturnType<typeof original>>;
  };
}

/** HMAC of `payload` with the secret Probot falls back to when WEBHOOK_SECRET is unset. */
export async function usesDevelopmentSecret(app: Probot): Promise<boolean> {
  const probe = '{"zen":"racecheck"}';
  return app.webhooks.verify(probe, `sha256=${createHmac('sha256', 'development').update(probe).digest('hex')}`);
}
