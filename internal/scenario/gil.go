package scenario

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/internal/naive"
	"github.com/paddock-go/paddock/lifecycle"
)

// Violation kinds of the gil scenario.
const (
	KindReleasedUse   = "released state used"          // a thread given the lock, or using its state, after Finalize released it
	KindAcquiredAfter = "acquired after finalization"  // Acquire returned to a daemon that called it after Finalize returned
	KindHeldAfter     = "lock held after finalization" // a daemon held the lock once every daemon had stopped
)

// gilTiming scales the seed's reproducer (bpo-39877: daemon threads sleep
// a random 0 to 1 s and take the GIL, while Py_RunMain sleeps 1 s at exit
// after finalizing): maxSleep is the daemons' and the main goroutine's
// random sleep, hold how long a daemon keeps the lock, delay the sleep at
// exit, hangAt how long after it the daemons may take to end or stop.
// finalizeWork is the time finalization works before it sets the
// finalizing flag: the naive runtime spends it holding the GIL as CPython's
// main thread does (naive.GILRuntime.FinalizeWork), paddock's in an AtExit
// hook, so both face daemons arriving during the same span. Without it, at
// the seed's time scale the naive port's window is a few microseconds and
// the full run missed the race in 100 of 100 rounds.
type gilTiming struct {
	maxSleep, hold, delay, hangAt, finalizeWork time.Duration
}

var (
	gilQuick = gilTiming{maxSleep: 20 * time.Millisecond, hold: 200 * time.Microsecond, delay: 20 * time.Millisecond, hangAt: 200 * time.Millisecond,
		finalizeWork: time.Millisecond}
	gilFull = gilTiming{maxSleep: time.Second, hold: time.Millisecond, delay: time.Second, hangAt: 2 * time.Second,
		finalizeWork: 50 * time.Millisecond}
)

var gilScenario = Scenario{
	Name:  "gil",
	Kinds: []string{KindReleasedUse, KindAcquiredAfter, KindHeldAfter, KindPanic, KindHang},
	run:   runGIL,
	defaults: func(full bool) (int, int) {
		if full {
			return 20, 100
		}
		return 20, 20
	},
}

// gilSystem is one implementation of the reproducer's runtime and lock,
// over its thread type T: lifecycle and gil, or internal/naive's runtime
// and single-check take_gil.
type gilSystem[T any] struct {
	goDaemon     func(name string, fn func(T)) error
	finalize     func(ctx context.Context) error
	acquire      func(T) error
	release      func(T)
	sleep        func(T, time.Duration)
	released     func(T) bool // Finalize released the thread's state: a holder's never is
	heldByDaemon func() bool
	parked       func() int // daemons stopped at a safe point, not ended
	// cleanup ends every daemon of the run (ended counts those that did)
	// so that no goroutine outlives the round. forcesLock says it frees
	// the lock by force: what daemons do after that is the harness's
	// doing, and their violations are not counted.
	cleanup    func(ended func() int, n int) error
	forcesLock bool
}

// paddockGILSystem makes the paddock side; the tests swap in a broken lock
// to show that the detectors catch one (export_test.go).
var paddockGILSystem = paddockGIL

func paddockGIL(finalizeWork time.Duration) (gilSystem[*lifecycle.Thread], error) {
	rt := lifecycle.New()
	if err := rt.AtExit(func(context.Context) error { time.Sleep(finalizeWork); return nil }); err != nil {
		return gilSystem[*lifecycle.Thread]{}, err
	}
	l := gil.New(rt)
	if err := l.SetSwitchInterval(time.Millisecond); err != nil {
		return gilSystem[*lifecycle.Thread]{}, err
	}
	return gilSystem[*lifecycle.Thread]{
		goDaemon:     rt.GoDaemon,
		finalize:     rt.Finalize,
		acquire:      l.Acquire,
		release:      l.Release,
		sleep:        (*lifecycle.Thread).Sleep,
		released:     (*lifecycle.Thread).Released,
		heldByDaemon: func() bool { h := l.Holder(); return h != nil && h.Daemon() },
		parked:       rt.Stopped,
		cleanup: func(func() int, int) error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return rt.Reap(ctx)
		},
	}, nil
}

func naiveGIL(finalizeWork time.Duration) (gilSystem[*naive.GILThread], error) {
	rt := naive.NewGILRuntime()
	rt.FinalizeWork = finalizeWork
	g := naive.NewGIL(rt)
	if err := g.SetSwitchInterval(time.Millisecond); err != nil {
		return gilSystem[*naive.GILThread]{}, err
	}
	return gilSystem[*naive.GILThread]{
		goDaemon:     rt.GoDaemon,
		finalize:     rt.Finalize,
		acquire:      g.Acquire,
		release:      g.Release,
		sleep:        (*naive.GILThread).Sleep,
		released:     func(*naive.GILThread) bool { return false }, // take_gil itself panics on a released state
		heldByDaemon: func() bool { return g.Holder() != nil },
		parked:       func() int { return 0 },
		cleanup: func(ended func() int, n int) error {
			// A daemon that died holding the GIL leaves the others
			// waiting forever (bpo-36469's hang): free the GIL until all
			// have met their fate, so that no goroutine is left behind.
			deadline := time.Now().Add(10 * time.Second)
			for ended() < n {
				if time.Now().After(deadline) {
					return fmt.Errorf("scenario: naive daemons did not end: %d of %d", ended(), n)
				}
				g.ForceUnlock()
				time.Sleep(time.Millisecond)
			}
			return nil
		},
		forcesLock: true,
	}, nil
}

func runGIL(ctx context.Context, cfg Config, rep *Report) error {
	timing := gilQuick
	if cfg.Full {
		timing = gilFull
	}
	if cfg.Deadline > 0 {
		timing.hangAt = cfg.Deadline
	} else if cfg.Impl == Paddock {
		// The port's daemons do hang (bpo-36469), so its rounds wait
		// hangAt out, and quick mode keeps it short. Paddock's stop
		// within milliseconds; a round waits only until they have, so a
		// generous bound costs nothing and a loaded machine cannot fake
		// a hang.
		timing.hangAt = max(timing.hangAt, 2*time.Second)
	}
	for round := range cfg.Rounds {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		var err error
		if cfg.Impl == Naive {
			err = gilRound(naiveGIL, rep, cfg, timing, round)
		} else {
			err = gilRound(paddockGILSystem, rep, cfg, timing, round)
		}
		if err != nil {
			return err
		}
		cfg.progress(round+1, cfg.Rounds)
	}
	return nil
}

// gilRound runs the reproducer once: Workers daemons loop sleeping a random
// time and taking the lock, while this goroutine sleeps a random time,
// finalizes, and sleeps the delay at exit; then the detectors look.
func gilRound[T any](newSystem func(finalizeWork time.Duration) (gilSystem[T], error), rep *Report, cfg Config, timing gilTiming, round int) error {
	sys, err := newSystem(timing.finalizeWork)
	if err != nil {
		return err
	}
	var ended atomic.Int32
	var finalized atomic.Bool // set when Finalize returned
	var cleaning atomic.Bool  // set when the cleanup begins
	for w := range cfg.Workers {
		rnd := rng(cfg.Seed, round, w)
		name := fmt.Sprintf("daemon-%d", w)
		err := sys.goDaemon(name, func(th T) {
			defer ended.Add(1)
			defer func() {
				if v := recover(); v != nil && !(sys.forcesLock && cleaning.Load()) {
					kind := KindPanic
					if strings.Contains(fmt.Sprint(v), "released thread state") {
						kind = KindReleasedUse
					}
					rep.violation(kind, "round %d, %s: %v", round, name, v)
				}
			}()
			for {
				sys.sleep(th, time.Duration(rnd.Int64N(int64(timing.maxSleep))))
				wasFinalized := finalized.Load()
				if err := sys.acquire(th); err != nil {
					return
				}
				rep.op(1)
				if sys.released(th) {
					rep.violation(KindReleasedUse, "round %d, %s: Acquire gave the lock to a thread whose state Finalize released", round, name)
					sys.release(th)
					return
				}
				if wasFinalized {
					rep.violation(KindAcquiredAfter, "round %d, %s: Acquire called after Finalize returned gave it the lock", round, name)
				}
				time.Sleep(timing.hold)
				sys.release(th)
			}
		})
		if err != nil {
			return err
		}
	}
	main := rng(cfg.Seed, round, -1)
	time.Sleep(time.Duration(main.Int64N(int64(timing.maxSleep))))
	fctx, cancel := context.WithTimeout(context.Background(), timing.hangAt+10*time.Second)
	defer cancel()
	if err := sys.finalize(fctx); err != nil {
		rep.violation(KindHang, "round %d: Finalize: %v", round, err)
	}
	finalized.Store(true)
	time.Sleep(timing.delay)
	deadline := time.Now().Add(timing.hangAt)
	for int(ended.Load())+sys.parked() < cfg.Workers {
		if time.Now().After(deadline) {
			rep.violation(KindHang, "round %d: %d of %d daemons neither ended nor stopped %v after finalization",
				round, cfg.Workers-int(ended.Load())-sys.parked(), cfg.Workers, timing.delay+timing.hangAt)
			break
		}
		time.Sleep(time.Millisecond)
	}
	if sys.heldByDaemon() {
		rep.violation(KindHeldAfter, "round %d: a daemon holds the lock after finalization", round)
	}
	cleaning.Store(true)
	return sys.cleanup(func() int { return int(ended.Load()) }, cfg.Workers)
}
