/** The App's caches are bounded by bytes, not entries: big entries push out old ones, small ones fit many. */
import { AnalysisCache, type JobAnalysis } from '../../src/app/analysis.js';
import { BlobCache } from '../../src/app/blob-cache.js';

function analysis(message: string): JobAnalysis {
  return {
    files: [
      {
        path: 'a.go',
        analysis: {
          findings: [{ rule: 'closure-write', file: 'a.go', line: 1, column: 1, endLine: 1, endColumn: 2, severity: 'error', message, related: [] }],
          suppressed: {},
          report: { file: 'a.go', hasSyntaxErrors: false, elapsedMs: 1, overBudget: false },
        },
      },
    ],
  };
}

test('the analysis cache evicts the least recently used entries once its bytes are spent', () => {
  const cache = new AnalysisCache(60_000);
  for (let i = 0; i < 100; i++) cache.set(`small-${i}`, analysis('x'));
  expect(cache.size).toBe(100);
  cache.get('small-0'); // recently used: kept
  cache.set('big', analysis('y'.repeat(8_000)));
  expect(cache.get('big')).toBeDefined();
  expect(cache.get('small-0')).toBeDefined();
  expect(cache.get('small-1')).toBeUndefined();
  expect(cache.size).toBeLessThan(100);
  cache.set('too-big', analysis('z'.repeat(40_000)));
  expect(cache.get('too-big')).toBeUndefined();
});

test('the blob cache holds at most its bytes of content', () => {
  const cache = new BlobCache(1000);
  for (let i = 0; i < 10; i++) cache.set(`sha${i}`, 'x'.repeat(300));
  expect(cache.size).toBe(3);
  expect(cache.get('sha9')).toBeDefined();
  expect(cache.get('sha0')).toBeUndefined();
});
