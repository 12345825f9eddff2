package executor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// The states of a future. Only the transitions pending -> running ->
// finished, pending -> cancelled, running -> setting -> finished (a task
// that ended abnormally, or a [Promise] set while running), and pending ->
// resolving -> finished (a Promise set while pending, a queued future
// failed by a broken pool) exist, each made by one CompareAndSwap, so a
// final state (cancelled or finished) is reached at most once. Setting
// reads as running and resolving as pending: a future that never ran never
// reports running.
const (
	statePending uint32 = iota
	stateRunning
	stateSetting   // the result of a running future is being written
	stateResolving // the result of a pending future is being written
	stateCancelled
	stateFinished
)

func isFinal(s uint32) bool { return s >= stateCancelled }

// closedChan is what Done returns for a future that is already final.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// core is the type-independent part of a future: its state, its listeners
// (with the lazily made done channel, and the executor), and its task, then
// its error. It is kept small, and so is the future (32 bytes for a
// Future[int], 24 for a Future[struct{}]): a future is the one allocation
// of a submission, and the garbage collector's work per task grows with
// its size. Going from 64 to 48 bytes took 7.5% off a task in the bench
// module's BenchmarkExecutor at -cpu 2, and 10.6% in BenchmarkSubmitResult;
// from 48 to 32 bytes took 15% off the first and 18.5% off the second
// (10 interleaved runs of each, at -cpu 2). Two fields do double duty to
// get there:
//
//   - lis starts as the executor's shared placeholder (see
//     Executor.noListeners), which carries the executor and registers
//     nothing; the first listener replaces it with the future's own
//     listeners, which carry the executor on. So the executor a
//     cancellation is counted in costs the future no field of its own.
//   - x holds, until the task runs, the task itself: the one pointer a Go
//     func value is (see taskPointer). Once the future is finished it
//     holds nil or the *errBox of its error, so a future whose task
//     succeeded spends 8 bytes on its error instead of an interface's 16,
//     and one that failed costs an allocation more. Every way out of
//     pending clears or overwrites x (run before it calls the task,
//     cancel, fail), abort and Promise.set write it, and every reader of
//     the error loads stateFinished first, so no reader ever sees the task
//     there.
type core struct {
	state atomic.Uint32  // written only by winning CompareAndSwaps (see the constants) and the final Store of the winner
	flags uint32         // flagGoTask, written before the future is shared, and flagListening, set atomically (atomic.OrUint32) under lis.mu before a listener is registered and read by notify
	lis   unsafe.Pointer // *listeners, atomic once shared (loadLis, casLis): nil (a Promise's), the executor's placeholder, or the future's own, replaced once, by the first listener, before it sets flagListening
	x     unsafe.Pointer // the task until it runs (nil for a Promise's future), cleared by run once it won stateRunning and by cancel once it stored stateCancelled; then nil or *errBox, written by the winner before the final state is stored and read after loading stateFinished
}

// The bits of core.flags. They share one word so that the core is 24
// bytes: an atomic.Bool is 4 bytes, and a bool beside it would push lis to
// the next 8.
const (
	flagListening uint32 = 1 << iota // a listener may be registered
	flagGoTask                       // x holds an Executor.Go task, else a Submit task or none
)

func (c *core) listening() bool { return atomic.LoadUint32(&c.flags)&flagListening != 0 }

// errBox holds a finished future's error (see core).
type errBox struct{ err error }

// setErr sets the error of a future about to be finished; see core.
func (c *core) setErr(err error) {
	if err == nil {
		c.x = nil
		return
	}
	c.x = unsafe.Pointer(&errBox{err})
}

// error returns the error of a finished future; see core.
func (c *core) error() error {
	if c.x == nil {
		return nil
	}
	return (*errBox)(c.x).err
}

// A Go func value is one pointer (to the function's code and closure), so
// a task is kept in core.x as that pointer and turned back into a func of
// its type when it runs. These two declarations stop the build where that
// is not so.
var (
	_ [unsafe.Sizeof(func() {}) - unsafe.Sizeof(unsafe.Pointer(nil))]struct{}
	_ [unsafe.Sizeof(unsafe.Pointer(nil)) - unsafe.Sizeof(func() {})]struct{}
)

// taskPointer returns the pointer the func value fn is.
func taskPointer[F any](fn F) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&fn)) }

// taskFunc returns the func value of type F that p is (see taskPointer).
func taskFunc[F any](p unsafe.Pointer) F { return *(*F)(unsafe.Pointer(&p)) }

// listeners are what waits on a future; most futures never have any, so
// they live apart and keep the future small.
type listeners struct {
	exec        *Executor // the future's executor, which counts its cancellation; nil for a Promise's
	placeholder bool      // an executor's shared noListeners: never locked, never registered on

	mu        sync.Mutex    // guards the fields below
	done      chan struct{} // made by the first Done; closed by notify
	callbacks []func()
	waiters   []waiter
}

// newCore returns the core of a future of e, with e's placeholder
// listeners. It is set with a plain write, before the future is shared: an
// atomic store would be one more locked instruction per submission.
func newCore(e *Executor) core { return core{lis: unsafe.Pointer(e.noListeners)} }

func (c *core) loadLis() *listeners { return (*listeners)(atomic.LoadPointer(&c.lis)) }

func (c *core) casLis(old, new *listeners) bool {
	return atomic.CompareAndSwapPointer(&c.lis, unsafe.Pointer(old), unsafe.Pointer(new))
}

// listeners returns the future's own listeners, installing them if needed.
func (c *core) listeners() *listeners {
	cur := c.loadLis()
	if cur != nil && !cur.placeholder {
		return cur
	}
	l := &listeners{}
	if cur != nil {
		l.exec = cur.exec
	}
	if c.casLis(cur, l) {
		return l
	}
	return c.loadLis() // another listener installed them first
}

// registered returns the future's own listeners, or nil if none was ever
// registered.
func (c *core) registered() *listeners {
	if l := c.loadLis(); l != nil && !l.placeholder {
		return l
	}
	return nil
}

// executor returns the executor of the future, nil for a Promise's.
func (c *core) executor() *Executor {
	if l := c.loadLis(); l != nil {
		return l.exec
	}
	return nil
}

// A waiter is a Wait or AsCompleted call listening on a future: notify sends
// w on ch, which has room for every future it listens on.
type waiter struct {
	ch chan Waitable
	w  Waitable
}

// notify wakes everything listening once the final state is stored. The
// flags word and the state are both sequentially consistent atomics, so
// either notify sees flagListening set, or the registrant (which sets it
// before loading the state) sees the final state and does not register.
// A registrant installs lis before it sets the flag, so notify, having
// seen the flag, finds lis; it takes lis.mu after the registrant released
// it and so sees what was registered. Only the one winner of the final
// state calls notify, and every later registrant sees that state.
func (c *core) notify() {
	schedpoint.Point("executor.future.notify")
	if !c.listening() {
		return
	}
	l := c.registered()
	if l == nil {
		return
	}
	l.mu.Lock()
	done, cbs, ws := l.done, l.callbacks, l.waiters
	l.callbacks, l.waiters = nil, nil
	l.mu.Unlock()
	if done != nil {
		close(done)
	}
	for _, w := range ws {
		select {
		case w.ch <- w.w:
		default: // cannot happen: ch has room for each future once
		}
	}
	runCallbacks(cbs)
}

// runCallbacks runs cbs in order; one that calls runtime.Goexit ends the
// goroutine only after the others ran (see forEachPastGoexit).
func runCallbacks(cbs []func()) {
	forEachPastGoexit(func() (func(), bool) {
		if len(cbs) == 0 {
			return nil, false
		}
		cb := cbs[0]
		cbs = cbs[1:]
		return cb, true
	}, func(cb func()) { cb() })
}

// forEachPastGoexit calls f on each element next gives, in order, until
// next reports none left. f runs done-callbacks, and one that calls
// runtime.Goexit ends the goroutine: the deferred call then goes on with
// the elements after it first, however many such callbacks there are, so
// that none is skipped. Done-callbacks and the resolving of queued futures
// both go through it.
func forEachPastGoexit[E any](next func() (E, bool), f func(E)) {
	finished := false
	defer func() {
		if !finished { // f called runtime.Goexit
			forEachPastGoexit(next, f)
		}
	}()
	for x, ok := next(); ok; x, ok = next() {
		f(x)
	}
	finished = true
}

// listen runs register under mu unless the future is final, and reports
// whether it did.
func (c *core) listen(register func(*listeners)) bool {
	schedpoint.Point("executor.future.listen")
	l := c.listeners()
	l.mu.Lock()
	defer l.mu.Unlock()
	atomic.OrUint32(&c.flags, flagListening)
	schedpoint.Point("executor.future.listen.afterFlag")
	if isFinal(c.state.Load()) {
		return false
	}
	register(l)
	return true
}

func (c *core) doneChan() <-chan struct{} {
	if isFinal(c.state.Load()) {
		return c.finalDone()
	}
	var ch chan struct{}
	if !c.listen(func(l *listeners) {
		if l.done == nil {
			l.done = make(chan struct{})
		}
		ch = l.done
	}) {
		return c.finalDone()
	}
	return ch
}

// finalDone is Done of a final future: the channel an earlier Done made
// (closed by notify, or about to be), so that every call returns the same
// channel, as context's Done does; else the shared closed channel.
func (c *core) finalDone() <-chan struct{} {
	if l := c.registered(); l != nil {
		l.mu.Lock()
		ch := l.done
		l.mu.Unlock()
		if ch != nil {
			return ch
		}
	}
	return closedChan
}

// wait blocks until the future is final or ctx ends.
func (c *core) wait(ctx context.Context) error {
	if isFinal(c.state.Load()) {
		return nil
	}
	done := c.doneChan()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		if isFinal(c.state.Load()) {
			return nil
		}
		return context.Cause(ctx)
	}
}

// cancel moves a pending future to cancelled; see Future.Cancel.
func (c *core) cancel() bool {
	for {
		switch s := c.state.Load(); s {
		case stateCancelled:
			return true
		case statePending:
			if c.state.CompareAndSwap(statePending, stateCancelled) {
				c.x = nil // no stale reference to the callable
				if e := c.executor(); e != nil {
					e.cancelled.Add(1)
				}
				c.notify()
				return true
			}
		default:
			return false
		}
	}
}

func (c *core) removeWaiter(ch chan Waitable) {
	l := c.registered()
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, w := range l.waiters {
		if w.ch == ch {
			l.waiters = slices.Delete(l.waiters, i, i+1) // clears the freed slot: no stale channel kept
			return
		}
	}
}

// A Future is the eventual result of a task given to [Submit] or
// [Executor.Go], or of a [Promise]. It is PENDING until a worker takes it,
// RUNNING while the task runs, and then reaches exactly one final state:
// FINISHED (with a value or an error) or CANCELLED.
//
// The zero value is not usable: futures come from Submit, Go and
// [NewPromise]. A *Future is shared, never copied. All methods are safe for
// concurrent use.
//
// Memory model: the task's return (or the Promise's setter) happens before
// every Result or Err that returns its outcome, before the close of Done's
// channel, and before the done-callbacks run.
type Future[T any] struct {
	val T    // written before the final state is stored; first, since a zero-size last field would be padded
	c   core // c.x holds the task until it runs
}

// Waitable is the interface every [Future] satisfies, whatever its T, so
// that [Wait] and [AsCompleted] take futures of mixed types. It is sealed:
// only this package's futures implement it.
type Waitable interface {
	Done() <-chan struct{}
	IsDone() bool
	Cancelled() bool
	Running() bool
	Cancel() bool
	Err(ctx context.Context) error
	String() string
	futureCore() *core
}

func (f *Future[T]) futureCore() *core { return &f.c }

// run executes the task unless the future was cancelled first; it reports
// whether the task ran and whether it failed. A panic of the task goes on
// up to the caller, which must recover it and abort the future with a
// *PanicError: a worker does so once for all the tasks it runs in a row
// (see worker.drain), CallerRuns with Executor.runHere.
func (f *Future[T]) run(ctx context.Context) (ran, failed bool) {
	if !f.c.state.CompareAndSwap(statePending, stateRunning) {
		return false, false // cancelled in the queue, which let go of the callable
	}
	// No stale reference to the callable once it ran: x is cleared
	// before the call, and a nil error is not stored over the nil there
	// (one pointer write fewer, each a write barrier while the collector
	// marks).
	p := f.c.x
	f.c.x = nil
	var v T
	var err error
	schedpoint.Point("executor.future.running")
	if atomic.LoadUint32(&f.c.flags)&flagGoTask != 0 { // atomic: a listener may set flagListening meanwhile
		err = taskFunc[func(context.Context) error](p)(ctx)
	} else {
		v, err = taskFunc[func(context.Context) (T, error)](p)(ctx)
	}
	f.val = v
	if err != nil {
		f.c.setErr(err)
	}
	f.c.state.Store(stateFinished)
	f.c.notify()
	return true, err != nil
}

// abort moves the running future to FINISHED with err: its task panicked
// or called runtime.Goexit, so it will never return to finish it. It
// reports whether the task counts as failed. A future already final is
// left as it is: its task returned, and one of the done-callbacks that run
// made it final called runtime.Goexit (recovered panics never get here);
// the task's own outcome stands then, and notify, which already ran, does
// not run again.
func (f *Future[T]) abort(err error) (failed bool) {
	if !f.c.state.CompareAndSwap(stateRunning, stateSetting) {
		return f.c.state.Load() == stateFinished && f.c.x != nil
	}
	f.c.setErr(err)
	f.c.state.Store(stateFinished)
	f.c.notify()
	return true
}

// fail moves a queued future to FINISHED with err (a broken pool) and
// reports whether it did, that is whether the future was still pending.
func (f *Future[T]) fail(err error) bool {
	if !f.c.state.CompareAndSwap(statePending, stateResolving) {
		return false
	}
	f.c.setErr(err) // over the task's function
	f.c.state.Store(stateFinished)
	if e := f.c.executor(); e != nil {
		e.failedQueued.Add(1) // before the callbacks, which may not return
	}
	f.c.notify()
	return true
}

// runHere runs t in the submitting goroutine (CallerRuns) and counts its
// outcome, turning a panic into the future's *PanicError. A runtime.Goexit
// (or a panic(nil) under GODEBUG=panicnil=1, which recover cannot tell from
// it) fails the future with errGoexit, and is counted before the Goexit goes
// on ending the goroutine.
func (e *Executor) runHere(t task) {
	defer e.callerReturned() // after the outcome is counted
	returned := false
	defer func() {
		if returned {
			return
		}
		err := errGoexit
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
		e.record(true, t.abort(err))
	}()
	ran, failed := t.run(e.ctx)
	returned = true
	e.record(ran, failed)
}

// callerReturned ends a CallerRuns task's count in callers, and cancels
// the tasks' context if the executor terminated while it ran.
func (e *Executor) callerReturned() {
	e.mu.Lock()
	e.callers--
	e.cancelIfIdleLocked()
	e.mu.Unlock()
}

var (
	errGoexit     = errors.New("executor: task called runtime.Goexit")
	errInitGoexit = errors.New("initializer called runtime.Goexit")
)

// Result waits until the future is final or ctx ends and returns the task's
// value and error; [ErrCancelled] if it was cancelled; context.Cause(ctx) if
// ctx ended first (the future is not cancelled then).
func (f *Future[T]) Result(ctx context.Context) (T, error) {
	s := f.c.state.Load() // a final state needs nothing more than this load
	if !isFinal(s) {
		if err := f.c.wait(ctx); err != nil {
			var zero T
			return zero, err
		}
		s = f.c.state.Load()
	}
	if s == stateCancelled {
		var zero T
		return zero, ErrCancelled
	}
	return f.val, f.c.error()
}

// Err is Result without the value.
func (f *Future[T]) Err(ctx context.Context) error {
	_, err := f.Result(ctx)
	return err
}

// Done returns a channel closed when the future reaches its final state.
// The channel is made on the first call that finds the future not final,
// and every later call returns it; a future final before any call returns
// a shared closed channel.
func (f *Future[T]) Done() <-chan struct{} { return f.c.doneChan() }

// Cancel cancels the future if it is pending. It reports true if the future
// is now cancelled (it was pending or already cancelled), false if it is
// running or finished. Cancelling never interrupts a running task.
func (f *Future[T]) Cancel() bool { return f.c.cancel() }

// Cancelled reports whether the future was cancelled.
func (f *Future[T]) Cancelled() bool { return f.c.state.Load() == stateCancelled }

// Running reports whether the task is running now.
func (f *Future[T]) Running() bool {
	s := f.c.state.Load()
	return s == stateRunning || s == stateSetting
}

// IsDone reports whether the future is final: cancelled or finished.
func (f *Future[T]) IsDone() bool { return isFinal(f.c.state.Load()) }

// AddDoneCallback arranges for fn(f) to run when f becomes final, in the
// goroutine that makes it final (a worker, a canceller, a Promise setter);
// if f is already final fn runs at once in the caller. The callbacks added
// before f became final run in the order they were added; one added while
// they run (f is final then) runs at once in the caller, possibly before
// them, as in CPython. A panicking callback is recovered and logged with
// log/slog, and a callback that calls runtime.Goexit ends its goroutine
// after the callbacks behind it ran; either way the others still run.
func (f *Future[T]) AddDoneCallback(fn func(*Future[T])) {
	if fn == nil {
		panic("executor: nil done callback")
	}
	cb := func() { runCallback(f, fn) }
	if isFinal(f.c.state.Load()) || !f.c.listen(func(l *listeners) { l.callbacks = append(l.callbacks, cb) }) {
		cb()
	}
}

func runCallback[T any](f *Future[T], fn func(*Future[T])) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("executor: done callback panicked", "future", f.String(), "panic", r)
		}
	}()
	fn(f)
}

// String describes the future as CPython's repr does:
// "<Future at 0x... state=pending>", "running", "cancelled",
// "finished returned int", "finished raised *errors.errorString".
func (f *Future[T]) String() string {
	var st string
	switch s := f.c.state.Load(); s {
	case statePending, stateResolving:
		st = "pending"
	case stateRunning, stateSetting:
		st = "running"
	case stateCancelled:
		st = "cancelled"
	default:
		if err := f.c.error(); err != nil {
			st = fmt.Sprintf("finished raised %T", err)
		} else {
			st = fmt.Sprintf("finished returned %T", any(f.val))
		}
	}
	return fmt.Sprintf("<Future at %p state=%s>", f, st)
}

// A Promise is the writing side of a future that no executor runs: whoever
// holds it sets the future's final state once (CPython's set_result and
// set_exception, meant for executor implementations and tests).
//
// The zero value is not usable: use [NewPromise]. A *Promise is shared,
// never copied; its methods are safe for concurrent use, and exactly one
// setter (or a Cancel on the future) wins.
//
// Memory model: a successful SetResult or SetError happens before every
// Result of the future that returns what it set.
type Promise[T any] struct {
	f *Future[T]
}

// NewPromise returns a promise and its pending future.
func NewPromise[T any]() *Promise[T] { return &Promise[T]{f: &Future[T]{}} }

// Future returns the promise's future.
func (p *Promise[T]) Future() *Future[T] { return p.f }

// SetRunning moves the future from pending to running, so that Cancel fails
// from then on. It reports false, changing nothing, if the future was
// cancelled (CPython's set_running_or_notify_cancel); it panics if the
// future is running or final.
func (p *Promise[T]) SetRunning() bool {
	if p.f.c.state.CompareAndSwap(statePending, stateRunning) {
		return true
	}
	if p.f.c.state.Load() == stateCancelled {
		return false
	}
	panic("executor: SetRunning on a future that is running or finished")
}

// SetResult finishes the future with v. It returns [ErrInvalidState] if the
// future already has a final state (or another setter is writing one).
func (p *Promise[T]) SetResult(v T) error { return p.set(v, nil) }

// SetError finishes the future with err. It returns [ErrInvalidState] if the
// future already has a final state.
func (p *Promise[T]) SetError(err error) error {
	if err == nil {
		panic("executor: SetError with a nil error")
	}
	var zero T
	return p.set(zero, err)
}

func (p *Promise[T]) set(v T, err error) error {
	c := &p.f.c
	for {
		s := c.state.Load()
		if s != statePending && s != stateRunning {
			return fmt.Errorf("%w: %s", ErrInvalidState, p.f)
		}
		next := stateSetting
		if s == statePending {
			next = stateResolving // it never ran: it does not read as running
		}
		if c.state.CompareAndSwap(s, next) {
			break
		}
	}
	schedpoint.Point("executor.promise.claimed")
	p.f.val = v
	c.setErr(err)
	c.state.Store(stateFinished)
	c.notify()
	return nil
}
