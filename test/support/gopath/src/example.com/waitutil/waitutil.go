// Package waitutil stands for a test-helper package of another project, one racecheck has no model
// of, so the Go compiler can type-check the fixtures that call it (test/fix/go-compile.test.ts).
// Nothing here runs.
package waitutil

import (
	"sync"
	"testing"
	"time"
)

// WaitWithTimeout waits for wg, and fails the test if that takes longer than d.
func WaitWithTimeout(t testing.TB, wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatal("timed out")
	}
}

// Finish counts wg down by one.
func Finish(wg *sync.WaitGroup) { wg.Done() }
