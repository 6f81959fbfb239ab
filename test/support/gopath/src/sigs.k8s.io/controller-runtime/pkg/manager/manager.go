// Package manager declares the part of sigs.k8s.io/controller-runtime/pkg/manager that racecheck's
// fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package manager

import "context"

// Manager runs the controllers registered with it.
type Manager interface {
	Start(ctx context.Context) error
}
