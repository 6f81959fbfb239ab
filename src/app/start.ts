/**
 * `npm start` and the Docker image's entry point: Probot's `probot run` for this App, with startup errors
 * (a missing APP_ID in production, a bad RACECHECK_* value) printed as one line instead of a stack trace.
 */
import { fileURLToPath } from 'node:url';
import { run } from 'probot';

const appPath = fileURLToPath(new URL('./index.js', import.meta.url));

run([process.argv[0]!, process.argv[1]!, ...process.argv.slice(2), appPath]).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`racecheck: ${message.split('\n')[0]}`);
  process.exit(1);
});
