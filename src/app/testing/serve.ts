/**
 * The App as one process (the default export, signal handlers included) for tests that start, kill and
 * signal real processes: configured from the environment like `npm start`, except that Probot's throttling
 * (1 s between writes, shared through Redis) is off so a test of hundreds of runs takes seconds.
 */
import { ProbotOctokit, run } from 'probot';
import app from '../index.js';

run(app, {
  env: process.env as Record<string, string>,
  Octokit: ProbotOctokit.defaults((options: any) => ({ ...options, throttle: { ...options.throttle, enabled: false } })),
}).catch((err: unknown) => {
  console.error(`racecheck: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
