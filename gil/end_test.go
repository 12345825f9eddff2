package gil_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/lifecycle"
)

// A thread whose goroutine ends holding the lock (it returns, or calls
// runtime.Goexit as t.FailNow does, without a Release) gives the lock back,
// as an exiting CPython thread drops the GIL: the next Acquire gets it.
// Before, the lock stayed held by the gone thread, Holder reported nil and
// the next Acquire waited forever.
func TestGoroutineEndingHoldingLockGivesItBack(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"return", "Goexit"} {
		rt := lifecycle.New()
		l := gil.New(rt)
		ended := make(chan struct{})
		if err := rt.Go("quitter", func(th *lifecycle.Thread) {
			defer close(ended)
			if err := l.Acquire(th); err != nil {
				t.Error(err)
				return
			}
			if how == "Goexit" {
				runtime.Goexit()
			}
		}); err != nil {
			t.Fatal(err)
		}
		<-ended
		got := make(chan error, 1)
		if err := rt.Go("next", func(th *lifecycle.Thread) {
			err := l.Acquire(th)
			if err == nil {
				l.Release(th)
			}
			got <- err
		}); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-got:
			if err != nil {
				t.Errorf("%s: Acquire after the holder ended: %v", how, err)
			}
		case <-time.After(stranded):
			t.Fatalf("%s: Acquire still waiting %v after the holder's goroutine ended; Holder() = %v", how, stranded, l.Holder())
		}
		if err := finalize(t, rt); err != nil {
			t.Fatal(err)
		}
	}
}

// A daemon that attached a lock of its own, then took the gil, gives its
// own lock back (Detach) after Finalize: its state stays live while the gil
// still names it, and is released when it gives the gil back. Before,
// Detach released the state while the thread still held the gil.
func TestDetachWhileHoldingLockKeepsState(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	holding := make(chan *lifecycle.Thread)
	detach := make(chan struct{})
	result := make(chan string, 1)
	if err := rt.GoDaemon("d", func(th *lifecycle.Thread) {
		if !th.Attach() {
			result <- "Attach failed"
			return
		}
		if err := l.Acquire(th); err != nil {
			result <- err.Error()
			return
		}
		holding <- th
		<-detach
		th.Detach()
		r := "ok"
		if th.Released() {
			r = "state released after Detach while the gil still names the thread"
		}
		l.Release(th)
		if r == "ok" && !th.Released() {
			r = "state not released when the gil was given back after Finalize"
		}
		result <- r
		th.CheckExit()
	}); err != nil {
		t.Fatal(err)
	}
	th := <-holding
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := rt.Finalize(ctx); err != nil {
		t.Fatal(err)
	}
	if th.Released() {
		t.Fatal("Finalize released the state of a thread holding two locks")
	}
	close(detach)
	if r := <-result; r != "ok" {
		t.Error(r)
	}
	if err := rt.Reap(ctx); err != nil {
		t.Fatal(err)
	}
}
