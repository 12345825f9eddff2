package gil_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// The lock word is the attached state: Acquire and Release do not touch the
// thread's state word, and Finalize asks the lock (lifecycle's probe) whether
// a daemon holds it before releasing its state. Two Dekker pairs make that
// safe (see the package doc):
//
//   - Acquire writes the lock word, then loads the finalizing flag (check 3);
//     Finalize sets the flag, then probes the word. One of them sees the
//     other: the thread gives the lock back and stops, or Finalize leaves
//     its state alone.
//   - Release writes the lock word, then loads the thread's state
//     (Thread.Unlocked); Finalize marks SHUTTING_DOWN, then probes. One of
//     them sees the other: whichever does releases the state (once).
//
// Under -tags schedtest, scheduling points sit between the two operations
// of every side ("gil.acquire.afterTake", "gil.unlock.afterDrop",
// "lifecycle.finalize.beforeRelease", "lifecycle.release.afterProbe"), and
// this test runs many seeds of daemons taking the lock in a tight loop while
// Finalize runs at a random moment. Its detectors: a daemon holding the lock
// whose state is released or reads DETACHED, Acquire returning after
// Finalize returned, a daemon that neither stops nor ends, and a stopped
// daemon whose state was never released.
//
// How we know it can fail (each mutation tried by hand, then restored):
// without Acquire's check 3 (return nil right after taking the word),
// seeds fail with "state released while it holds the lock" and "Acquire
// returned after Finalize"; without Finalize's probe (lifecycle's release
// not asking holdsLock), seeds fail with "state released while it holds the
// lock"; without Release's re-check (no Thread.Unlocked after the drop),
// seeds fail with "state never released".
func TestLockWordIsAttachedState(t *testing.T) {
	seeds := uint64(20)
	if schedpoint.Enabled {
		seeds = 300
	}
	for seed := range seeds {
		restore := schedpoint.Set(schedpoint.Policy{
			Seed: seed, P: 0.3, Action: schedpoint.ActionSleep, Max: 20 * time.Microsecond,
			Filter: "gil.|lifecycle.",
		})
		if msg := lockWordRun(t, seed); msg != "" {
			t.Errorf("seed %d (%s): %s", seed, schedpoint.Describe(), msg)
		}
		restore()
	}
}

// lockWordRun runs daemons that take and give back the lock until Finalize
// stops them, and returns what the detectors saw ("" when nothing).
func lockWordRun(t *testing.T, seed uint64) string {
	const daemons = 3
	rt := lifecycle.New()
	l := gil.New(rt)
	var finalized atomic.Bool
	var releasedHeld, detachedHeld, acquiredAfter, acquired atomic.Int32
	threads := make([]*lifecycle.Thread, daemons)
	started := make(chan *lifecycle.Thread, daemons)
	for i := range daemons {
		if err := rt.GoDaemon(fmt.Sprintf("d%d", i), func(th *lifecycle.Thread) {
			started <- th
			for {
				wasFinalized := finalized.Load()
				if err := l.Acquire(th); err != nil {
					t.Errorf("daemon Acquire: %v", err)
					return
				}
				if wasFinalized {
					acquiredAfter.Add(1)
				}
				acquired.Add(1)
				for range 16 {
					if th.Released() {
						releasedHeld.Add(1)
					}
					if th.State() == lifecycle.Detached {
						detachedHeld.Add(1)
					}
					runtime.Gosched()
				}
				l.Release(th)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range threads {
		threads[i] = <-started
	}
	for acquired.Load() < 3*daemons {
		time.Sleep(10 * time.Microsecond)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	time.Sleep(time.Duration(rng.Int64N(int64(200 * time.Microsecond))))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rt.Finalize(ctx); err != nil {
		t.Fatalf("Finalize: %v", err)
	}
	finalized.Store(true)
	var msg string
	deadline := time.Now().Add(5 * time.Second)
	for rt.Stopped() < daemons {
		if time.Now().After(deadline) {
			msg += fmt.Sprintf(" %d of %d daemons neither stopped nor ended;", daemons-rt.Stopped(), daemons)
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	for _, th := range threads {
		if !th.Released() {
			msg += fmt.Sprintf(" %s: state never released;", th.Name())
		}
	}
	if h := l.Holder(); h != nil {
		msg += fmt.Sprintf(" %s holds the lock after every daemon stopped;", h.Name())
	}
	if n := releasedHeld.Load(); n > 0 {
		msg += fmt.Sprintf(" %d times a daemon's state released while it holds the lock;", n)
	}
	if n := detachedHeld.Load(); n > 0 {
		msg += fmt.Sprintf(" %d times a daemon holding the lock read DETACHED;", n)
	}
	if n := acquiredAfter.Load(); n > 0 {
		msg += fmt.Sprintf(" %d times Acquire returned after Finalize;", n)
	}
	if err := rt.Reap(ctx); err != nil {
		t.Fatalf("Reap: %v", err)
	}
	return msg
}
