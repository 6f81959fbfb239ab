/** Worker process body: runs the engine on files the pool sends, so analysis uses more than one core. */
import { analyze, type AnalyzeOptions, type SourceFile } from '../engine/index.js';

export interface AnalysisJob {
  id: number;
  files: SourceFile[];
  options: AnalyzeOptions;
}

const WARM_UP = `package warm

import "sync"

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) Add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[k]++
}

func run(c *counter, keys []string) error {
	var wg sync.WaitGroup
	var err error
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Add(k)
			err = nil
		}()
	}
	wg.Wait()
	return err
}
`;

process.on('message', (job: AnalysisJob) => {
  try {
    process.send!({ id: job.id, result: analyze(job.files, job.options) });
  } catch (err) {
    process.send!({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
// The server is gone: nothing will read an answer.
process.on('disconnect', () => process.exit(0));

// A few rounds over a small package before the first job, so the first pull request's time is not
// spent compiling the engine's hot paths (measured: a cold worker takes ~1.6x as long on its first job).
const WARM_UP_FILES = Array.from({ length: 8 }, (_, i) => ({ path: `warm/warm${i}.go`, content: WARM_UP.replace(/counter/g, `counter${i}`).replace(/\brun\b/g, `run${i}`) }));
for (let round = 0; round < 5; round++) analyze(WARM_UP_FILES, { reviewingChanges: true });

// The engine is loaded: the pool starts a job's deadline from here on.
process.send?.({ ready: true });
