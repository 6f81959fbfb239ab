// Package prometheus declares the part of github.com/prometheus/client_golang/prometheus that
// racecheck's fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package prometheus

type Metric interface{}

type Desc struct{}

type Collector interface {
	Describe(chan<- *Desc)
	Collect(chan<- Metric)
}

type Registry struct{}

func NewRegistry() *Registry { return &Registry{} }

func (r *Registry) Register(c Collector) error { return nil }
