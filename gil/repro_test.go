package gil_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// system is one implementation of the seed's reproducer's runtime and
// lock: paddock's, or internal/naive's single-check take_gil.
type system[T any] struct {
	goDaemon func(name string, fn func(T)) error
	finalize func(ctx context.Context) error
	acquire  func(T) error
	release  func(T)
	sleep    func(T, time.Duration)
	holder   func() bool // a daemon holds the lock
	parked   func() int  // daemons stopped at a safe point, not ended
	cleanup  func(ended func() int, n int)
}

// outcome is what the detectors saw in one run.
type outcome struct {
	releasedUses  int32 // panics reporting a use of a released thread state
	acquiredAfter int32 // Acquire returned to a daemon that started it after Finalize returned
	hung          bool  // some daemon neither ended nor stopped after finalization
	holderAfter   bool  // a daemon held the lock after every daemon stopped
}

func (o outcome) bad() bool {
	return o.releasedUses > 0 || o.acquiredAfter > 0 || o.hung || o.holderAfter
}

// reproConfig scales the seed's reproducer (bpo-39877's
// daemon_threads_exit.py with sleep_at_exit.patch): daemons sleep a random
// 0..maxSleep and take the lock, while the main goroutine finalizes at a
// random moment and keeps the process alive for delay afterwards. At the
// seed's own scale (0..1 s sleeps, 1 s delay) the naive take_gil was caught
// in 0 of 3 seeds (a bug seen "once every two weeks"); scaled down to 20 ms,
// daemons are far more often waiting at the moment of finalization and the
// detectors catch it in most seeds (TestReproducerCatchesNaive), so the
// scaled-down reproducer is the one the tests run.
type reproConfig struct {
	daemons  int
	maxSleep time.Duration
	hold     time.Duration
	delay    time.Duration
	hangAt   time.Duration // after the delay, how long daemons may take to end or stop
}

var defaultRepro = reproConfig{daemons: 20, maxSleep: 20 * time.Millisecond, hold: 200 * time.Microsecond, delay: 20 * time.Millisecond, hangAt: 2 * time.Second}

// reproduce runs the reproducer once with seed and reports what the
// detectors saw.
func reproduce[T any](t testing.TB, sys system[T], cfg reproConfig, seed uint64) outcome {
	t.Helper()
	var releasedUses, acquiredAfter, ended atomic.Int32
	var finalized atomic.Bool
	for i := range cfg.daemons {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		err := sys.goDaemon(fmt.Sprintf("daemon-%d", i), func(th T) {
			defer ended.Add(1)
			defer func() {
				if v := recover(); v != nil {
					if !strings.Contains(fmt.Sprint(v), "released thread state") {
						panic(v)
					}
					releasedUses.Add(1)
				}
			}()
			for {
				sys.sleep(th, time.Duration(rng.Int64N(int64(cfg.maxSleep))))
				wasFinalized := finalized.Load()
				if err := sys.acquire(th); err != nil {
					return
				}
				if wasFinalized {
					acquiredAfter.Add(1)
				}
				time.Sleep(cfg.hold)
				sys.release(th)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 1<<40))
	time.Sleep(time.Duration(rng.Int64N(int64(cfg.maxSleep))))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sys.finalize(ctx); err != nil {
		t.Fatalf("seed %d: Finalize: %v", seed, err)
	}
	finalized.Store(true)
	time.Sleep(cfg.delay)
	var o outcome
	deadline := time.Now().Add(cfg.hangAt)
	for int(ended.Load())+sys.parked() < cfg.daemons {
		if time.Now().After(deadline) {
			o.hung = true
			break
		}
		time.Sleep(time.Millisecond)
	}
	o.holderAfter = sys.holder()
	sys.cleanup(func() int { return int(ended.Load()) }, cfg.daemons)
	o.releasedUses = releasedUses.Load()
	o.acquiredAfter = acquiredAfter.Load()
	return o
}

func paddockSystem(t testing.TB) system[*lifecycle.Thread] {
	rt := lifecycle.New()
	l := gil.New(rt)
	if err := l.SetSwitchInterval(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return system[*lifecycle.Thread]{
		goDaemon: rt.GoDaemon,
		finalize: rt.Finalize,
		acquire:  l.Acquire,
		release:  l.Release,
		sleep:    (*lifecycle.Thread).Sleep,
		holder:   func() bool { h := l.Holder(); return h != nil && h.Daemon() },
		parked:   rt.Stopped,
		cleanup: func(func() int, int) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := rt.Reap(ctx); err != nil {
				t.Fatalf("Reap: %v", err)
			}
		},
	}
}

// The seed's reproducer across many seeds: no use of released state, no
// daemon returning from Acquire after finalization, no hang, no daemon
// holding the lock at the end. TestReproducerCatchesNaive (naive_test.go)
// runs these same detectors against internal/naive's single-check take_gil
// and asserts that they fire: that is how we know this test can fail.
func TestReproducerManySeeds(t *testing.T) {
	t.Parallel()
	seeds := 30
	if testing.Short() {
		seeds = 5
	}
	for seed := range uint64(seeds) {
		if o := reproduce(t, paddockSystem(t), defaultRepro, seed); o.bad() {
			t.Errorf("seed %d (%s): %+v", seed, schedpoint.Describe(), o)
		}
	}
}

// Under -tags schedtest, the same reproducer with scheduling points that
// sleep at every edge of gil and lifecycle, to widen each window (between
// the checks and the waits, at hand-offs, between marking and releasing).
func TestReproducerSchedPoints(t *testing.T) {
	if !schedpoint.Enabled {
		t.Skip("needs -tags schedtest")
	}
	for seed := range uint64(8) {
		restore := schedpoint.Set(schedpoint.Policy{
			Seed: seed, P: 0.3, Action: schedpoint.ActionSleep,
			Max: 300 * time.Microsecond, Filter: "gil.|lifecycle.",
		})
		o := reproduce(t, paddockSystem(t), defaultRepro, seed)
		if o.bad() {
			t.Errorf("%s: %+v", schedpoint.Describe(), o)
		}
		restore()
	}
}
