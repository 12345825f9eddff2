package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/paddock-go/paddock/internal/exechook"
	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// The run states of an executor. They only move forward.
const (
	stateOpen     = iota // accepting tasks
	stateShutdown        // Shutdown, ShutdownNow or the runtime's finalization began
	stateBroken          // an initializer failed
)

// An Executor runs tasks on a bounded set of worker goroutines and gives
// back a [Future] for each: Python's concurrent.futures.ThreadPoolExecutor.
//
// The zero value is not usable: use [New]. An Executor must not be copied.
// All methods are safe for concurrent use, including from tasks and
// done-callbacks (but Shutdown with Wait from a task waits for itself until
// its ctx ends).
//
// Memory model: a successful Submit happens before its task starts; the end
// of every worker, and the final state of every future that was queued,
// happen before Shutdown with Wait or AwaitTermination returns nil.
type Executor struct {
	_   noCopy
	cfg config
	ctx context.Context // given to tasks; cancelled by ShutdownNow, and once terminated with no CallerRuns task running
	// cancelCtx cancels ctx. unregister removes the BeforeJoin hook.
	cancelCtx context.CancelFunc
	// noListeners is the placeholder every future of e starts with in
	// place of listeners of its own; it carries e (see core).
	noListeners *listeners
	unregister  func()

	mu         sync.Mutex // guards every field below up to takeMu
	state      int
	finalizing bool      // shutdown was begun by the runtime's finalization
	brokenErr  error     // set with stateBroken
	in         ring      // the newer queued tasks: submissions push here
	idle       []*worker // parked workers, most recent last
	claimed    int       // workers started or woken for a task that have not yet looked at the queue
	workers    int       // goroutines in the worker role, taking tasks (<= alive)
	alive      int       // worker goroutines not yet ended: bounded by maxWorkers
	peak       int       // the most alive there ever were
	nextID     int
	submitted  uint64
	rejected   uint64
	// settling counts the batches of futures taken out of the queue and
	// being cancelled with mu released (by Shutdown with CancelFutures,
	// ShutdownNow, DiscardOldest). Termination waits until it is 0, so
	// that every queued future is final when AwaitTermination returns.
	settling int
	// callers counts the CallerRuns tasks running in their submitters.
	// Termination does not wait for them (see AwaitTermination), but the
	// tasks' context is cancelled only once they returned too.
	callers    int
	terminated chan struct{}
	termClosed bool

	// takeMu guards out and done. It is taken after mu when both are
	// held, never before. Workers pop from out under takeMu alone, so a
	// submission (mu) and a worker taking its next task (takeMu) do not
	// contend; only a worker that finds out empty takes mu, and moves the
	// whole of in to out at once (see takeLocked).
	takeMu sync.Mutex
	out    ring  // the older queued tasks, always older than those in in
	done   tally // outcomes of the tasks run, by workers and CallerRuns
	// outLen is at least out.n whenever mu is held: it rises only under
	// mu (with takeMu), when in moves to out, and is lowered (under
	// takeMu) when out empties, so a submission can count the queue
	// without takeMu. An excess only makes a dispatch wake or start a
	// worker that finds nothing to do; lowering it at every pop would
	// cost a write to a line every submission reads.
	outLen atomic.Int64

	cancelled atomic.Uint64 // written by whoever cancels one of its futures
	// failedQueued counts the queued futures a broken pool failed; written
	// by breakPool's goroutine, before each future's callbacks run.
	failedQueued atomic.Uint64
	hooks        *exechook.Hooks // set before the first Submit, by tests and verify only (internal/exechook)
}

// tally counts task outcomes; Executor.takeMu guards it.
type tally struct {
	completed uint64
	failed    uint64
}

func (c *tally) add(ran, failed bool) {
	switch {
	case failed:
		c.failed++
	case ran:
		c.completed++
	}
}

// record counts one task outcome.
func (e *Executor) record(ran, failed bool) {
	e.takeMu.Lock()
	e.done.add(ran, failed)
	e.takeMu.Unlock()
}

// init gives internal/exechook its way in: this module's tests and paddock
// verify install hooks with exechook.Install, before the first submission.
func init() {
	exechook.Install = func(x any, h exechook.Hooks) {
		e := x.(*Executor)
		e.mu.Lock()
		defer e.mu.Unlock()
		e.hooks = &h
	}
}

// noCopy makes go vet's copylocks check report copies.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// New returns an executor configured by opts. It registers the executor's
// shutdown with the runtime (see [WithRuntime]) and returns ErrFinalizing if
// that runtime already began finalizing. No worker starts before the first
// task is submitted.
func New(opts ...Option) (*Executor, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("executor: option must not be nil")
		}
		if err := o.apply(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.rt == nil {
		cfg.rt = lifecycle.Default()
	}
	e := &Executor{cfg: cfg, terminated: make(chan struct{})}
	e.noListeners = &listeners{exec: e, placeholder: true}
	e.ctx, e.cancelCtx = context.WithCancel(context.Background())
	unregister, err := cfg.rt.BeforeJoin(e.finalize)
	if err != nil {
		e.cancelCtx()
		return nil, ErrFinalizing
	}
	e.unregister = unregister
	return e, nil
}

// finalize is the BeforeJoin hook: CPython's _python_exit for this
// executor. It begins the shutdown under mu, so no worker can start after
// it, and waits for the workers, which drain the queue first.
func (e *Executor) finalize(ctx context.Context) error {
	e.mu.Lock()
	e.beginShutdownLocked(true)
	e.mu.Unlock()
	schedpoint.Point("executor.finalize.begun")
	return e.AwaitTermination(ctx)
}

// MaxWorkers returns the bound on the number of workers.
func (e *Executor) MaxWorkers() int { return e.cfg.maxWorkers }

// Submit schedules fn to run on a worker with a context that ShutdownNow
// cancels, as does the executor's termination once every CallerRuns task
// has returned too, and returns its future. It returns [ErrShutdown] once shutdown
// began, [ErrFinalizing] once the runtime is finalizing, an error wrapping
// [ErrBroken] for a broken pool, and [ErrRejected] when the bounded queue is
// full under [Abort], each with a nil future. A panic in fn becomes the
// future's [*PanicError].
func Submit[T any](e *Executor, fn func(context.Context) (T, error)) (*Future[T], error) {
	if fn == nil {
		panic("executor: nil task function")
	}
	f := &Future[T]{c: newCore(e)}
	f.c.x = taskPointer(fn)
	if err := e.accept(f); err != nil {
		return nil, err
	}
	return f, nil
}

// Go is Submit for a function with no result.
func (e *Executor) Go(fn func(context.Context) error) (*Future[struct{}], error) {
	if fn == nil {
		panic("executor: nil task function")
	}
	f := &Future[struct{}]{c: newCore(e)}
	f.c.x, f.c.flags = taskPointer(fn), flagGoTask
	if err := e.accept(f); err != nil {
		return nil, err
	}
	return f, nil
}

// accept runs the submit protocol for a new future, made with its exec set.
func (e *Executor) accept(f task) error {
	err := e.enqueue(f)
	if err == errCallerRuns {
		e.runHere(f)
		return nil
	}
	return err
}

var errCallerRuns = errors.New("executor: caller runs") // internal signal, never returned

// enqueue is the submit protocol. Everything from the state check to the
// start of a worker happens under e.mu, and every change of e.state happens
// under e.mu too: a shutdown either precedes the check (and the submission
// fails) or follows the worker's start (and then wakes or waits for it).
func (e *Executor) enqueue(t task) error {
	var dropped task
	e.mu.Lock()
	if err := e.closedErrLocked(); err != nil {
		e.mu.Unlock()
		return err
	}
	schedpoint.Point("executor.submit.afterCheck")
	if e.cfg.queueSize > 0 && e.fullLocked() {
		switch e.cfg.rejection {
		case Abort:
			e.rejected++
			e.mu.Unlock()
			return ErrRejected
		case CallerRuns:
			e.submitted++
			e.callers++ // until runHere returns: see terminateIfDoneLocked
			e.mu.Unlock()
			return errCallerRuns
		case DiscardOldest:
			if dropped = e.popOldestLocked(); dropped != nil {
				e.settling++
			}
		}
	}
	e.in.push(t)
	err := e.dispatchLocked()
	if err != nil {
		// The runtime refused the first worker: take the task back.
		e.in.n--
		e.in.buf[(e.in.head+e.in.n)&(len(e.in.buf)-1)] = nil
	} else {
		e.submitted++
	}
	e.mu.Unlock()
	schedpoint.Point("executor.submit.afterEnqueue")
	if dropped != nil {
		e.cancelDropped(dropped)
	}
	return err
}

// cancelDropped cancels the future DiscardOldest took out of the queue and
// ends its batch in settling, even when a done-callback calls
// runtime.Goexit.
func (e *Executor) cancelDropped(t task) {
	defer e.settled()
	t.Cancel()
}

// settled ends one batch of futures counted in settling, now all final,
// and terminates the executor if that was all it waited for.
func (e *Executor) settled() {
	e.mu.Lock()
	e.settling--
	e.terminateIfDoneLocked()
	e.mu.Unlock()
}

// closedErrLocked returns why the executor accepts nothing, or nil.
func (e *Executor) closedErrLocked() error {
	switch {
	case e.state == stateBroken:
		return e.brokenErr
	case e.state == stateShutdown && e.finalizing, e.cfg.rt.Begun():
		return ErrFinalizing
	case e.state == stateShutdown:
		return ErrShutdown
	}
	return nil
}

// fullLocked reports whether the bounded queue has no room: the tasks no
// worker is about to take fill it, and no worker can be woken or started.
func (e *Executor) fullLocked() bool {
	return len(e.idle) == 0 && e.alive >= e.cfg.maxWorkers && e.queuedLocked()-e.claimed >= e.cfg.queueSize
}

// queuedLocked returns how many tasks are queued, in and out. e.mu must be
// held.
func (e *Executor) queuedLocked() int {
	e.takeMu.Lock()
	defer e.takeMu.Unlock()
	return e.in.n + e.out.n
}

// popOldestLocked removes and returns the oldest queued task that no
// worker was started or woken for, or nil. The claimed workers take the
// oldest tasks when they run, so the first e.claimed tasks are spoken for:
// as in Java, where a new worker's first task never enters the queue,
// DiscardOldest drops the oldest task that is only waiting. e.mu must be
// held.
func (e *Executor) popOldestLocked() task {
	e.takeMu.Lock()
	defer e.takeMu.Unlock()
	k := e.claimed
	if k < e.out.n {
		t := e.out.removeAt(k)
		e.outLen.Store(int64(e.out.n))
		return t
	}
	if k -= e.out.n; k < e.in.n {
		return e.in.removeAt(k)
	}
	return nil
}

// takeLocked removes and returns the oldest queued task, or nil when the
// queue is empty: the head of out, or, when out is empty, the head of in
// after all of in moved to out (the two rings swap: out's empty buffer
// becomes in's). e.mu must be held, so in cannot change meanwhile.
func (e *Executor) takeLocked() task {
	e.takeMu.Lock()
	defer e.takeMu.Unlock()
	t := e.out.pop()
	if t == nil && e.in.n > 0 {
		e.in, e.out = e.out, e.in
		t = e.out.pop()
	}
	e.outLen.Store(int64(e.out.n))
	return t
}

// takeAllLocked empties the queue and returns its two rings, oldest tasks
// first, in O(1) however long the queue is. e.mu must be held.
func (e *Executor) takeAllLocked() rings {
	e.takeMu.Lock()
	defer e.takeMu.Unlock()
	e.outLen.Store(0)
	return rings{e.out.take(), e.in.take()}
}

// dispatchLocked makes sure a worker will take the task just queued: an idle
// worker first (CPython gh-102024), else a new one below maxWorkers, else a
// busy worker will get to it. It counts out by outLen, an upper bound,
// without taking takeMu. The bound counts worker goroutines, not only those
// taking tasks: a goroutine that gave up its place still counts until its
// last step, which takes a task left unclaimed (see rejoinOrExit), so there
// are never more than maxWorkers workers (after that step a goroutine only
// returns). It fails only if the runtime refuses a new worker while no
// goroutine is alive.
func (e *Executor) dispatchLocked() error {
	if len(e.idle) == 0 && e.alive >= e.cfg.maxWorkers {
		return nil // saturated: a busy worker will get to it
	}
	// outLen is read only when in alone does not decide: it is written by
	// the workers, so its line is often on another core.
	if e.in.n <= e.claimed && e.in.n+int(e.outLen.Load()) <= e.claimed {
		return nil
	}
	if n := len(e.idle); n > 0 {
		w := e.idle[n-1]
		e.idle = e.idle[:n-1]
		e.wakeLocked(w)
		return nil
	}
	if e.alive >= e.cfg.maxWorkers {
		return nil
	}
	err := e.spawnLocked()
	if err != nil && e.alive > 0 {
		return nil // the existing workers drain the queue before they exit
	}
	return err
}

func (e *Executor) wakeLocked(w *worker) {
	e.claimed++
	w.wake <- struct{}{} // never blocks: only a waker taking w off idle sends, once
}

// spawnLocked starts a worker. The caller checked e.state under e.mu.
func (e *Executor) spawnLocked() error {
	w := &worker{e: e, name: fmt.Sprintf("%s_%d", e.cfg.name, e.nextID), wake: make(chan struct{}, 1)}
	if err := e.cfg.rt.Go(w.name, w.main); err != nil {
		return ErrFinalizing
	}
	e.nextID++
	e.claimed++
	e.workers++
	e.alive++
	e.peak = max(e.peak, e.alive)
	if e.hooks != nil && e.hooks.Spawn != nil {
		e.hooks.Spawn(w.name)
	}
	return nil
}

// beginShutdownLocked leaves stateOpen, wakes the idle workers so they exit
// once the queue is empty, and marks termination if no worker is alive.
func (e *Executor) beginShutdownLocked(finalizing bool) {
	if e.state != stateOpen {
		return
	}
	e.state = stateShutdown
	e.finalizing = finalizing
	if e.hooks != nil && e.hooks.ShutdownBegin != nil {
		e.hooks.ShutdownBegin()
	}
	e.wakeIdleLocked()
	e.terminateIfDoneLocked()
}

func (e *Executor) wakeIdleLocked() {
	for _, w := range e.idle {
		e.wakeLocked(w)
	}
	clear(e.idle)
	e.idle = e.idle[:0]
}

func (e *Executor) terminateIfDoneLocked() {
	if e.state != stateOpen && e.alive == 0 && e.settling == 0 && !e.termClosed {
		e.termClosed = true
		close(e.terminated)
		e.cancelIfIdleLocked()
	}
}

// cancelIfIdleLocked cancels the tasks' context once the executor has
// terminated and no CallerRuns task runs in its submitter anymore: no task
// runs then, and what a task left waiting on its context (a goroutine, a
// context.AfterFunc) ends now, not never. e.mu must be held.
func (e *Executor) cancelIfIdleLocked() {
	if e.termClosed && e.callers == 0 {
		e.cancelCtx()
	}
}

// breakPool is called by a worker whose initializer failed: it fails the
// queued futures, as CPython does, and marks the pool broken if it was
// open. After shutdown began the state stays: Submit goes on failing with
// the error of the shutdown, which came first (an initializer that failed
// because ShutdownNow cancelled its context is no news).
func (e *Executor) breakPool(cause error) {
	err := fmt.Errorf("%w: %w", ErrBroken, cause)
	e.mu.Lock()
	if e.state == stateBroken {
		e.mu.Unlock()
		return
	}
	if e.state == stateOpen {
		e.state, e.brokenErr = stateBroken, err
		if e.hooks != nil && e.hooks.ShutdownBegin != nil {
			e.hooks.ShutdownBegin()
		}
	}
	q := e.takeAllLocked()
	e.wakeIdleLocked()
	e.mu.Unlock()
	schedpoint.Point("executor.broken.begun")
	q.finishAll(func(t task) bool { return t.fail(err) }, func(int) {})
}
