// Package lockutil stands for a module's own lock helpers in another package, which racecheck reads
// by their names only (fixtures/closure-write/locked_callback_by_name.go). Nothing here runs.
package lockutil

import "sync"

// Mutex runs callbacks with its lock held.
type Mutex struct{ sync.Mutex }

func (m *Mutex) WithLock(f func()) {
	m.Lock()
	defer m.Unlock()
	f()
}

// WithLock runs f with l locked and returns its result.
func WithLock[T any](l sync.Locker, f func() T) T {
	l.Lock()
	defer l.Unlock()
	return f()
}
