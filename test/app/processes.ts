/** The App as a real process for the queue and shutdown tests, with this suite's key and webhook secret. */
import * as appProcess from '../../src/app/testing/app-process.js';
import { privateKey } from './helpers.js';

export { requireBuild, waitFor, type AppProcess } from '../../src/app/testing/app-process.js';
export const SECRET = 'process-webhook-secret';

export function startAppProcess(githubOrigin: string, env: Record<string, string>, entry: 'start' | 'serve' = 'serve'): Promise<appProcess.AppProcess> {
  return appProcess.startAppProcess(githubOrigin, { privateKey: privateKey(), webhookSecret: SECRET, env: { RACECHECK_ANALYSIS_WORKERS: '1', ...env }, entry });
}

export function signedDelivery(base: string, event: string, payload: unknown, deliveryId: string): Promise<Response> {
  return appProcess.signedDelivery(base, SECRET, event, payload, deliveryId);
}
