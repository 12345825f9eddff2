package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/lifecycle"
)

// finalize finalizes rt and reaps its parked daemons, failing t on a hang.
func finalize(t *testing.T, rt *lifecycle.Runtime) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := rt.Finalize(ctx)
	if rerr := rt.Reap(ctx); rerr != nil {
		t.Fatalf("Reap: %v", rerr)
	}
	return err
}

// A non-daemon goroutine still running when main returns completes
// (test_threading's test_join_nondaemon_on_shutdown).
func TestNonDaemonCompletes(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	var done atomic.Bool
	if err := rt.Go("worker", func(th *lifecycle.Thread) {
		time.Sleep(20 * time.Millisecond)
		done.Store(true)
	}); err != nil {
		t.Fatal(err)
	}
	if err := finalize(t, rt); err != nil {
		t.Fatalf("Finalize: %v", err)
	}
	if !done.Load() {
		t.Errorf("got done=false after Finalize, want the non-daemon goroutine to complete")
	}
}

// Starting a goroutine or registering a hook after Finalize began fails.
func TestNothingAcceptedAfterBegun(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	started := make(chan struct{})
	release := make(chan struct{})
	if err := rt.Go("blocker", func(*lifecycle.Thread) { close(started); <-release }); err != nil {
		t.Fatal(err)
	}
	<-started
	finErr := make(chan error, 1)
	go func() { finErr <- rt.Finalize(context.Background()) }()
	for !rt.Begun() {
		time.Sleep(time.Millisecond)
	}
	noop := func(*lifecycle.Thread) {}
	hook := func(context.Context) error { return nil }
	_, bjErr := rt.BeforeJoin(hook)
	for name, err := range map[string]error{
		"Go":         rt.Go("late", noop),
		"GoDaemon":   rt.GoDaemon("late", noop),
		"AtExit":     rt.AtExit(hook),
		"BeforeJoin": bjErr,
	} {
		if !errors.Is(err, lifecycle.ErrFinalizing) {
			t.Errorf("%s during Finalize: got %v, want ErrFinalizing", name, err)
		}
	}
	if rt.Finalizing() {
		t.Errorf("got Finalizing()=true while a non-daemon goroutine runs, want false")
	}
	close(release)
	if err := <-finErr; err != nil {
		t.Fatalf("Finalize: %v", err)
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rt.AtExit(hook); !errors.Is(err, lifecycle.ErrFinalizing) {
		t.Errorf("AtExit after Finalize: got %v, want ErrFinalizing", err)
	}
	if got := lifecycle.ErrFinalizing.Error(); got != "lifecycle: runtime is finalizing" {
		t.Errorf("got message %q", got)
	}
}

// Hooks run once, in Finalize's order, LIFO within each kind; errors and
// panics are joined.
func TestOrderAndHooks(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	var mu sync.Mutex
	var log []string
	add := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	daemons := make(chan *lifecycle.Thread, 1)
	if err := rt.GoDaemon("daemon", func(th *lifecycle.Thread) {
		daemons <- th
		th.Sleep(time.Hour)
	}); err != nil {
		t.Fatal(err)
	}
	d := <-daemons
	// Each hook also records that the daemon was not stopped yet.
	state := func() string { return fmt.Sprintf(" (finalizing=%v daemon %v)", rt.Finalizing(), d.State()) }
	errA := errors.New("a failed")
	for _, name := range []string{"a", "b", "c"} {
		if err := rt.AtExit(func(context.Context) error {
			add("atexit " + name + state())
			switch name {
			case "a":
				return errA
			case "b":
				panic("boom")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// The worker ends only once the last pre-join hook ran, so "worker
	// done" comes after the hooks however slow the machine is; were the
	// hooks run after the join instead, Finalize would wait for the worker
	// until its deadline and fail naming it.
	hooksRan := make(chan struct{})
	for _, name := range []string{"x", "y", "z"} {
		unreg, err := rt.BeforeJoin(func(context.Context) error {
			add("before " + name + state())
			if name == "x" { // registered first, so run last
				close(hooksRan)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if name == "y" {
			unreg()
			unreg()
		}
	}
	if err := rt.Go("worker", func(*lifecycle.Thread) {
		<-hooksRan
		add("worker done")
	}); err != nil {
		t.Fatal(err)
	}
	err := finalize(t, rt)
	if !errors.Is(err, errA) || !strings.Contains(fmt.Sprint(err), "panicked: boom") {
		t.Errorf("got error %v, want errA joined with the panic", err)
	}
	if err2 := rt.Finalize(context.Background()); err2 != err {
		t.Errorf("second Finalize: got %v, want the first result %v", err2, err)
	}
	const running = " (finalizing=false daemon DETACHED)"
	want := []string{"before z" + running, "before x" + running, "worker done",
		"atexit c" + running, "atexit b" + running, "atexit a" + running}
	if !slices.Equal(log, want) {
		t.Errorf("got order %q, want %q", log, want)
	}
	if got := d.State(); got != lifecycle.ShuttingDown {
		t.Errorf("got daemon %v after Finalize, want SHUTTING_DOWN", got)
	}
}

// hookPanicError is a panic value of a type of its own, for errors.As.
type hookPanicError struct{ hook string }

func (e *hookPanicError) Error() string { return e.hook + " gave up" }

// A hook that panics with an error: Finalize's error wraps it, so that
// errors.Is and errors.As find it; any other panic value is formatted.
func TestHookPanicWrapsError(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	errAtExit := errors.New("atexit gave up")
	if err := rt.AtExit(func(context.Context) error { panic(errAtExit) }); err != nil {
		t.Fatal(err)
	}
	if err := rt.AtExit(func(context.Context) error { panic(42) }); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.BeforeJoin(func(context.Context) error { panic(&hookPanicError{"before"}) }); err != nil {
		t.Fatal(err)
	}
	err := finalize(t, rt)
	if !errors.Is(err, errAtExit) {
		t.Errorf("got %v, want it to wrap the AtExit hook's panic value (errors.Is)", err)
	}
	var pe *hookPanicError
	if !errors.As(err, &pe) || pe.hook != "before" {
		t.Errorf("got %v, want it to wrap the BeforeJoin hook's panic value (errors.As)", err)
	}
	if want := "lifecycle: AtExit hook 1 panicked: 42"; !strings.Contains(fmt.Sprint(err), want) {
		t.Errorf("got %v, want it to contain %q", err, want)
	}
}

// Many concurrent Finalize calls: one runs, all get its result.
func TestFinalizeConcurrentCallers(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	var runs atomic.Int32
	want := errors.New("hook error")
	if err := rt.AtExit(func(context.Context) error { runs.Add(1); time.Sleep(5 * time.Millisecond); return want }); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = rt.Finalize(context.Background()) })
	}
	wg.Wait()
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if !errors.Is(err, want) {
			t.Errorf("caller %d: got %v, want %v", i, err, want)
		}
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("got %d hook runs, want 1", got)
	}
}

// When ctx ends before the join, the error names those still running.
func TestJoinTimeoutNamesRunning(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	release := make(chan struct{})
	for _, name := range []string{"slow-b", "slow-a"} {
		if err := rt.Go(name, func(*lifecycle.Thread) { <-release }); err != nil {
			t.Fatal(err)
		}
	}
	ranAtExit := false
	if err := rt.AtExit(func(context.Context) error { ranAtExit = true; return nil }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := rt.Finalize(ctx)
	var je *lifecycle.JoinError
	if !errors.As(err, &je) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a *JoinError wrapping DeadlineExceeded", err)
	}
	if want := []string{"slow-a", "slow-b"}; !slices.Equal(je.Running, want) {
		t.Errorf("got running %q, want %q", je.Running, want)
	}
	if ranAtExit {
		t.Errorf("AtExit ran although non-daemon goroutines were still running")
	}
	if !rt.Finalizing() {
		t.Errorf("got Finalizing()=false after Finalize, want true")
	}
	close(release)
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}
