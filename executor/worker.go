package executor

import (
	"context"
	"fmt"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// WorkerName returns the name of the worker running the task whose context
// is ctx ("prefix_N", see [WithName]), or "" outside a worker.
func WorkerName(ctx context.Context) string {
	v, _ := pprof.Label(ctx, labelKey)
	return v
}

const labelKey = "executor.worker"

// A worker is one worker goroutine.
type worker struct {
	e    *Executor
	name string
	wake chan struct{} // capacity 1; sent to under e.mu by the one who takes w off e.idle
	cur  task          // the task running; read by end when a task calls runtime.Goexit
}

// main is the worker goroutine, started by spawnLocked as a non-daemon
// thread of the runtime.
func (w *worker) main(*lifecycle.Thread) {
	e := w.e
	if e.hooks != nil && e.hooks.WorkerStart != nil {
		e.hooks.WorkerStart(w.name)
	}
	ctx := pprof.WithLabels(e.ctx, pprof.Labels(labelKey, w.name))
	pprof.SetGoroutineLabels(ctx)
	inited, normal := false, false
	defer func() {
		if !normal {
			w.endAbnormal(inited)
		}
	}()
	if e.cfg.initializer != nil {
		if err := initialize(ctx, e.cfg.initializer); err != nil {
			w.initFailed(err)
			normal = true
			return
		}
	}
	inited = true
	for w.loop(ctx) {
	}
	normal = true
}

// initFailed breaks the pool and ends the worker, which never took a task.
func (w *worker) initFailed(cause error) {
	e := w.e
	e.breakPool(cause)
	e.mu.Lock()
	e.claimed-- // the start was a claim
	w.retireLocked()
	w.exitLocked()
	e.mu.Unlock()
}

// initialize runs the initializer and turns its panic into an error that
// wraps the panic value when that is an error, so that errors.Is finds it
// through the broken pool's error (as lifecycle does for its hooks).
func initialize(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if rerr, ok := r.(error); ok {
				err = fmt.Errorf("initializer panicked: %w", rerr)
			} else {
				err = fmt.Errorf("initializer panicked: %v", r)
			}
		}
	}()
	return fn(ctx)
}

// loop takes tasks until the worker gives up its place; it reports
// whether the goroutine took its place back (see rejoinOrExit) and must
// loop again.
func (w *worker) loop(ctx context.Context) (again bool) {
	e := w.e
	e.mu.Lock()
	e.claimed-- // the start (or the rejoin) was a claim
	for {
		t := e.takeLocked()
		if t == nil {
			if !w.parkLocked() {
				e.mu.Unlock()
				schedpoint.Point("executor.worker.exiting")
				return w.rejoinOrExit()
			}
			continue
		}
		e.mu.Unlock()
		if !w.drain(ctx, t) {
			e.mu.Lock()
		}
	}
}

// drain runs t and then every task it pops, until it finds the queue
// empty, and returns with e.mu held (locked true); or until a task panics,
// and returns without it. It pops from out under takeMu, counting the
// outcome of the task it ran in the same critical section, and takes e.mu
// only when out is empty. Its one deferred recoverTask serves all
// the tasks it runs: the panicking task's future gets the *PanicError and
// the worker goes on. debug.Stack in a deferred call still shows the
// panicking frames. A runtime.Goexit cannot be stopped: the future fails
// and the worker ends (see endAbnormal).
func (w *worker) drain(ctx context.Context, t task) (locked bool) {
	defer w.recoverTask()
	e := w.e
	for {
		w.cur = t
		ran, failed := t.run(ctx)
		w.cur = nil
		schedpoint.Point("executor.worker.afterTask")
		e.takeMu.Lock()
		e.done.add(ran, failed)
		if t = e.out.pop(); e.out.n == 0 {
			e.outLen.Store(0)
		}
		e.takeMu.Unlock()
		if t == nil {
			e.mu.Lock()
			if t = e.takeLocked(); t == nil {
				return true
			}
			e.mu.Unlock()
		}
	}
}

// recoverTask finishes the task that did not return in drain: w.cur is
// set while a task runs, and while the done-callbacks of its end run. The
// task panicked (with a value, or with nil under GODEBUG=panicnil=1, which
// recover reports as nil) or called runtime.Goexit, or a done-callback
// called runtime.Goexit (see Future.abort); a Goexit goes on ending the
// goroutine.
func (w *worker) recoverTask() {
	r := recover()
	if w.cur == nil {
		if r != nil {
			panic(r) // not a task's panic: a bug of the executor
		}
		return
	}
	err := errGoexit
	if r != nil {
		err = &PanicError{Value: r, Stack: debug.Stack()}
	}
	w.e.record(true, w.cur.abort(err))
	w.cur = nil
}

// rejoinOrExit is the last step of a worker that gave up its place. Until
// it, the goroutine still counts against maxWorkers, so a submission in
// between may have queued a task without starting a worker for it; the
// goroutine then takes its place back and runs it (no new goroutine, so
// this holds after shutdown began too). Otherwise it stops counting and
// ends, in the same critical section, so no task is left unclaimed.
func (w *worker) rejoinOrExit() bool {
	e := w.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != stateBroken && e.queuedLocked() > e.claimed {
		e.workers++
		e.claimed++
		return true
	}
	w.exitLocked()
	return false
}

// parkLocked waits, releasing e.mu, until the worker is woken; it returns
// false, with the worker retired, when the worker must exit instead: on
// shutdown with an empty queue, or after the idle timeout.
func (w *worker) parkLocked() bool {
	e := w.e
	if e.state != stateOpen {
		w.retireLocked()
		return false
	}
	e.idle = append(e.idle, w)
	e.mu.Unlock()
	schedpoint.Point("executor.worker.parked")
	var timeout <-chan time.Time
	if e.cfg.idleTimeout > 0 {
		t := time.NewTimer(e.cfg.idleTimeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-w.wake:
		e.mu.Lock()
	case <-timeout:
		e.mu.Lock()
		if i := indexOf(e.idle, w); i >= 0 {
			e.idle = slices.Delete(e.idle, i, i+1)
			w.retireLocked()
			return false
		}
		<-w.wake // a waker took w off idle before the timeout got e.mu
	}
	e.claimed--
	return true
}

func indexOf(ws []*worker, w *worker) int {
	for i, x := range ws {
		if x == w {
			return i
		}
	}
	return -1
}

// retireLocked ends the worker role: from here on the worker takes no
// task; its goroutine still counts against maxWorkers until exitLocked.
func (w *worker) retireLocked() {
	e := w.e
	e.workers--
}

// exitLocked is the end of a worker goroutine as far as the executor is
// concerned: it stops counting against maxWorkers, and Shutdown's wait may
// end.
func (w *worker) exitLocked() {
	e := w.e
	if e.hooks != nil && e.hooks.WorkerExit != nil {
		e.hooks.WorkerExit(w.name)
	}
	e.alive--
	e.terminateIfDoneLocked()
}

// endAbnormal ends a worker whose task, done-callback or initializer
// called runtime.Goexit: the goroutine is ending whatever we do. The
// running future fails (unless it had finished: see Future.abort). While
// the executor is open a replacement is started, now that this goroutine
// no longer counts, so the queue is not stranded. When no worker can take
// the queue (the runtime refused the replacement, or shutdown began and
// this was the last worker, and no worker may start after that), the
// queued futures are cancelled, so that each still reaches a final state,
// and this goroutine counts until they are: termination waits for them.
func (w *worker) endAbnormal(inited bool) {
	e := w.e
	if !inited {
		w.initFailed(errInitGoexit)
		return
	}
	if w.cur != nil {
		e.record(true, w.cur.abort(errGoexit))
		w.cur = nil
	}
	e.mu.Lock()
	w.retireLocked()
	// This worker may have been the last one draining out: put out's
	// tasks back in front of in's, so that dispatch counts them all.
	q := e.takeAllLocked()
	e.in = q.joined()
	exited := false
	switch {
	case e.state == stateOpen:
		w.exitLocked()
		exited = true
		if e.dispatchLocked() == nil {
			e.mu.Unlock()
			return
		}
		e.alive++ // none could start and none is alive: count again until the queue is cancelled
	case e.alive > 1:
		w.exitLocked() // the other workers drain the queue
		e.mu.Unlock()
		return
	}
	stranded := rings{e.in.take()}
	e.mu.Unlock()
	stranded.finishAll(task.Cancel, func(int) {
		e.mu.Lock()
		if exited {
			e.alive--
			e.terminateIfDoneLocked()
		} else {
			w.exitLocked()
		}
		e.mu.Unlock()
	})
}
