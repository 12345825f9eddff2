package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// JoinError is returned by [Runtime.Finalize] when its context ended before
// every non-daemon goroutine did. Running names those still running, sorted.
type JoinError struct {
	Running []string
	Err     error // the context's cause
}

// Error names the goroutines still running and the context's error.
func (e *JoinError) Error() string {
	return fmt.Sprintf("lifecycle: %d non-daemon goroutine(s) still running: %s: %v",
		len(e.Running), strings.Join(e.Running, ", "), e.Err)
}

// Unwrap returns the context's cause.
func (e *JoinError) Unwrap() error { return e.Err }

// Finalize shuts the runtime down in CPython's order:
//
//  1. mark begun: Go, GoDaemon, AtExit and BeforeJoin now return ErrFinalizing;
//  2. run the BeforeJoin hooks, last-in first-out;
//  3. wait for every non-daemon goroutine; if ctx ends first, return a
//     [*JoinError] naming those still running (the AtExit hooks are then
//     not run, since their promise is that those goroutines are done);
//  4. run the AtExit hooks, last-in first-out; their errors, and their
//     panics turned into errors (wrapping the panic value when it is an
//     error), are joined with errors.Join;
//  5. set the finalizing flag: daemon threads must exit from now on;
//  6. mark every daemon thread SHUTTING_DOWN and wake those waiting;
//  7. release their thread states (an attached thread's at its Detach, a
//     registered lock's holder's when it gives the lock back).
//
// Steps 5 to 7 run on the JoinError path too, so daemons stop either way,
// and when a hook calls runtime.Goexit: Goexit ends the calling goroutine
// whatever Finalize does, so the hooks after that one are not run, but step
// 3 (if that hook was a BeforeJoin hook) and steps 5 to 7 still run on the
// way out, and Finalize's result, seen by any other call, joins the errors
// of the hooks that ran (and of the join) with one naming that hook.
// Finalize is idempotent: the first call runs it; any other call waits for
// it and returns the same result, or the cause of its own ctx if that ends
// first. Finalize must not be called from a non-daemon goroutine of r, which
// it would wait for until ctx ends (then it returns a JoinError naming the
// caller, and the AtExit hooks do not run), nor from an AtExit or BeforeJoin
// hook: such a call waits for the Finalize that runs the hook, that is for
// itself, until its ctx ends (forever if ctx never ends), and then returns
// ctx's cause.
func (r *Runtime) Finalize(ctx context.Context) error {
	r.mu.Lock()
	first := !r.begun.Load()
	r.begun.Store(true)
	beforeJoin := slices.Clone(r.beforeJoin)
	r.mu.Unlock()
	if !first {
		select {
		case <-r.finDone:
			return r.finErr
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	schedpoint.Point("lifecycle.finalize.begun")
	// errs gathers the hooks' and the join's errors as they come, so that
	// they survive a hook's Goexit, which would lose a returned value;
	// the Goexit itself is appended as the goroutine unwinds.
	var errs []error
	finished, joined := false, false
	defer func() {
		if !finished { // a hook called runtime.Goexit
			if !joined { // a BeforeJoin hook: the join still comes first
				if jerr := r.join(ctx); jerr != nil {
					errs = append(errs, jerr)
				}
			}
			r.finish(errors.Join(errs...))
		}
	}()
	runHooks(ctx, "BeforeJoin", beforeJoin, &errs)
	schedpoint.Point("lifecycle.finalize.beforeJoin")
	jerr := r.join(ctx)
	joined = true
	if jerr != nil {
		errs = append(errs, jerr)
	} else {
		r.mu.Lock()
		atExit := slices.Clone(r.atExit)
		r.mu.Unlock()
		runHooks(ctx, "AtExit", atExit, &errs)
	}
	finished = true
	err := errors.Join(errs...)
	r.finish(err)
	return err
}

// finish is Finalize's steps 5 to 7, and the publication of its result.
func (r *Runtime) finish(err error) {
	schedpoint.Point("lifecycle.finalize.beforeFlag")
	r.finalizing.Store(true)
	schedpoint.Point("lifecycle.finalize.afterFlag")
	r.stopDaemons()
	r.finErr = err
	close(r.finDone)
}

// joinSnapshotTaken, if set (by this package's tests only), runs in join
// once it listed the threads to wait for.
var joinSnapshotTaken func()

// join waits for the non-daemon threads registered before begun was set;
// none can be added after it.
func (r *Runtime) join(ctx context.Context) error {
	r.mu.Lock()
	threads := make([]*Thread, 0, len(r.nonDaemon))
	for t := range r.nonDaemon {
		threads = append(threads, t)
	}
	r.mu.Unlock()
	if joinSnapshotTaken != nil {
		joinSnapshotTaken()
	}
	for i, t := range threads {
		select {
		case <-t.done:
		case <-ctx.Done():
			var running []string
			for _, u := range threads[i:] {
				select {
				case <-u.done:
				default:
					running = append(running, u.name)
				}
			}
			if len(running) == 0 {
				return nil // all ended as ctx did: select picked either
			}
			slices.Sort(running)
			return &JoinError{Running: running, Err: context.Cause(ctx)}
		}
	}
	return nil
}

// stopDaemons marks the daemon threads SHUTTING_DOWN, wakes those waiting on
// Stopping, and releases their states. The finalizing flag is already set,
// so a daemon that missed the wake-up stops at its next safe point. Every
// mark comes before every release, whose probe of the registered locks
// pairs with the locks' loads after they write their word (package doc).
func (r *Runtime) stopDaemons() {
	r.mu.Lock()
	daemons := make([]*Thread, 0, len(r.daemons))
	for t := range r.daemons {
		daemons = append(daemons, t)
	}
	r.mu.Unlock()
	for _, t := range daemons {
		t.markShuttingDown()
	}
	close(r.stopping)
	schedpoint.Point("lifecycle.finalize.beforeRelease")
	for _, t := range daemons {
		t.release()
	}
}

// runHooks runs hooks last-in first-out and appends their errors to errs,
// panics turned into errors. A hook that calls runtime.Goexit ends the
// calling goroutine; an error naming it is appended as it unwinds.
func runHooks(ctx context.Context, kind string, hooks []*hook, errs *[]error) {
	for i := len(hooks) - 1; i >= 0; i-- {
		runHook(ctx, kind, i, hooks[i], errs)
	}
}

func runHook(ctx context.Context, kind string, i int, h *hook, errs *[]error) {
	returned := false
	defer func() {
		if v := recover(); v != nil {
			*errs = append(*errs, hookPanicked(kind, i, v))
		} else if !returned {
			*errs = append(*errs, fmt.Errorf("lifecycle: %s hook %d called runtime.Goexit; the hooks after it did not run", kind, i))
		}
	}()
	err := h.fn(ctx)
	returned = true
	if err != nil {
		*errs = append(*errs, err)
	}
}

// hookPanicked turns a hook's panic value into an error, wrapping the value
// when it is an error, so that errors.Is and errors.As find it.
func hookPanicked(kind string, i int, v any) error {
	if err, ok := v.(error); ok {
		return fmt.Errorf("lifecycle: %s hook %d panicked: %w", kind, i, err)
	}
	return fmt.Errorf("lifecycle: %s hook %d panicked: %v", kind, i, v)
}
