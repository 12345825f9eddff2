package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/lifecycle"
)

// 40 daemon goroutines busy at finalization are stopped at their next safe
// point, Finalize reports nothing, and none of them ran its cleanup against
// the finalized runtime (test_threading's test_daemon_threads_fatal_error /
// gh-87135: CPython 3.14 hangs such threads; paddock parks them).
func TestDaemonsStoppedAtSafePoint(t *testing.T) {
	t.Parallel()
	const n = 40
	rt := lifecycle.New()
	var running sync.WaitGroup
	running.Add(n)
	var cleanups, afterSafePoint atomic.Int32
	for i := range n {
		err := rt.GoDaemon("daemon", func(th *lifecycle.Thread) {
			defer cleanups.Add(1)
			running.Done()
			for {
				wasFinalizing := rt.Finalizing()
				if i%2 == 0 {
					th.Sleep(time.Hour) // woken by finalization
				} else {
					th.CheckExit() // busy
					time.Sleep(100 * time.Microsecond)
				}
				if wasFinalizing {
					afterSafePoint.Add(1)
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	running.Wait()
	if err := rt.Finalize(context.Background()); err != nil {
		t.Fatalf("Finalize: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for rt.Stopped() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := rt.Stopped(); got != n {
		t.Fatalf("got %d daemons stopped, want %d", got, n)
	}
	if got := cleanups.Load(); got != 0 {
		t.Errorf("got %d cleanups run after finalization, want 0 (parked)", got)
	}
	if got := afterSafePoint.Load(); got != 0 {
		t.Errorf("got %d daemons running past a safe point after finalizing, want 0", got)
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := cleanups.Load(); got != n {
		t.Errorf("got %d cleanups after Reap, want %d (Goexit runs defers)", got, n)
	}
}

// A daemon's state goes DETACHED -> SHUTTING_DOWN and is released; using the
// released state panics with a clear message.
func TestReleasedStatePanics(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	threads := make(chan *lifecycle.Thread, 1)
	if err := rt.GoDaemon("d", func(th *lifecycle.Thread) {
		threads <- th
		<-th.Stopping()
		th.CheckExit()
		panic("unreachable: CheckExit returned for a thread that must exit")
	}); err != nil {
		t.Fatal(err)
	}
	th := <-threads
	// The states by the names the issue gives them (CPython's).
	if got := th.State(); got != lifecycle.DETACHED {
		t.Errorf("got state %v, want DETACHED", got)
	}
	if !th.Attach() || th.State() != lifecycle.ATTACHED {
		t.Fatalf("Attach failed on a running thread: state %v", th.State())
	}
	th.Detach()
	if err := finalize(t, rt); err != nil {
		t.Fatal(err)
	}
	if got := th.State(); got != lifecycle.SHUTTING_DOWN {
		t.Errorf("got state %v, want SHUTTING_DOWN", got)
	}
	if !th.Released() {
		t.Errorf("got Released()=false after Finalize, want true")
	}
	if th.Attach() {
		t.Errorf("Attach of a released thread succeeded, want refused")
	}
	defer func() {
		msg, _ := recover().(string)
		if want := `lifecycle: Detach on thread "d": use of released thread state`; !strings.HasPrefix(msg, want) {
			t.Errorf("Detach after release: got panic %q, want prefix %q", msg, want)
		}
	}()
	th.Detach()
}

// A thread attached when finalization comes keeps its state until it
// detaches; Attach refuses a SHUTTING_DOWN thread.
func TestAttachedThreadReleasedAtDetach(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	attached := make(chan *lifecycle.Thread)
	detach := make(chan struct{})
	result := make(chan bool, 1)
	if err := rt.GoDaemon("holder", func(th *lifecycle.Thread) {
		th.Attach()
		attached <- th
		<-detach
		th.Detach()
		result <- th.Released()
		th.CheckExit()
	}); err != nil {
		t.Fatal(err)
	}
	finalizeWhileHolding(t, rt, <-attached, detach, result, "an attached thread", "Detach of")
}

// finalizeWhileHolding finalizes rt while th, a daemon, holds a lock of rt:
// th's state must survive Finalize, marked SHUTTING_DOWN; once th is let go
// (let closed) and gives the lock up, the daemon reports on released whether
// its state was released then, which it must be. who and how name the case
// in the messages.
func finalizeWhileHolding(t *testing.T, rt *lifecycle.Runtime, th *lifecycle.Thread, let chan struct{}, released <-chan bool, who, how string) {
	t.Helper()
	if err := rt.Finalize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if th.Released() {
		t.Errorf("%s's state was released under it", who)
	}
	if got := th.State(); got != lifecycle.ShuttingDown {
		t.Errorf("got %v, want SHUTTING_DOWN", got)
	}
	close(let)
	if !<-released {
		t.Errorf("got Released()=false after %s a SHUTTING_DOWN thread, want true", how)
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Every goroutine Go accepted is joined, even when Go races Finalize: the
// guarantee the executor builds on. The race detector and the counts would
// show a goroutine that started after the join took its snapshot.
func TestGoRacingFinalize(t *testing.T) {
	t.Parallel()
	for range 50 {
		rt := lifecycle.New()
		var accepted, finished atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					err := rt.Go("w", func(*lifecycle.Thread) {
						time.Sleep(time.Microsecond)
						finished.Add(1)
					})
					if errors.Is(err, lifecycle.ErrFinalizing) {
						return
					}
					accepted.Add(1)
				}
			})
		}
		time.Sleep(time.Millisecond)
		if err := rt.Finalize(context.Background()); err != nil {
			t.Fatal(err)
		}
		f := finished.Load()
		wg.Wait()
		if a := accepted.Load(); a != f {
			t.Fatalf("got %d finished when Finalize returned, want all %d accepted", f, a)
		}
		if err := rt.Reap(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// OnStop hooks run once on each stopped daemon's goroutine, before the
// daemon is counted as stopped; Thread.Stopped reports the stop.
func TestOnStopHooks(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	var mu sync.Mutex
	seen := map[string]int{}
	rt.OnStop(func(th *lifecycle.Thread) {
		mu.Lock()
		seen[th.Name()]++
		mu.Unlock()
	})
	threads := make(chan *lifecycle.Thread, 2)
	for _, name := range []string{"a", "b"} {
		if err := rt.GoDaemon(name, func(th *lifecycle.Thread) {
			threads <- th
			defer th.CheckExit() // a second safe point while unwinding after Reap
			th.Sleep(time.Hour)
		}); err != nil {
			t.Fatal(err)
		}
	}
	a, b := <-threads, <-threads
	if a.Stopped() || b.Stopped() {
		t.Errorf("got Stopped()=true before Finalize")
	}
	if err := rt.Finalize(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for rt.Stopped() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	got := map[string]int{"a": seen["a"], "b": seen["b"]}
	mu.Unlock()
	if got["a"] != 1 || got["b"] != 1 {
		t.Errorf("got hook runs %v once both stopped, want one each", got)
	}
	if !a.Stopped() || !b.Stopped() {
		t.Errorf("got Stopped() %v %v, want true", a.Stopped(), b.Stopped())
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["a"] != 1 || seen["b"] != 1 || rt.Stopped() != 2 {
		t.Errorf("got hook runs %v, Stopped %d after Reap, want one each and 2", seen, rt.Stopped())
	}
}

// A lock registered with RegisterLock makes its holder ATTACHED without
// Attach; Finalize leaves a holding daemon's state to Unlocked, which
// releases it once the lock no longer names the thread; Attach by a holder
// panics as Attach twice does.
func TestRegisteredLockHolderReleasedAtUnlocked(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	var holder atomic.Uint64 // a minimal registered lock: the holder's ID
	rt.RegisterLock(func(th *lifecycle.Thread) bool { return holder.Load() == th.ID() })
	holding := make(chan *lifecycle.Thread)
	unlock := make(chan struct{})
	result := make(chan bool, 1)
	if err := rt.GoDaemon("holder", func(th *lifecycle.Thread) {
		if got := th.State(); got != lifecycle.Detached {
			t.Errorf("got %v before taking the lock, want DETACHED", got)
		}
		holder.Store(th.ID())
		if got := th.State(); got != lifecycle.Attached {
			t.Errorf("got %v while holding the registered lock, want ATTACHED", got)
		}
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "attached twice") {
					t.Errorf("Attach by the holder of a registered lock: got panic %v, want attached twice", v)
				}
			}()
			th.Attach()
		}()
		holding <- th
		<-unlock
		holder.Store(0)
		th.Unlocked()
		result <- th.Released()
		th.CheckExit()
	}); err != nil {
		t.Fatal(err)
	}
	finalizeWhileHolding(t, rt, <-holding, unlock, result, "a holding thread", "Unlocked on")
}
