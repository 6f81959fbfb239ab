// Package chantest stands for a test-helper module of another project, one racecheck has no model of,
// so the Go compiler can type-check the fixtures that call it (test/fix/go-compile.test.ts). Nothing here runs.
package chantest

import "time"

// ReceivesWithin reports whether a value arrives on ch (or ch is closed) within d.
func ReceivesWithin(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

