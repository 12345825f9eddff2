package executor_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

func TestSubmitAfterShutdown(t *testing.T) {
	t.Parallel()
	e := newExecutor(t)
	if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	if f, err := e.Go(func(context.Context) error { return nil }); f != nil || !errors.Is(err, executor.ErrShutdown) || errors.Is(err, executor.ErrFinalizing) {
		t.Fatalf("Go: got %v, %v, want a nil future and ErrShutdown", f, err)
	}
	if f, err := executor.Submit(e, func(context.Context) (int, error) { return 1, nil }); f != nil || !errors.Is(err, executor.ErrShutdown) {
		t.Fatalf("Submit: got %v, %v, want a nil future and ErrShutdown", f, err)
	}
	// Idempotent.
	if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true, CancelFutures: true}); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownRace12456 is test_shutdown_race_issue12456: submit then shut
// down at once, many times; never a hang, every future resolved.
func TestShutdownRace12456(t *testing.T) {
	t.Parallel()
	for range 50 {
		e := newExecutor(t)
		f := must[*executor.Future[int]](t)(executor.Submit(e, func(context.Context) (int, error) { return 2 << 3, nil }))
		if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
			t.Fatal(err)
		}
		if !f.IsDone() {
			t.Fatalf("got %v after Shutdown(Wait), want done", f)
		}
	}
}

// TestSubmitDuringFinalization is test_submit_after_interpreter_shutdown:
// exit hooks that submit get ErrFinalizing, which is also ErrShutdown.
func TestSubmitDuringFinalization(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	e, err := executor.New(executor.WithRuntime(rt))
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	hook := func(context.Context) error {
		_, err := e.Go(func(context.Context) error { return nil })
		errs = append(errs, err)
		return nil
	}
	if _, err := rt.BeforeJoin(hook); err != nil { // runs before the executor's (LIFO)
		t.Fatal(err)
	}
	if err := rt.AtExit(hook); err != nil {
		t.Fatal(err)
	}
	if err := rt.Finalize(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 {
		t.Fatalf("got %d hook runs, want 2", len(errs))
	}
	for _, err := range errs {
		if !errors.Is(err, executor.ErrFinalizing) || !errors.Is(err, executor.ErrShutdown) || !errors.Is(err, lifecycle.ErrFinalizing) {
			t.Fatalf("got %v, want ErrFinalizing", err)
		}
	}
	if e.Stats().PeakWorkers != 0 {
		t.Fatalf("got %+v, want no worker ever", e.Stats())
	}
}

// TestFinalizeJoinsWorkersAfterQueue: the runtime's finalization shuts the
// executor down, the queued tasks still run, and Finalize returns after
// every worker ended.
func TestFinalizeJoinsWorkersAfterQueue(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	e, err := executor.New(executor.WithRuntime(rt), executor.WithMaxWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	var live atomic.Int64
	executor.SetHooks(e, executor.Hooks{Spawn: func(string) { live.Add(1) }, WorkerExit: func(string) { live.Add(-1) }})
	var fs []*executor.Future[struct{}]
	for range 20 {
		fs = append(fs, must[*executor.Future[struct{}]](t)(e.Go(func(context.Context) error { time.Sleep(100 * time.Microsecond); return nil })))
	}
	if err := rt.Finalize(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := live.Load(); n != 0 {
		t.Fatalf("got %d workers alive after Finalize, want 0", n)
	}
	for _, f := range fs {
		if !f.IsDone() || f.Cancelled() {
			t.Fatalf("got %v, want finished", f)
		}
	}
}

// TestQueuedTasksCompleteAfterShutdown is test_run_after_shutdown's
// opposite, CPython's test_hang_issue...: Shutdown without wait lets the
// queue drain.
func TestQueuedTasksCompleteAfterShutdown(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(1))
	g := newGate(1)
	must[*executor.Future[struct{}]](t)(e.Go(g.task))
	g.waitStarted(t, 1)
	var ran atomic.Int64
	for range 5 {
		must[*executor.Future[struct{}]](t)(e.Go(func(context.Context) error { ran.Add(1); return nil }))
	}
	if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{}); err != nil {
		t.Fatal(err)
	}
	close(g.release)
	if err := e.AwaitTermination(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got := ran.Load(); got != 5 {
		t.Fatalf("got %d queued tasks run, want 5", got)
	}
}

// TestCancelFutures is test_cancel_futures and test_cancel_futures_wait:
// the queue is cancelled, the running task finishes, and the wait ends.
func TestCancelFutures(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(1))
	g := newGate(1)
	running := must[*executor.Future[struct{}]](t)(e.Go(g.task))
	g.waitStarted(t, 1)
	var queued []*executor.Future[struct{}]
	for range 50 {
		queued = append(queued, must[*executor.Future[struct{}]](t)(e.Go(func(context.Context) error { return nil })))
	}
	g.releaseOnCancel(queued[0])
	if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true, CancelFutures: true}); err != nil {
		t.Fatal(err)
	}
	if !running.IsDone() || running.Cancelled() {
		t.Fatalf("got %v, want the running task finished", running)
	}
	for _, f := range queued {
		if !f.Cancelled() {
			t.Fatalf("got %v, want cancelled", f)
		}
	}
	if st := e.Stats(); st.Cancelled != 50 || st.Workers != 0 {
		t.Fatalf("got %+v, want Cancelled 50, Workers 0", st)
	}
}

// TestShutdownNow cancels the queue and the running task's context and
// counts the tasks that never started.
func TestShutdownNow(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(2))
	g := newGate(2)
	a := must[*executor.Future[struct{}]](t)(e.Go(g.task))
	b := must[*executor.Future[struct{}]](t)(e.Go(g.task))
	g.waitStarted(t, 2)
	var queued []*executor.Future[struct{}]
	for range 7 {
		queued = append(queued, must[*executor.Future[struct{}]](t)(e.Go(g.task)))
	}
	queued[0].Cancel() // cancelled already: still never started
	if got := e.ShutdownNow(); got != 7 {
		t.Fatalf("got ShutdownNow %d, want 7", got)
	}
	ctx := testCtx(t)
	if err := e.AwaitTermination(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range []*executor.Future[struct{}]{a, b} {
		if err := f.Err(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want the running task's context cancelled", err)
		}
	}
	for _, f := range queued {
		if !f.Cancelled() {
			t.Fatalf("got %v, want cancelled", f)
		}
	}
	if got := e.ShutdownNow(); got != 0 {
		t.Fatalf("got a second ShutdownNow %d, want 0", got)
	}
}

// TestShutdownTakesBothRings: tasks wait in both of the queue's rings (the
// workers' ring, moved there by a worker now busy, and the submitters'
// ring); Stats counts both, and ShutdownNow and Shutdown with CancelFutures
// cancel both. Mutation checked: with takeAllLocked taking only the
// submitters' ring, this fails with "got ShutdownNow 3, want 5".
func TestShutdownTakesBothRings(t *testing.T) {
	t.Parallel()
	for _, now := range []bool{true, false} {
		start := make(chan struct{})
		e := newExecutor(t, executor.WithMaxWorkers(1), executor.WithInitializer(func(context.Context) error {
			<-start
			return nil
		}))
		g := newGate(1)
		var queued []*executor.Future[struct{}]
		running := must[*executor.Future[struct{}]](t)(e.Go(g.task))
		for range 2 {
			queued = append(queued, must[*executor.Future[struct{}]](t)(e.Go(g.task)))
		}
		g.releaseOnCancel(queued[0]) // in the workers' ring, which a worker pops without mu
		close(start)                 // the worker moves all three to its ring and runs the first
		g.waitStarted(t, 1)
		for range 3 {
			queued = append(queued, must[*executor.Future[struct{}]](t)(e.Go(g.task)))
		}
		if st := e.Stats(); st.Queued != 5 {
			t.Fatalf("got %+v, want Queued 5", st)
		}
		if now {
			if got := e.ShutdownNow(); got != 5 {
				t.Fatalf("got ShutdownNow %d, want 5", got)
			}
			if err := e.AwaitTermination(testCtx(t)); err != nil {
				t.Fatal(err)
			}
		} else if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true, CancelFutures: true}); err != nil {
			t.Fatal(err)
		}
		if !running.IsDone() || running.Cancelled() {
			t.Fatalf("got %v, want the running task finished", running)
		}
		for i, f := range queued {
			if !f.Cancelled() {
				t.Fatalf("ShutdownNow %v: queued task %d: got %v, want cancelled", now, i, f)
			}
		}
		if st := e.Stats(); st.Cancelled != 5 || st.Queued != 0 {
			t.Fatalf("got %+v, want Cancelled 5, Queued 0", st)
		}
	}
}

// TestSubmitFromCallbackDuringShutdown: a done-callback that submits while
// the executor shuts down gets ErrShutdown, and no worker starts after the
// shutdown began.
func TestSubmitFromCallbackDuringShutdown(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(4))
	var begun atomic.Bool
	var lateSpawns atomic.Int64
	g := newGate(1)
	executor.SetHooks(e, executor.Hooks{
		// The running task ends only once the shutdown began, so its
		// callback submits during the shutdown.
		ShutdownBegin: func() { begun.Store(true); close(g.release) },
		Spawn: func(string) {
			if begun.Load() {
				lateSpawns.Add(1)
			}
		},
	})
	f := must[*executor.Future[struct{}]](t)(e.Go(g.task))
	g.waitStarted(t, 1)
	errc := make(chan error, 1)
	f.AddDoneCallback(func(*executor.Future[struct{}]) {
		_, err := e.Go(func(context.Context) error { return nil })
		errc <- err
	})
	if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, executor.ErrShutdown) {
		t.Fatalf("got %v, want ErrShutdown", err)
	}
	if n := lateSpawns.Load(); n != 0 {
		t.Fatalf("got %d workers started after shutdown began, want 0", n)
	}
}

// TestShutdownWaitBounded: Shutdown's ctx bounds its wait for a stuck task.
func TestShutdownWaitBounded(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(1))
	g := newGate(1)
	must[*executor.Future[struct{}]](t)(e.Go(g.task))
	g.waitStarted(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
	defer cancel()
	if err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	close(g.release)
	if err := e.AwaitTermination(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownWaitLeavesNoGoroutine is CPython's test_threads_terminate with
// goleak: once Shutdown with Wait returned, every worker ran its last step
// (counted by the exit hook, which runs before the count Shutdown waits on
// drops) and no goroutine is left. It does not run in parallel, so the
// goroutines it did not start are those goleak.IgnoreCurrent saw.
func TestShutdownWaitLeavesNoGoroutine(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	rt := lifecycle.New()
	e, err := executor.New(executor.WithRuntime(rt), executor.WithMaxWorkers(3))
	if err != nil {
		t.Fatal(err)
	}
	var exits atomic.Int64
	executor.SetHooks(e, executor.Hooks{WorkerExit: func(string) { exits.Add(1) }})
	g := newGate(3)
	for range 3 {
		must[*executor.Future[struct{}]](t)(e.Go(g.task))
	}
	g.waitStarted(t, 3)
	if st := e.Stats(); st.Workers != 3 {
		t.Fatalf("got %d workers, want 3", st.Workers)
	}
	close(g.release)
	if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	if n, st := exits.Load(), e.Stats(); n != 3 || st.Workers != 0 {
		t.Fatalf("got %d workers exited, Workers %d after Shutdown(Wait); want 3, 0", n, st.Workers)
	}
	goleak.VerifyNone(t, ignore)
	if err := rt.Finalize(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

// TestCancelFuturesNoWaitThenFinalize is test_cancel_futures_wait_false:
// shutdown(wait=False, cancel_futures=True) and then the interpreter's exit.
// The queued futures are cancelled, and the running task still finishes
// before Finalize returns, since its worker is a non-daemon goroutine of
// the runtime even though the executor's hook was unregistered.
func TestCancelFuturesNoWaitThenFinalize(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	e, err := executor.New(executor.WithRuntime(rt), executor.WithMaxWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	running := must[*executor.Future[struct{}]](t)(e.Go(func(context.Context) error {
		close(started)
		<-release // busy until the shutdown returned, however slow the machine
		time.Sleep(2 * time.Millisecond)
		finished.Store(true)
		return nil
	}))
	<-started
	var queued []*executor.Future[struct{}]
	for range 3 {
		queued = append(queued, must[*executor.Future[struct{}]](t)(e.Go(func(context.Context) error { return nil })))
	}
	if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{CancelFutures: true}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := rt.Finalize(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() || !running.IsDone() || running.Cancelled() {
		t.Fatalf("got %v (finished %v) after Finalize, want the running task finished", running, finished.Load())
	}
	for _, f := range queued {
		if !f.Cancelled() {
			t.Fatalf("got %v, want cancelled", f)
		}
	}
}

// TestTerminationWaitsForTakenFutures: futures taken out of the queue to be
// cancelled are final before the executor terminates. They are cancelled
// with the lock released, and the tests sleep there (-tags schedtest) while
// the last worker exits: termination used to come first, so Shutdown with
// Wait (after a DiscardOldest) and AwaitTermination (after a Shutdown with
// CancelFutures, or a ShutdownNow) returned with an accepted future still
// pending and counted nowhere in Stats.
func TestTerminationWaitsForTakenFutures(t *testing.T) {
	if !schedpoint.Enabled {
		t.Skip("needs -tags schedtest to hold the cancelling goroutine")
	}
	sleepAt := func(point string) func() {
		return schedpoint.Set(schedpoint.Policy{Seed: 1, P: 1, Action: schedpoint.ActionSleep, Max: 100 * time.Millisecond, Filter: point})
	}
	noop := func(context.Context) error { return nil }
	t.Run("DiscardOldest then Shutdown with Wait", func(t *testing.T) {
		e := newExecutor(t, executor.WithMaxWorkers(1), executor.WithQueueSize(1), executor.WithRejection(executor.DiscardOldest))
		g := newGate(1)
		must[*executor.Future[struct{}]](t)(e.Go(g.task))
		g.waitStarted(t, 1)
		oldest := must[*executor.Future[struct{}]](t)(e.Go(noop))
		defer sleepAt("executor.submit.afterEnqueue")()
		submitted := make(chan error)
		go func() { _, err := e.Go(noop); submitted <- err }() // discards oldest, then sleeps
		for e.Stats().Submitted != 3 {
			time.Sleep(10 * time.Microsecond)
		}
		close(g.release)
		if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
			t.Fatal(err)
		}
		if !oldest.IsDone() {
			t.Errorf("Shutdown with Wait returned (%+v) with the discarded future %v", e.Stats(), oldest)
		}
		if err := <-submitted; err != nil {
			t.Fatal(err)
		}
	})
	for _, stop := range []struct {
		name, point string
		stop        func(*executor.Executor)
	}{
		{"Shutdown with CancelFutures", "executor.shutdown.begun", func(e *executor.Executor) {
			e.Shutdown(context.Background(), executor.ShutdownOptions{CancelFutures: true})
		}},
		{"ShutdownNow", "executor.shutdownNow.begun", func(e *executor.Executor) { e.ShutdownNow() }},
	} {
		t.Run(stop.name+" then AwaitTermination", func(t *testing.T) {
			e := newExecutor(t, executor.WithMaxWorkers(1))
			g := newGate(1)
			must[*executor.Future[struct{}]](t)(e.Go(g.task))
			g.waitStarted(t, 1)
			queued := must[*executor.Future[struct{}]](t)(e.Go(noop))
			defer sleepAt(stop.point)()
			stopped := make(chan struct{})
			go func() { defer close(stopped); stop.stop(e) }() // takes the queue, then sleeps
			for e.Stats().Queued != 0 {
				time.Sleep(10 * time.Microsecond)
			}
			close(g.release)
			if err := e.AwaitTermination(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if !queued.IsDone() {
				t.Errorf("AwaitTermination returned (%+v) with a queued future %v", e.Stats(), queued)
			}
			<-stopped
		})
	}
}

// TestTerminatesAfterGoexitInCancelledCallback: a done-callback that calls
// runtime.Goexit while a shutdown or DiscardOldest cancels its queued
// future ends the cancelling goroutine, but the futures queued behind it
// are still cancelled (two such callbacks in a row here), and the executor
// still terminates.
// With the count of futures being cancelled (settling) lowered by a plain
// statement after the cancel loop, the Goexit skipped it and Shutdown with
// Wait hung until its ctx ended, with every future final and no worker
// left (found by review; the executor before that count terminated).
func TestTerminatesAfterGoexitInCancelledCallback(t *testing.T) {
	t.Parallel()
	noop := func(context.Context) error { return nil }
	for _, c := range []struct {
		name string
		opts []executor.Option
		stop func(*executor.Executor)
	}{
		{"ShutdownNow", nil, func(e *executor.Executor) { e.ShutdownNow() }},
		{"Shutdown with CancelFutures", nil, func(e *executor.Executor) {
			e.Shutdown(context.Background(), executor.ShutdownOptions{CancelFutures: true})
		}},
		{"DiscardOldest", []executor.Option{executor.WithQueueSize(1), executor.WithRejection(executor.DiscardOldest)}, func(e *executor.Executor) {
			e.Go(noop) // discards the queued future
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newExecutor(t, append([]executor.Option{executor.WithMaxWorkers(1)}, c.opts...)...)
			g := newGate(1)
			must[*executor.Future[struct{}]](t)(e.Go(g.task))
			g.waitStarted(t, 1)
			// The queue holds one future for DiscardOldest, else three, of
			// which the first two call Goexit in a callback.
			n := 3
			if c.opts != nil {
				n = 1
			}
			var queued []*executor.Future[struct{}]
			for i := range n {
				f := must[*executor.Future[struct{}]](t)(e.Go(noop))
				if i < 2 {
					f.AddDoneCallback(func(*executor.Future[struct{}]) { runtime.Goexit() })
				}
				queued = append(queued, f)
			}
			stopped := make(chan struct{})
			go func() { defer close(stopped); c.stop(e) }()
			<-stopped
			close(g.release)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true}); err != nil {
				t.Fatalf("Shutdown with Wait: %v (%+v); want nil", err, e.Stats())
			}
			for i, f := range queued {
				if !f.Cancelled() {
					t.Errorf("queued future %d: %v, want it cancelled", i, f)
				}
			}
			if st := e.Stats(); st.Cancelled != uint64(n) {
				t.Errorf("got Cancelled %d, want %d", st.Cancelled, n)
			}
		})
	}
}

// TestTerminationCancelsTaskContext: once the executor has terminated, the
// context its tasks got is cancelled, so a goroutine a task left waiting on
// it ends. It was cancelled only by ShutdownNow, and after Shutdown the
// goroutine waited forever ("not cancelled 5 s after the executor
// terminated").
func TestTerminationCancelsTaskContext(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(1))
	ended := make(chan struct{})
	f := must[*executor.Future[struct{}]](t)(e.Go(func(ctx context.Context) error {
		go func() {
			<-ctx.Done()
			close(ended)
		}()
		return nil
	}))
	ctx := testCtx(t)
	if err := f.Err(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the task's context was not cancelled 5 s after the executor terminated")
	}
}

// TestTerminationSparesCallerRunsContext: a task that CallerRuns runs in
// its submitter may still run when a graceful Shutdown ends and the
// executor terminates (termination does not wait for it); its context is
// not cancelled then, only once it has returned. Cancelling at termination
// first cancelled it ("saw its context end after a graceful Shutdown:
// context canceled"; found by a review).
func TestTerminationSparesCallerRunsContext(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(1), executor.WithQueueSize(1), executor.WithRejection(executor.CallerRuns))
	ctx := testCtx(t)
	g := newGate(2)
	a := must[*executor.Future[struct{}]](t)(e.Go(g.task)) // the worker runs a
	g.waitStarted(t, 1)
	b := must[*executor.Future[struct{}]](t)(e.Go(g.task)) // queued: the queue is full
	inCaller, proceed := make(chan struct{}), make(chan struct{})
	var taskCtx context.Context
	res := make(chan error, 1)
	go func() {
		_, err := e.Go(func(tctx context.Context) error { // runs here, in the submitter
			taskCtx = tctx
			close(inCaller)
			<-proceed
			res <- tctx.Err()
			return nil
		})
		if err != nil {
			res <- err
		}
	}()
	<-inCaller
	close(g.release) // a and b finish
	if err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	if a.Err(ctx) != nil || b.Err(ctx) != nil {
		t.Fatal("a or b failed")
	}
	close(proceed)
	if err := <-res; err != nil {
		t.Fatalf("the CallerRuns task, still running, saw its context end after a graceful Shutdown: %v", err)
	}
	select { // once it returned, the context ends
	case <-taskCtx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the tasks' context was not cancelled 5 s after the CallerRuns task returned")
	}
}

// TestShutdownAfterQuickCancelGH94440 is CPython's test_hang_gh94440
// ("cancel-then-wait finishes in bounded time"): one worker, made idle by a
// first task; a second task is submitted and cancelled at once (the idle
// worker was woken for it), then Shutdown with Wait must return within 5 s.
// Repeated, since the cancel races the woken worker.
func TestShutdownAfterQuickCancelGH94440(t *testing.T) {
	t.Parallel()
	for i := range 200 {
		e := newExecutor(t, executor.WithMaxWorkers(1))
		if err := must[*executor.Future[int]](t)(executor.Submit(e, noop)).Err(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		f := must[*executor.Future[int]](t)(executor.Submit(e, noop))
		f.Cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true})
		cancel()
		if err != nil {
			t.Fatalf("round %d: Shutdown(Wait) after a submit+cancel: %v (%+v, %v)", i, err, e.Stats(), f)
		}
		if !f.IsDone() {
			t.Fatalf("round %d: got %v after Shutdown(Wait), want final", i, f)
		}
		if st := e.Stats(); st.Workers != 0 || st.Completed+st.Cancelled != 2 {
			t.Fatalf("round %d: got %+v, want no worker and both futures accounted for", i, st)
		}
	}
}
