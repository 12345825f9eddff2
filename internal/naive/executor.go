// This file is a faithful Go port of Python 3.8's ORIGINAL
// concurrent.futures.ThreadPoolExecutor (Lib/concurrent/futures/thread.py
// before bpo-31783 added _global_shutdown_lock): submit checks the
// executor's and the interpreter's shutdown flags, then queues the work item
// and adjusts the thread count (starting a worker), holding only the
// executor's own lock; the exit hook _python_exit sets the global flag, puts
// a None sentinel on every known work queue, snapshots the threads and
// joins only those, without any lock shared with submit. It is racy by
// design: a submit whose check passed before the exit hook set the flag
// starts a worker after the snapshot, which is never joined and runs tasks
// after the exit hook returned (shared/seeds/cpython-threadpool-shutdown-race.txt).
// Nothing public may import it, and its tests cannot run under -race.
//
// Python's GIL makes each single operation on a dict, a set or a flag
// atomic; the port keeps that with atomics and a mutex around each single
// map operation, so the only race left is the logical one between submit's
// check and its thread start. A scheduling point,
// naive.executor.submit.afterCheck, sits in that window (and Window, a test
// hook, lets a harness widen it without -tags schedtest).
//
// The interpreter's exit is not a lifecycle.Runtime here: ExecutorRuntime
// holds the module globals (_shutdown, _threads_queues) and its Exit method
// is _python_exit, which a scenario calls where the interpreter would.

package naive

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// Errors of the port, with CPython's messages.
var (
	ErrExecutorShutdown    = errors.New("cannot schedule new futures after shutdown")
	ErrInterpreterShutdown = errors.New("cannot schedule new futures after interpreter shutdown")
	ErrFutureCancelled     = errors.New("CancelledError")
)

// ExecutorRuntime is the module state of concurrent/futures/thread.py: the
// global _shutdown flag and _threads_queues.
type ExecutorRuntime struct {
	// OnExit, if set before use, is called by Exit right after it set the
	// flag: the moment shutdown began, for a harness.
	OnExit func()

	shutdown atomic.Bool // _shutdown

	mu            sync.Mutex                 // makes each map operation atomic, as the GIL does
	threadsQueues map[*pyThread]*simpleQueue // _threads_queues
	everStarted   []*pyThread                // for JoinAll only; not in CPython
	counter       int                        // ThreadPoolExecutor._counter
}

// NewExecutorRuntime returns fresh module state.
func NewExecutorRuntime() *ExecutorRuntime {
	return &ExecutorRuntime{threadsQueues: make(map[*pyThread]*simpleQueue)}
}

// Exit is _python_exit: set the flag, wake and join the threads known now.
func (r *ExecutorRuntime) Exit() {
	r.shutdown.Store(true)
	if r.OnExit != nil {
		r.OnExit()
	}
	r.mu.Lock()
	type item struct {
		t *pyThread
		q *simpleQueue
	}
	items := make([]item, 0, len(r.threadsQueues))
	for t, q := range r.threadsQueues {
		items = append(items, item{t, q})
	}
	r.mu.Unlock()
	for _, it := range items {
		it.q.put(nil)
	}
	for _, it := range items {
		<-it.t.done
	}
}

// JoinAll is a harness aid, not part of the port: it puts a sentinel on the
// queue of every thread ever started and joins them all, so that tests
// leave no goroutine behind after showing that Exit missed some. Tasks
// queued behind no thread stay unresolved.
func (r *ExecutorRuntime) JoinAll() {
	r.shutdown.Store(true)
	r.mu.Lock()
	all := append([]*pyThread(nil), r.everStarted...)
	r.mu.Unlock()
	for _, t := range all {
		t.q.put(nil)
	}
	for _, t := range all {
		<-t.done
	}
}

type pyThread struct {
	name string
	q    *simpleQueue
	done chan struct{} // closed when the thread ends: Thread.join
}

// simpleQueue is queue.SimpleQueue: unbounded, FIFO; nil is the None
// sentinel.
type simpleQueue struct {
	mu    sync.Mutex
	cond  sync.Cond
	items []*workItem
}

func newSimpleQueue() *simpleQueue {
	q := &simpleQueue{}
	q.cond.L = &q.mu
	return q
}

func (q *simpleQueue) put(w *workItem) {
	q.mu.Lock()
	q.items = append(q.items, w)
	q.mu.Unlock()
	q.cond.Signal()
}

func (q *simpleQueue) get() *workItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	w := q.items[0]
	q.items = q.items[1:]
	return w
}

// ExecutorHooks observe the port's protocol edges, as paddock's executor
// tests observe it. Every field may be nil.
type ExecutorHooks struct {
	Spawn         func(name string) // when submit starts a thread
	WorkerStart   func(name string) // first thing in a worker
	WorkerExit    func(name string) // last thing in a worker
	ShutdownBegin func()            // when Exit or Shutdown sets a flag
	Window        func()            // in submit between the check and the thread start
}

// Executor is ThreadPoolExecutor of Python 3.8.
type Executor struct {
	rt           *ExecutorRuntime
	maxWorkers   int
	prefix       string
	workQueue    *simpleQueue
	idleMu       sync.Mutex // _idle_semaphore's own lock
	idle         int        // _idle_semaphore's value
	shutdownLock sync.Mutex // self._shutdown_lock
	shutdown     atomic.Bool
	threadsMu    sync.Mutex // makes each set operation atomic, as the GIL does
	threads      []*pyThread
	hooks        ExecutorHooks
}

// NewExecutor is ThreadPoolExecutor(max_workers, thread_name_prefix) with
// its module state rt; hooks may be the zero value.
func NewExecutor(rt *ExecutorRuntime, maxWorkers int, prefix string, hooks ExecutorHooks) *Executor {
	rt.mu.Lock()
	if prefix == "" {
		prefix = fmt.Sprintf("ThreadPoolExecutor-%d", rt.counter)
	}
	rt.counter++
	rt.mu.Unlock()
	return &Executor{rt: rt, maxWorkers: maxWorkers, prefix: prefix, workQueue: newSimpleQueue(), hooks: hooks}
}

// Go is submit(fn).
func (e *Executor) Go(fn func(context.Context) error) (*Future, error) {
	e.shutdownLock.Lock()
	defer e.shutdownLock.Unlock()
	if e.shutdown.Load() {
		return nil, ErrExecutorShutdown
	}
	if e.rt.shutdown.Load() {
		return nil, ErrInterpreterShutdown
	}
	schedpoint.Point("naive.executor.submit.afterCheck")
	if e.hooks.Window != nil {
		e.hooks.Window()
	}
	f := &Future{}
	e.workQueue.put(&workItem{f: f, fn: fn})
	e.adjustThreadCount()
	return f, nil
}

// adjustThreadCount is _adjust_thread_count of 3.8.
func (e *Executor) adjustThreadCount() {
	e.idleMu.Lock()
	if e.idle > 0 { // _idle_semaphore.acquire(timeout=0)
		e.idle--
		e.idleMu.Unlock()
		return
	}
	e.idleMu.Unlock()
	e.threadsMu.Lock()
	n := len(e.threads)
	e.threadsMu.Unlock()
	if n >= e.maxWorkers {
		return
	}
	t := &pyThread{name: fmt.Sprintf("%s_%d", e.prefix, n), q: e.workQueue, done: make(chan struct{})}
	if e.hooks.Spawn != nil {
		e.hooks.Spawn(t.name)
	}
	e.rt.mu.Lock()
	e.rt.everStarted = append(e.rt.everStarted, t)
	e.rt.mu.Unlock()
	go e.worker(t) // t.start()
	e.threadsMu.Lock()
	e.threads = append(e.threads, t)
	e.threadsMu.Unlock()
	e.rt.mu.Lock()
	e.rt.threadsQueues[t] = e.workQueue
	e.rt.mu.Unlock()
}

// worker is _worker of 3.8.
func (e *Executor) worker(t *pyThread) {
	defer close(t.done)
	if e.hooks.WorkerStart != nil {
		e.hooks.WorkerStart(t.name)
	}
	if e.hooks.WorkerExit != nil {
		defer e.hooks.WorkerExit(t.name)
	}
	for {
		w := e.workQueue.get()
		if w != nil {
			w.run()
			e.idleMu.Lock()
			e.idle++ // _idle_semaphore.release()
			e.idleMu.Unlock()
			continue
		}
		if e.rt.shutdown.Load() || e.shutdown.Load() {
			e.shutdown.Store(true)
			e.workQueue.put(nil)
			return
		}
	}
}

// Shutdown is shutdown(wait).
func (e *Executor) Shutdown(wait bool) {
	e.shutdownLock.Lock()
	e.shutdown.Store(true)
	if e.hooks.ShutdownBegin != nil {
		e.hooks.ShutdownBegin()
	}
	e.workQueue.put(nil)
	e.shutdownLock.Unlock()
	if wait {
		e.threadsMu.Lock()
		ts := append([]*pyThread(nil), e.threads...)
		e.threadsMu.Unlock()
		for _, t := range ts {
			<-t.done
		}
	}
}

type workItem struct {
	f  *Future
	fn func(context.Context) error
}

// run is _WorkItem.run.
func (w *workItem) run() {
	if !w.f.setRunningOrNotifyCancel() {
		return
	}
	w.f.set(w.fn(context.Background()))
}

// Future is concurrent.futures.Future, reduced to what the scenarios use.
type Future struct {
	mu        sync.Mutex
	state     int // 0 pending, 1 running, 2 cancelled, 3 finished
	err       error
	done      chan struct{}
	callbacks []func(*Future)
}

func (f *Future) doneChan() chan struct{} {
	if f.done == nil {
		f.done = make(chan struct{})
	}
	return f.done
}

func (f *Future) setRunningOrNotifyCancel() bool {
	f.mu.Lock()
	if f.state == 2 {
		f.mu.Unlock()
		return false
	}
	f.state = 1
	f.mu.Unlock()
	return true
}

func (f *Future) set(err error) {
	f.mu.Lock()
	f.state, f.err = 3, err
	close(f.doneChan())
	cbs := f.callbacks
	f.callbacks = nil
	f.mu.Unlock()
	for _, cb := range cbs {
		cb(f)
	}
}

// Cancel is cancel().
func (f *Future) Cancel() bool {
	f.mu.Lock()
	switch f.state {
	case 1, 3:
		f.mu.Unlock()
		return false
	case 2:
		f.mu.Unlock()
		return true
	}
	f.state = 2
	close(f.doneChan())
	cbs := f.callbacks
	f.callbacks = nil
	f.mu.Unlock()
	for _, cb := range cbs {
		cb(f)
	}
	return true
}

// Done returns a channel closed when the future is done.
func (f *Future) Done() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.doneChan()
}

// IsDone is done().
func (f *Future) IsDone() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state >= 2
}

// Err is exception() after waiting; ctx bounds the wait.
func (f *Future) Err(ctx context.Context) error {
	select {
	case <-f.Done():
	case <-ctx.Done():
		return ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state == 2 {
		return ErrFutureCancelled
	}
	return f.err
}

// AddDoneCallback is add_done_callback: fn runs at once if f is done.
func (f *Future) AddDoneCallback(fn func(*Future)) {
	f.mu.Lock()
	if f.state < 2 {
		f.callbacks = append(f.callbacks, fn)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	fn(f)
}
