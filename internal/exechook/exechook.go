// Package exechook lets this module's own tests and verification observe the
// protocol edges of an executor.Executor: the moments a worker goroutine is
// started, starts running, stops counting, and the moment shutdown begins.
// It is internal, so programs cannot depend on it.
//
// It exists for paddock verify: the executor scenario checks that no worker
// starts after shutdown began at the very points where the executor starts
// workers and begins its shutdown, both under the executor's lock, as the
// naive port's check sits where Python 3.8 starts a thread.
package exechook

// Hooks observe an executor. Every field may be nil. Spawn, WorkerExit and
// ShutdownBegin run under the executor's lock, so their order is the order
// of the events; WorkerStart runs first in the worker goroutine, and
// WorkerExit when the goroutine stops counting against MaxWorkers, after
// which it only returns. A hook must not call the executor.
type Hooks struct {
	Spawn         func(name string)
	WorkerStart   func(name string)
	WorkerExit    func(name string)
	ShutdownBegin func()
}

// Install installs h on e, which must be an *executor.Executor with no task
// submitted yet. Package executor sets it when it is initialized; it is a
// variable because this package cannot import executor (executor imports
// it).
var Install func(e any, h Hooks)
