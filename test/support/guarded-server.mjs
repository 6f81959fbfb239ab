// The compiled App's real server (probot `run`) in a process of its own, against a fake GitHub, so a test can
// measure the server's memory and log alone. Reports {base} once listening; answers 'stats' with its RSS, the
// peak RSS since the last 'reset', and the bytes logged so far. Log lines also go to stdout.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createApp } from '../../dist/app/index.js';
import { FakeGitHub } from '../../dist/app/testing/fake-github.js';
import { startLocalApp } from '../../dist/app/testing/local-server.js';

const fake = new FakeGitHub('octo-org', 'service');
const githubOrigin = await fake.listen();
let logBytes = 0;
const sink = new Writable({
  write(chunk, _enc, done) {
    logBytes += chunk.length;
    process.stdout.write(chunk);
    done();
  },
});
const app = await startLocalApp(createApp(), {
  githubOrigin,
  privateKey: process.env.TEST_PRIVATE_KEY,
  webhookSecret: process.env.TEST_WEBHOOK_SECRET,
  probot: { log: pino({ level: 'info' }, sink) },
});
let peak = process.memoryUsage.rss();
setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
process.on('message', (message) => {
  if (message === 'reset') peak = process.memoryUsage.rss();
  if (message === 'stats' || message === 'reset') process.send({ rss: process.memoryUsage.rss(), peak, logBytes });
});
process.on('disconnect', () => process.exit(0));
process.send({ base: app.base });
