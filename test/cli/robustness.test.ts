/** The CLI on bad input: never a crash or a stack trace, exit 2 only when it could not read its input. */
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, makeTree, removeTrees } from './helpers.js';

afterAll(removeTrees);

const STACK = /\bat .+:\d+:\d+/;

// Each property runs the CLI as a process dozens of times: minutes on a loaded machine, not a speed target.
jest.setTimeout(180_000);

test('random bytes in a .go file: analyzed, exit 0 or 1, no stack trace', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
      const root = makeTree({ 'go.mod': 'module m\n\ngo 1.21\n' });
      writeFileSync(join(root, 'junk.go'), Buffer.from(bytes));
      const run = await cli(['--format', 'json', 'junk.go'], root);
      expect([0, 1]).toContain(run.code);
      expect(run.stderr).not.toMatch(STACK);
      expect(JSON.parse(run.stdout).files).toBe(1);
    }),
    { numRuns: 40 },
  );
});

test('random text as a diff: a clear one-line error or a clean run, never a stack trace', async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 400 }), async (text) => {
      const root = makeTree({ 'in.diff': text });
      const run = await cli(['--diff', 'in.diff'], root);
      expect([0, 1, 2]).toContain(run.code);
      if (run.code === 2) expect(run.stderr).toMatch(/^racecheck: [^\n]+\n$/);
      expect(run.stderr).not.toMatch(STACK);
    }),
    { numRuns: 60 },
  );
});
