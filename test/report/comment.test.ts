/** The review comment's body: what a Go reviewer reads on the pull request. */
import { commentBody } from '../../src/report/comment.js';
import type { Finding } from '../../src/engine/index.js';

const base: Finding = {
  rule: 'unguarded-field',
  file: 'srv/server.go',
  line: 21,
  column: 2,
  endLine: 21,
  endColumn: 9,
  severity: 'warning',
  message: '`s.state` is written with `s.mu.Lock()` held in Reset (srv/stats.go:5), so the lock guards it, but handle writes it here without the lock.',
  related: [{ file: 'srv/stats.go', line: 5, message: '`s.state` written with `s.mu.Lock()` held in Reset' }],
};

test('a finding that knows its interleaving shows each goroutine from its start to its access', () => {
  const body = commentBody(
    {
      ...base,
      threads: [
        {
          description: 'handle, without the lock',
          steps: [
            { file: 'srv/server.go', line: 11, message: '`go s.loop()` starts loop on its own goroutine' },
            { file: 'srv/server.go', line: 16, message: 'loop calls handle without the lock' },
            { file: 'srv/server.go', line: 21, message: 'handle writes `s.state` without `s.mu`' },
          ],
        },
        { description: 'Reset, holding `s.mu`', steps: [{ file: 'srv/stats.go', line: 5, message: '`s.state` written with `s.mu.Lock()` held in Reset' }] },
      ],
    },
    'fp',
    'https://example.test/',
    false,
  );
  expect(body).toContain(
    [
      '**How the goroutines get there**',
      '1. handle, without the lock',
      '   - line 11: `go s.loop()` starts loop on its own goroutine',
      '   - line 16: loop calls handle without the lock',
      '   - line 21 (here): handle writes `s.state` without `s.mu`',
      '2. Reset, holding `s.mu`',
      '   - `srv/stats.go` line 5: `s.state` written with `s.mu.Lock()` held in Reset',
    ].join('\n'),
  );
  expect(body).not.toContain('**Conflicting accesses**');
});

test('without an interleaving, the conflicting accesses are listed', () => {
  const body = commentBody(base, 'fp', 'https://example.test/', false);
  expect(body).toContain('**Conflicting accesses**\n- line 21 (here)\n- `srv/stats.go` line 5: `s.state` written with `s.mu.Lock()` held in Reset');
});
