// Package parallel declares the part of github.com/jfrog/gofrog/parallel that racecheck's fixtures
// call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package parallel

type TaskFunc func(int) error

type OnErrorFunc func(error)

type Runner interface {
	AddTask(TaskFunc) (int, error)
	AddTaskWithError(TaskFunc, OnErrorFunc) (int, error)
	Run()
	Done()
	Cancel()
}

type runner struct{}

func NewRunner(maxParallel int, capacity uint, failFast bool) *runner { return &runner{} }

func NewBounedRunner(maxParallel int, failFast bool) *runner { return &runner{} }

func (r *runner) AddTask(t TaskFunc) (int, error) { return 0, nil }

func (r *runner) AddTaskWithError(t TaskFunc, onError OnErrorFunc) (int, error) { return 0, nil }

func (r *runner) Run() {}

func (r *runner) Done() {}

func (r *runner) Cancel() {}
