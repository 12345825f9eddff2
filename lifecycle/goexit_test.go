package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paddock-go/paddock/lifecycle"
)

// A hook that calls runtime.Goexit ends Finalize's goroutine, but the
// shutdown still completes: the finalizing flag is set, daemons stop, and
// every later Finalize returns an error naming the hook, joined with the
// errors of the hooks that ran before it. Before, the flag was never set,
// daemons ran on, a second Finalize waited until its ctx ended ("context
// deadline exceeded"), and Reap panicked; and then, with that fixed, the
// earlier hooks' errors were lost with the Goexit.
func TestGoexitInHookFinishesFinalize(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"AtExit", "BeforeJoin"} {
		rt := lifecycle.New()
		stopped := make(chan struct{})
		if err := rt.GoDaemon("d", func(th *lifecycle.Thread) {
			defer close(stopped) // runs when Reap ends the parked daemon
			for {
				th.Sleep(time.Millisecond)
			}
		}); err != nil {
			t.Fatal(err)
		}
		later := false
		hooks := []func(context.Context) error{ // registered in this order, run last-in first-out
			func(context.Context) error { later = true; return nil },
			func(context.Context) error { runtime.Goexit(); return nil },
			func(context.Context) error { return errEarlier },
		}
		var err error
		for _, h := range hooks {
			if kind == "AtExit" {
				err = errors.Join(err, rt.AtExit(h))
			} else {
				_, e := rt.BeforeJoin(h)
				err = errors.Join(err, e)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			_ = rt.Finalize(context.Background())
		}()
		<-ended
		if !rt.Finalizing() {
			t.Errorf("%s: the finalizing flag is not set after a hook's Goexit", kind)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = rt.Finalize(ctx)
		if err == nil || !strings.Contains(err.Error(), kind+" hook 1 called runtime.Goexit") || !errors.Is(err, errEarlier) {
			t.Errorf("%s: second Finalize: %v, want the hook's Goexit named, and the earlier hook's error", kind, err)
		}
		if later {
			t.Errorf("%s: the hook registered before the exiting one ran on the exiting goroutine", kind)
		}
		if err := rt.Reap(ctx); err != nil {
			t.Errorf("%s: Reap: %v", kind, err)
		}
		cancel()
		<-stopped
	}
}

// Every non-daemon goroutine ended as Finalize's ctx did: Finalize joined
// them all and returns nil, with the AtExit hooks run, whichever of the two
// the join's select sees first. The hook makes the goroutine end after the
// join listed it and before it waits, with ctx already cancelled. Before,
// Finalize returned a JoinError naming no goroutine ("0 non-daemon
// goroutine(s) still running") whenever the select picked ctx, and skipped
// the hooks; 40 tries pass by chance with probability 2^-40. Not parallel:
// the hook is global.
func TestFinalizeAllEndedAsCtxEnds(t *testing.T) {
	for range 40 {
		rt := lifecycle.New()
		release, id := make(chan struct{}), make(chan uint64, 1)
		if err := rt.Go("w", func(th *lifecycle.Thread) { id <- th.ID(); <-release }); err != nil {
			t.Fatal(err)
		}
		w := <-id
		ran := false
		if err := rt.AtExit(func(context.Context) error { ran = true; return nil }); err != nil {
			t.Fatal(err)
		}
		restore := lifecycle.SetJoinSnapshotHook(func() {
			close(release)
			for rt.Thread(w) != nil { // gone from Thread only after its end
				runtime.Gosched()
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := rt.Finalize(ctx)
		restore()
		if err != nil || !ran {
			t.Fatalf("Finalize: %v, AtExit ran %v; want nil and true: every goroutine had ended", err, ran)
		}
		if err := rt.Reap(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

var errEarlier = errors.New("the hook that ran before failed")

// A hook calling runtime.Goexit under RunWith: Finalize runs on a goroutine
// of its own, so RunWith still returns (exit code 1) instead of ending the
// goroutine that called it, which under Run is the program's main
// goroutine: the program never exited.
func TestRunWithHookGoexit(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	if err := rt.AtExit(func(context.Context) error { runtime.Goexit(); return nil }); err != nil {
		t.Fatal(err)
	}
	code := make(chan int, 1)
	returned := make(chan bool, 1)
	go func() {
		ok := false
		defer func() { returned <- ok }()
		code <- lifecycle.RunWith(lifecycle.Options{Runtime: rt, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
			func(context.Context) error { return nil })
		ok = true
	}()
	if !<-returned {
		t.Fatal("RunWith did not return: the hook's Goexit ended its caller's goroutine")
	}
	if c := <-code; c != lifecycle.ExitError {
		t.Errorf("RunWith returned %d, want %d", c, lifecycle.ExitError)
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// main calling runtime.Goexit: RunWith finalizes and returns exit code 1
// instead of waiting forever for a result.
func TestRunWithMainGoexit(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	code := make(chan int, 1)
	go func() {
		code <- lifecycle.RunWith(lifecycle.Options{Runtime: rt, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
			func(context.Context) error { runtime.Goexit(); return nil })
	}()
	select {
	case c := <-code:
		if c != lifecycle.ExitError || !rt.Finalizing() {
			t.Errorf("RunWith returned %d, finalizing %v; want %d and true", c, rt.Finalizing(), lifecycle.ExitError)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("RunWith still running 20 s after main called runtime.Goexit")
	}
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestGoexitInBeforeJoinHookStillJoins: a BeforeJoin hook that calls
// runtime.Goexit does not skip the join: Finalize's result is published
// only once the non-daemon goroutines ended, as CPython waits for its
// non-daemon threads. It failed when the Goexit path went straight to
// finishing: "Finalize returned ... while non-daemon "worker" still runs".
func TestGoexitInBeforeJoinHookStillJoins(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	release, ended := make(chan struct{}), make(chan struct{})
	if err := rt.Go("worker", func(*lifecycle.Thread) {
		<-release
		time.Sleep(10 * time.Millisecond)
		close(ended)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.BeforeJoin(func(context.Context) error { close(release); runtime.Goexit(); return nil }); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = rt.Finalize(context.Background()) }()
	<-done
	err := rt.Finalize(context.Background())
	select {
	case <-ended:
	default:
		t.Errorf("Finalize returned %v while non-daemon %q still runs: the join was skipped", err, "worker")
	}
	if !strings.Contains(fmt.Sprint(err), "BeforeJoin hook 0 called runtime.Goexit") {
		t.Errorf("got %v, want the error to name the hook that called runtime.Goexit", err)
	}
	<-ended
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
}
