package gil_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/lifecycle"
)

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Check 1: a daemon that calls Acquire once the runtime is finalizing is
// stopped before it waits, and never gets the lock.
func TestAcquireAfterFinalizeStops(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	start := make(chan struct{})
	returned := make(chan struct{}, 1)
	if err := rt.GoDaemon("late", func(th *lifecycle.Thread) {
		<-start
		_ = l.Acquire(th)
		returned <- struct{}{}
	}); err != nil {
		t.Fatal(err)
	}
	if err := rt.Finalize(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(start)
	waitFor(t, "the daemon to stop", func() bool { return rt.Stopped() == 1 })
	if h := l.Holder(); h != nil {
		t.Errorf("got holder %q, want none", h.Name())
	}
	select {
	case <-returned:
		t.Errorf("Acquire returned to a daemon of a finalized runtime")
	default:
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Check 2: finalization wakes a daemon waiting for the lock, which stops
// without taking it, while the holder keeps it until its own safe point.
func TestWaiterWokenByFinalize(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	if err := l.SetSwitchInterval(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	holding := make(chan *lifecycle.Thread)
	letGo := make(chan struct{})
	if err := rt.GoDaemon("holder", func(th *lifecycle.Thread) {
		_ = l.Acquire(th)
		holding <- th
		<-letGo
		l.Release(th)
		th.CheckExit()
		t.Error("holder passed a safe point after finalization")
	}); err != nil {
		t.Fatal(err)
	}
	holder := <-holding
	waiterReturned := make(chan struct{}, 1)
	if err := rt.GoDaemon("waiter", func(th *lifecycle.Thread) {
		_ = l.Acquire(th)
		waiterReturned <- struct{}{}
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a drop request from the waiter", func() bool { return l.Stats().DropRequests > 0 })
	if err := rt.Finalize(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the waiter to stop", func() bool { return rt.Stopped() == 1 })
	if got := l.Holder(); got != holder {
		t.Errorf("got holder %v, want the daemon that held it through finalization", got)
	}
	if holder.Released() {
		t.Errorf("the holder's state was released while it held the lock")
	}
	close(letGo)
	waitFor(t, "the holder to stop", func() bool { return rt.Stopped() == 2 })
	if h := l.Holder(); h != nil {
		t.Errorf("got holder %q after both stopped, want none", h.Name())
	}
	if !holder.Released() {
		t.Errorf("the holder's state was not released at its Release")
	}
	select {
	case <-waiterReturned:
		t.Errorf("Acquire returned to the waiter after finalization")
	default:
	}
	// The lock still works for nobody else; Reap runs the parked goroutines'
	// defers, none of which touches the lock here.
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A non-daemon thread that Finalize gave up on gets ErrFinalizing from
// Acquire instead of being stopped.
func TestStragglerGetsError(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	release := make(chan struct{})
	got := make(chan error, 1)
	if err := rt.Go("straggler", func(th *lifecycle.Thread) {
		<-release
		got <- l.Acquire(th)
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	var je *lifecycle.JoinError
	if err := rt.Finalize(ctx); !errors.As(err, &je) {
		t.Fatalf("got %v, want a JoinError", err)
	}
	close(release)
	if err := <-got; !errors.Is(err, lifecycle.ErrFinalizing) {
		t.Errorf("got %v, want ErrFinalizing", err)
	}
	if h := l.Holder(); h != nil {
		t.Errorf("got holder %q, want none", h.Name())
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// straggle starts a non-daemon thread that takes l, has Finalize give up
// waiting for it (a JoinError after 10 ms), then runs then in that thread,
// still holding l, and returns once then returned.
func straggle(t *testing.T, rt *lifecycle.Runtime, l *gil.Lock, then func(th *lifecycle.Thread)) {
	t.Helper()
	holding, finalized, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	if err := rt.Go("straggler", func(th *lifecycle.Thread) {
		defer close(done)
		if err := l.Acquire(th); err != nil {
			panic(err)
		}
		close(holding)
		<-finalized
		then(th)
	}); err != nil {
		t.Fatal(err)
	}
	<-holding
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	var je *lifecycle.JoinError
	if err := rt.Finalize(ctx); !errors.As(err, &je) {
		t.Fatalf("got %v, want a JoinError", err)
	}
	close(finalized)
	<-done
}

// A non-daemon that Finalize gave up on while it held the lock, and that
// calls Acquire again, panics as it would before finalization, instead of
// getting ErrFinalizing while it still holds the lock.
func TestStragglerAcquireTwicePanics(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	var msg string
	straggle(t, rt, l, func(th *lifecycle.Thread) {
		msg = panicMessage(func() { _ = l.Acquire(th) })
		l.Release(th)
	})
	if want := `gil: Acquire by thread "straggler" that already holds the lock`; msg != want {
		t.Errorf("got panic %q, want %q", msg, want)
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h := l.Holder(); h != nil {
		t.Errorf("got holder %q after the straggler released, want none", h.Name())
	}
}

// A daemon parked inside Yield has a deferred Release; when the runtime is
// reaped that Release is a no-op, not a misuse panic.
func TestDeferredReleaseAfterStop(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	holding := make(chan struct{})
	if err := rt.GoDaemon("worker", func(th *lifecycle.Thread) {
		if err := l.Acquire(th); err != nil {
			return
		}
		defer l.Release(th)
		close(holding)
		for {
			_ = l.Yield(th)
			time.Sleep(100 * time.Microsecond)
		}
	}); err != nil {
		t.Fatal(err)
	}
	<-holding
	if err := rt.Finalize(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the worker to stop", func() bool { return rt.Stopped() == 1 })
	if h := l.Holder(); h != nil {
		t.Errorf("got holder %q, want none after the worker stopped in Yield", h.Name())
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A daemon stopped at a safe point of lifecycle (Thread.Sleep or CheckExit)
// while it holds the lock gives the lock back before it parks: a parked
// holder would leave every other thread waiting forever (bpo-36469's hang).
// Its deferred Release, run when the runtime is reaped, does nothing.
func TestHolderStoppedInSleepGivesLockBack(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	holding := make(chan *lifecycle.Thread)
	if err := rt.GoDaemon("sleeper", func(th *lifecycle.Thread) {
		if err := l.Acquire(th); err != nil {
			return
		}
		defer l.Release(th)
		holding <- th
		for {
			th.Sleep(time.Hour) // holding the lock: allowed, if unkind
		}
	}); err != nil {
		t.Fatal(err)
	}
	th := <-holding
	if err := rt.Finalize(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sleeper to stop", func() bool { return rt.Stopped() == 1 })
	if h := l.Holder(); h != nil {
		t.Errorf("got holder %q after it stopped, want none", h.Name())
	}
	if !th.Stopped() || !th.Released() || th.State() != lifecycle.ShuttingDown {
		t.Errorf("got stopped %v released %v state %v, want true true SHUTTING_DOWN", th.Stopped(), th.Released(), th.State())
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Release or Yield by a daemon that does not hold the lock panics naming
// the call even once the daemon is SHUTTING_DOWN (Yield then drops the
// lock, but only once it has checked that t holds it): only a thread that
// was stopped (whose deferred Release runs when the runtime is reaped) is
// excused.
func TestShuttingDownNonHolderPanics(t *testing.T) {
	t.Parallel()
	for _, op := range []struct {
		name string
		call func(*gil.Lock, *lifecycle.Thread)
	}{
		{"Release", (*gil.Lock).Release},
		{"Yield", func(l *gil.Lock, th *lifecycle.Thread) { _ = l.Yield(th) }},
	} {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			rt := lifecycle.New()
			l := gil.New(rt)
			started := make(chan struct{})
			finalized := make(chan struct{})
			msg := make(chan string, 1)
			if err := rt.GoDaemon("d", func(th *lifecycle.Thread) {
				close(started)
				<-finalized // not a safe point: the daemon runs on
				msg <- panicMessage(func() { op.call(l, th) })
				th.CheckExit()
			}); err != nil {
				t.Fatal(err)
			}
			<-started
			if err := rt.Finalize(context.Background()); err != nil {
				t.Fatal(err)
			}
			close(finalized)
			if got, want := <-msg, `gil: `+op.name+` by thread "d" that does not hold the lock`; got != want {
				t.Errorf("got panic %q, want %q", got, want)
			}
			if err := rt.Reap(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A daemon stopped holding the lock gave it back when it stopped; a Yield
// in a deferred call, run when the runtime is reaped, is excused as Release
// is: it stops the goroutine again instead of panicking.
func TestDeferredYieldAfterStop(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	holding := make(chan struct{})
	var afterYield atomic.Bool
	if err := rt.GoDaemon("worker", func(th *lifecycle.Thread) {
		if err := l.Acquire(th); err != nil {
			return
		}
		defer func() {
			_ = l.Yield(th)
			afterYield.Store(true)
		}()
		close(holding)
		for {
			th.Sleep(time.Hour)
		}
	}); err != nil {
		t.Fatal(err)
	}
	<-holding
	if err := rt.Finalize(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the worker to stop", func() bool { return rt.Stopped() == 1 })
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
	if afterYield.Load() {
		t.Error("the deferred Yield returned, want it to stop the goroutine again")
	}
	if h := l.Holder(); h != nil {
		t.Errorf("got holder %q, want none", h.Name())
	}
}

// TestStragglerYieldKeepsLock: a non-daemon thread that Finalize gave up
// waiting for while it held the lock keeps it through Yield, so the usual
// deferred Release works. It failed when Yield dropped the lock whenever
// the runtime was finalizing: the re-Acquire returned ErrFinalizing and
// the Release then panicked ("... that does not hold the lock"), which
// ends the program from a goroutine.
func TestStragglerYieldKeepsLock(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	var (
		yieldErr error
		held     bool
		panicMsg string
	)
	straggle(t, rt, l, func(th *lifecycle.Thread) {
		yieldErr = l.Yield(th)
		held = l.Holder() == th
		panicMsg = panicMessage(func() { l.Release(th) })
	})
	if yieldErr != nil || !held || panicMsg != "no panic" {
		t.Errorf("straggler's Yield: err %v, still holder %v, then Release panicked %q; want nil, true, no panic", yieldErr, held, panicMsg)
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}
