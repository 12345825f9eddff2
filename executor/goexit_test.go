package executor_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paddock-go/paddock/executor"
)

// Goexit anywhere in a worker's path: in a done-callback, in a task run by
// CallerRuns, and in the last worker after shutdown began. Each test here
// failed before its fix (found by review, run on the old code):
// TestGoexitInDoneCallback crashed the process with "close of closed
// channel" (the finished future was aborted and its listeners notified a
// second time) and, without a done channel, the race detector reported
// Result racing the abort, which turned 7, nil into the Goexit error;
// TestCallerRunsGoexitCounted got "Completed+Failed+Cancelled = 2,
// Submitted = 3"; TestLastWorkerGoexitAfterShutdown got "terminated while
// a queued future's done-callback was still running".

// TestGoexitInDoneCallback: a done-callback that calls runtime.Goexit on a
// worker ends that worker, but the task's outcome stands (it returned), it
// is counted once as completed, its listeners are notified once, and a
// replacement worker runs what comes next.
func TestGoexitInDoneCallback(t *testing.T) {
	t.Parallel()
	for _, withDone := range []bool{true, false} {
		e := newExecutor(t, executor.WithMaxWorkers(1))
		ctx := testCtx(t)
		g := newGate(1)
		hold := must[*executor.Future[struct{}]](t)(e.Go(g.task))
		g.waitStarted(t, 1)
		f := must[*executor.Future[int]](t)(executor.Submit(e, func(context.Context) (int, error) { return 7, nil }))
		var done <-chan struct{}
		if withDone {
			done = f.Done()
		}
		ran := make(chan struct{})
		f.AddDoneCallback(func(*executor.Future[int]) { close(ran); runtime.Goexit() })
		close(g.release)
		<-ran
		if withDone {
			<-done
		}
		if err := hold.Err(ctx); err != nil {
			t.Fatal(err)
		}
		after := must[*executor.Future[int]](t)(executor.Submit(e, func(context.Context) (int, error) { return 8, nil }))
		if v, err := after.Result(ctx); v != 8 || err != nil {
			t.Fatalf("done channel %v: the next task got %v, %v, want 8, nil", withDone, v, err)
		}
		if v, err := f.Result(ctx); v != 7 || err != nil {
			t.Fatalf("done channel %v: got %v, %v, want 7, nil: the task returned before its callback's Goexit", withDone, v, err)
		}
		if err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true}); err != nil {
			t.Fatal(err)
		}
		if st := e.Stats(); st.Completed != 3 || st.Failed != 0 {
			t.Fatalf("done channel %v: got %+v, want Completed 3, Failed 0", withDone, st)
		}
	}
}

// TestCallerRunsGoexitCounted: a task run by CallerRuns that calls
// runtime.Goexit fails its future and is counted, although the submitting
// goroutine never returns from Go.
func TestCallerRunsGoexitCounted(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(1), executor.WithQueueSize(1), executor.WithRejection(executor.CallerRuns))
	ctx := testCtx(t)
	g := newGate(2)
	must[*executor.Future[struct{}]](t)(e.Go(g.task))
	g.waitStarted(t, 1)
	must[*executor.Future[struct{}]](t)(e.Go(g.task)) // queued: the queue is full
	ended := make(chan struct{})
	var f *executor.Future[struct{}]
	go func() {
		defer close(ended)
		f, _ = e.Go(func(context.Context) error { runtime.Goexit(); return nil }) // runs here, never returns
	}()
	<-ended
	if f != nil {
		t.Fatal("Go returned, though its task called runtime.Goexit in the caller's goroutine")
	}
	close(g.release)
	if err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	if st.Submitted != 3 || st.Completed != 2 || st.Failed != 1 {
		t.Fatalf("got %+v, want Submitted 3, Completed 2, Failed 1", st)
	}
}

// TestLastWorkerGoexitAfterShutdown: when the last worker ends by
// runtime.Goexit after shutdown began, no worker may start to run the
// queue, so the queued futures are cancelled; termination comes only after
// every one of them is final and its callbacks ran. The first callback
// blocks until the test lets it go, so termination cannot come before; the
// short wait for it below cannot fail on a correct executor, and on the
// old one it returned nil at once.
func TestLastWorkerGoexitAfterShutdown(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(1))
	ctx := testCtx(t)
	started, release := make(chan struct{}), make(chan struct{})
	bad := must[*executor.Future[struct{}]](t)(e.Go(func(context.Context) error { close(started); <-release; runtime.Goexit(); return nil }))
	<-started
	var fs []*executor.Future[int]
	calledBack := make(chan struct{}, 3)
	hold := make(chan struct{})
	for range 3 {
		f := must[*executor.Future[int]](t)(executor.Submit(e, func(context.Context) (int, error) { return 1, nil }))
		f.AddDoneCallback(func(*executor.Future[int]) { <-hold; calledBack <- struct{}{} })
		fs = append(fs, f)
	}
	if err := e.Shutdown(ctx, executor.ShutdownOptions{}); err != nil {
		t.Fatal(err)
	}
	close(release)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := e.AwaitTermination(short); err == nil {
		close(hold)
		t.Fatal("terminated while a queued future's done-callback was still running")
	}
	close(hold)
	if err := e.AwaitTermination(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(calledBack); n != 3 {
		t.Fatalf("%d of 3 done-callbacks ran before termination", n)
	}
	for i, f := range fs {
		if _, err := f.Result(ctx); !errors.Is(err, executor.ErrCancelled) {
			t.Fatalf("queued future %d: got %v, want ErrCancelled", i, err)
		}
	}
	if err := bad.Err(ctx); err == nil || !strings.Contains(err.Error(), "Goexit") {
		t.Fatalf("got %v, want the Goexit error", err)
	}
	if st := e.Stats(); st.Failed != 1 || st.Cancelled != 3 || st.Workers != 0 {
		t.Fatalf("got %+v, want Failed 1, Cancelled 3, Workers 0", st)
	}
}

// TestGoexitInCallbackWhileQueueIsResolved: when the executor itself
// resolves the queued futures (the last worker ended by runtime.Goexit
// after shutdown began cancels them; a broken pool fails them), a
// done-callback that calls runtime.Goexit ends the goroutine doing it, and
// the futures behind it were left pending forever: the executor never
// terminated (the last worker's case) or a future never resolved (the
// broken pool's). Each queued future here has a callback that calls Goexit.
func TestGoexitInCallbackWhileQueueIsResolved(t *testing.T) {
	t.Parallel()
	goexit := func(*executor.Future[int]) { runtime.Goexit() }
	t.Run("last worker's Goexit after shutdown", func(t *testing.T) {
		t.Parallel()
		e := newExecutor(t, executor.WithMaxWorkers(1))
		ctx := testCtx(t)
		started, release := make(chan struct{}), make(chan struct{})
		must[*executor.Future[struct{}]](t)(e.Go(func(context.Context) error { close(started); <-release; runtime.Goexit(); return nil }))
		<-started
		var fs []*executor.Future[int]
		for range 3 {
			f := must[*executor.Future[int]](t)(executor.Submit(e, func(context.Context) (int, error) { return 1, nil }))
			f.AddDoneCallback(goexit)
			fs = append(fs, f)
		}
		if err := e.Shutdown(ctx, executor.ShutdownOptions{}); err != nil {
			t.Fatal(err)
		}
		close(release)
		if err := e.AwaitTermination(ctx); err != nil {
			t.Fatalf("AwaitTermination: %v (%+v)", err, e.Stats())
		}
		for i, f := range fs {
			if !f.Cancelled() {
				t.Errorf("queued future %d: %v, want it cancelled", i, f)
			}
		}
		if st := e.Stats(); st.Cancelled != 3 || st.Workers != 0 {
			t.Errorf("got %+v, want Cancelled 3, Workers 0", st)
		}
	})
	t.Run("broken pool", func(t *testing.T) {
		t.Parallel()
		cause := errors.New("init failed")
		queued := make(chan struct{})
		e := newExecutor(t, executor.WithMaxWorkers(1), executor.WithInitializer(func(context.Context) error {
			<-queued
			return cause
		}))
		ctx := testCtx(t)
		var fs []*executor.Future[int]
		for range 3 {
			f := must[*executor.Future[int]](t)(executor.Submit(e, func(context.Context) (int, error) { return 1, nil }))
			f.AddDoneCallback(goexit)
			fs = append(fs, f)
		}
		close(queued)
		for i, f := range fs {
			if _, err := f.Result(ctx); !errors.Is(err, cause) {
				t.Fatalf("queued future %d: got %v, want ErrBroken wrapping the cause", i, err)
			}
		}
		if err := e.AwaitTermination(ctx); err != nil {
			t.Fatal(err)
		}
		if st := e.Stats(); st.Failed != 3 {
			t.Errorf("got Failed %d, want 3", st.Failed)
		}
	})
}
