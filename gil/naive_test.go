//go:build !race

package gil_test

import (
	"testing"
	"time"

	"github.com/paddock-go/paddock/internal/naive"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

func naiveSystem(t testing.TB) system[*naive.GILThread] {
	rt := naive.NewGILRuntime()
	g := naive.NewGIL(rt)
	if err := g.SetSwitchInterval(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return system[*naive.GILThread]{
		goDaemon: rt.GoDaemon,
		finalize: rt.Finalize,
		acquire:  g.Acquire,
		release:  g.Release,
		sleep:    (*naive.GILThread).Sleep,
		holder:   func() bool { return g.Holder() != nil },
		parked:   func() int { return 0 },
		cleanup: func(ended func() int, n int) {
			// Threads that died holding the GIL leave the others waiting
			// forever (the hang of bpo-36469); free it until all have met
			// their fate, so that goleak sees no goroutine left.
			deadline := time.Now().Add(20 * time.Second)
			for ended() < n {
				if time.Now().After(deadline) {
					t.Fatalf("naive daemons did not end: %d of %d", ended(), n)
				}
				g.ForceUnlock()
				time.Sleep(time.Millisecond)
			}
		},
	}
}

// The reproducer's detectors catch the take_gil that checks "must exit"
// only before waiting: a daemon waiting for the GIL while the runtime
// finalizes takes it afterwards and touches its released state.
func TestReproducerCatchesNaive(t *testing.T) {
	t.Parallel()
	const seeds = 20
	cfg := defaultRepro
	cfg.hangAt = 200 * time.Millisecond // a hang is expected here; do not wait long
	caught := 0
	for seed := range uint64(seeds) {
		o := reproduce(t, naiveSystem(t), cfg, seed)
		if o.bad() {
			caught++
		}
		t.Logf("seed %d: %+v", seed, o)
	}
	// Without scheduling points the window is hit in most runs; with
	// -tags schedtest and a policy it is hit more often still.
	if caught == 0 {
		t.Fatalf("the detectors caught the single-check take_gil in 0 of %d seeds (%s)", seeds, schedpoint.Describe())
	}
	t.Logf("caught in %d of %d seeds", caught, seeds)
}

// Under -tags schedtest, a sleep between the single check and the wait puts
// a daemon in the window in nearly every run, so the detectors must catch
// the naive take_gil in most seeds.
func TestReproducerCatchesNaiveSchedPoints(t *testing.T) {
	if !schedpoint.Enabled {
		t.Skip("needs -tags schedtest")
	}
	t.Parallel()
	const seeds = 10
	cfg := defaultRepro
	cfg.hangAt = 200 * time.Millisecond
	caught := 0
	for seed := range uint64(seeds) {
		restore := schedpoint.Set(schedpoint.Policy{
			Seed: seed, P: 1, Action: schedpoint.ActionSleep,
			Max: 20 * time.Millisecond, Filter: "naive.gil.take.afterCheck",
		})
		o := reproduce(t, naiveSystem(t), cfg, seed)
		if o.bad() {
			caught++
		}
		restore()
		t.Logf("seed %d: %+v", seed, o)
	}
	if caught < seeds/2 {
		t.Fatalf("caught the single-check take_gil in %d of %d seeds, want at least %d", caught, seeds, seeds/2)
	}
	t.Logf("caught in %d of %d seeds", caught, seeds)
}

// The fairness test's bounds catch a take_gil without FORCE_SWITCHING: the
// holder that drops the lock at a drop request takes it back before the
// woken waiter runs, so the other threads starve.
func TestFairnessCatchesNaive(t *testing.T) {
	t.Parallel()
	const runs = 5
	for run := range runs {
		rt := naive.NewGILRuntime()
		g := naive.NewGIL(rt)
		if err := g.SetSwitchInterval(fairInterval); err != nil {
			t.Fatal(err)
		}
		f := busyThreads(t, fairLock[*naive.GILThread]{
			goThread: rt.Go, acquire: g.Acquire, yield: g.Yield, release: g.Release,
		}, fairThreads, fairRun, fairRun)
		if v := f.violations(); len(v) > 0 {
			t.Logf("run %d: caught: %q", run, v)
			return
		}
		t.Logf("run %d: not caught: %+v", run, f)
	}
	t.Fatalf("the fairness bounds did not catch the take_gil without forced switching in %d runs", runs)
}
