package executor

import (
	"context"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// ShutdownOptions says how [Executor.Shutdown] shuts down. The zero value
// neither waits nor cancels.
type ShutdownOptions struct {
	// Wait makes Shutdown return only when every worker goroutine ended
	// (or ctx ended).
	Wait bool
	// CancelFutures cancels the futures still queued; otherwise the
	// workers run them before they exit.
	CancelFutures bool
}

// Shutdown stops the executor accepting tasks: Submit and Go return
// [ErrShutdown] from now on, and no worker starts any more. Queued tasks
// still run unless opts.CancelFutures (or the last worker ends by
// runtime.Goexit: see the package doc). With opts.Wait it returns when every
// worker goroutine ended, or context.Cause(ctx) when ctx ends first.
// Shutdown is idempotent: later calls cancel and wait as asked. Called with
// Wait from one of the executor's own tasks, or from a done-callback that
// one of its workers runs, it waits for itself until ctx ends, and so
// forever with a ctx that never ends (CPython raises RuntimeError, "cannot
// join current thread"): give it a ctx with a deadline there.
func (e *Executor) Shutdown(ctx context.Context, opts ShutdownOptions) error {
	var queued rings
	e.mu.Lock()
	if opts.CancelFutures {
		queued = e.takeQueueLocked()
	}
	e.beginShutdownLocked(false)
	e.mu.Unlock()
	schedpoint.Point("executor.shutdown.begun")
	e.unregister()
	if queued.len() > 0 {
		queued.finishAll(task.Cancel, func(int) { e.settled() })
	}
	if opts.Wait {
		return e.AwaitTermination(ctx)
	}
	return nil
}

// ShutdownNow shuts down like Shutdown, cancels every queued future and the
// context of every running task, and returns how many queued tasks never
// started. It does not wait; see [Executor.AwaitTermination]. The queue is
// taken out in one step under the lock, so ShutdownNow is quick however
// long the queue is.
func (e *Executor) ShutdownNow() int {
	e.mu.Lock()
	queued := e.takeQueueLocked()
	e.beginShutdownLocked(false)
	e.mu.Unlock()
	schedpoint.Point("executor.shutdownNow.begun")
	e.cancelCtx()
	e.unregister()
	n := 0
	if queued.len() > 0 {
		queued.finishAll(task.Cancel, func(cancelled int) {
			n = cancelled
			e.settled()
		})
	}
	return n
}

// takeQueueLocked empties the queue for a shutdown that cancels it, and
// counts the taken futures in settling (when there are any) until the
// caller, done cancelling them, calls settled. e.mu must be held.
func (e *Executor) takeQueueLocked() rings {
	q := e.takeAllLocked()
	if q.len() > 0 {
		e.settling++
	}
	return q
}

// AwaitTermination waits until shutdown began, every worker goroutine
// ended and every future that was queued is final (those a shutdown
// cancels included; a task that CallerRuns runs in its submitter is not
// waited for), or returns context.Cause(ctx) when ctx ends first.
func (e *Executor) AwaitTermination(ctx context.Context) error {
	select {
	case <-e.terminated:
		return nil
	default:
	}
	select {
	case <-e.terminated:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Stats is a snapshot of an executor's counters.
type Stats struct {
	Submitted   uint64 // tasks accepted (including those run by CallerRuns)
	Completed   uint64 // tasks that returned a nil error
	Failed      uint64 // tasks that returned an error or panicked, and queued tasks failed by a broken pool
	Cancelled   uint64 // futures cancelled before they started
	Rejected    uint64 // submissions refused by Abort
	Running     int    // workers not idle: running a task, about to take one, or ending
	Queued      int    // tasks in the queue, including cancelled ones not yet discarded
	Workers     int    // worker goroutines now, at most MaxWorkers
	IdleWorkers int    // workers parked waiting for a task
	PeakWorkers int    // the most worker goroutines there ever were at once
}

// Stats returns a snapshot of the counters. The task counters are read
// without stopping the workers, so Completed+Failed+Cancelled may lag
// behind the futures already final by the tasks finishing right now.
func (e *Executor) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.takeMu.Lock()
	defer e.takeMu.Unlock()
	s := Stats{
		Submitted:   e.submitted,
		Rejected:    e.rejected,
		Cancelled:   e.cancelled.Load(),
		Queued:      e.in.n + e.out.n,
		Workers:     e.alive,
		IdleWorkers: len(e.idle),
		PeakWorkers: e.peak,
		Completed:   e.done.completed,
		Failed:      e.done.failed + e.failedQueued.Load(),
	}
	s.Running = s.Workers - s.IdleWorkers
	return s
}
