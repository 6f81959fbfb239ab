// Package controllerruntime declares the part of sigs.k8s.io/controller-runtime that racecheck's
// fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package controllerruntime

import "sigs.k8s.io/controller-runtime/pkg/manager"

// Manager is the package's alias of manager.Manager.
type Manager = manager.Manager
