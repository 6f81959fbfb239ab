// Package cache declares the part of sigs.k8s.io/controller-runtime/pkg/cache that racecheck's
// fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package cache

import "context"

// Options configures a Cache.
type Options struct {
	Namespace string
}

// Informers runs the informers a Cache reads from.
type Informers interface {
	Start(ctx context.Context) error
	WaitForCacheSync(ctx context.Context) bool
}

// Cache serves reads of cluster objects from informers.
type Cache interface {
	Informers
}

// New builds a Cache; its informers run once Start is called.
func New(opts Options) (Cache, error) { return nil, nil }
