package executor

// Hooks observe an executor's protocol edges in tests. Every field may be
// nil. Spawn, WorkerExit and ShutdownBegin run under the executor's lock,
// so their order is the order of the events; WorkerStart runs first in the
// worker goroutine, and WorkerExit when the goroutine stops counting
// against MaxWorkers, after which it only returns.
type Hooks struct {
	Spawn         func(name string)
	WorkerStart   func(name string)
	WorkerExit    func(name string)
	ShutdownBegin func()
}

// SetHooks installs h; call it before the first submission.
func SetHooks(e *Executor, h Hooks) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hooks = &testHooks{spawn: h.Spawn, workerStart: h.WorkerStart, workerExit: h.WorkerExit, shutdownBegin: h.ShutdownBegin}
}
