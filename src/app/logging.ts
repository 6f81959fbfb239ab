import type { Logger } from 'pino';

/**
 * Fields censored in every log line of a run. Probot builds its root logger itself (no redact option
 * from the environment), so redaction is set on the per-delivery child instead.
 */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  '*.headers.authorization',
  'request.headers.authorization',
  '*.request.headers.authorization',
  'token',
  '*.token',
  'privateKey',
  '*.privateKey',
  'private_key',
  '*.private_key',
  'secret',
  '*.secret',
  'webhookSecret',
  '*.webhookSecret',
  'password',
  '*.password',
  'cookie',
  'headers.cookie',
  '*.headers.cookie',
];

export interface DeliveryRef {
  deliveryId: string;
  owner: string;
  repo: string;
  pullNumber: number;
}

/** The logger for one delivery's run: every line carries the delivery, `owner/repo` and the PR, and secrets are censored. */
export function deliveryLogger(log: Logger, ref: DeliveryRef): Logger {
  return log.child({ deliveryId: ref.deliveryId, repo: `${ref.owner}/${ref.repo}`, pr: ref.pullNumber }, { redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } });
}
