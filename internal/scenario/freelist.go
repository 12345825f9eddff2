package scenario

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/freelist"
	"github.com/paddock-go/paddock/internal/naive"
)

// Violation kinds of the freelist scenario (KindTwoOwners is shared with
// the arena scenario).
const (
	KindCorrupted = "corrupted data"     // an object's data changed while its owner held it
	KindOverCap   = "more than Cap kept" // the list gave back more objects than its capacity
)

// freelistCapacity is small so that the list runs full and empty often: the
// edges where PyO3's unsynchronized split races.
const (
	freelistCapacity = 8
	freelistOps      = 2000 // Get/Put cycles per worker per round
)

var freelistScenario = Scenario{
	Name:  "freelist",
	Kinds: []string{KindTwoOwners, KindCorrupted, KindOverCap, KindPanic, KindHang},
	run:   runFreelist,
	defaults: func(full bool) (int, int) {
		if full {
			return 8, 10000
		}
		return 8, 600
	},
}

// pooled is the object PyO3's test_gc.rs multithreaded test allocates:
// it carries data its owner writes and checks, and an owner word the
// scenario claims with a compare-and-swap, so a second owner is seen the
// moment it claims.
type pooled struct {
	owner atomic.Int64 // 0 when free; written by the claiming worker
	used  atomic.Bool  // set by its first owner: the list made none of it
	data  [16]uint64
}

// objectList is what the scenario needs of a free list; *freelist.List and
// *naive.FreeList both have it.
type objectList interface {
	Get() *pooled
	Put(*pooled) bool
	Cap() int
}

func newObjectList(impl Impl) (objectList, error) {
	if impl == Naive {
		return naive.NewFreeList[pooled](freelistCapacity, nil), nil
	}
	return newPaddockList()
}

// newPaddockList makes the paddock side; the tests swap in a broken list to
// show that the detectors catch one (export_test.go).
var newPaddockList = func() (objectList, error) {
	return freelist.New(freelist.Config[pooled]{Capacity: freelistCapacity})
}

// runFreelist runs Rounds rounds of Workers goroutines, each getting an
// object, claiming it, writing and checking its data, and putting it back,
// freelistOps times. Each round uses a fresh list, as each run of PyO3's
// test does, so a list corrupted in one round does not decide the next.
func runFreelist(ctx context.Context, cfg Config, rep *Report) error {
	deadline := cfg.Deadline
	if deadline == 0 {
		deadline = time.Minute
	}
	for round := range cfg.Rounds {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		l, err := newObjectList(cfg.Impl)
		if err != nil {
			return err
		}
		ok, err := runWorkers(ctx, rep, cfg.Workers, deadline, fmt.Sprintf("freelist round %d", round), func(w int) {
			me := int64(round*cfg.Workers + w + 1)
			rnd := rng(cfg.Seed, round, w)
			for op := range freelistOps {
				rep.op(1)
				if !freelistStep(l, rep, me, op, rnd.IntN(8) == 0) {
					return // the list is corrupt: going on would count it again
				}
			}
		})
		if err != nil || !ok {
			return err
		}
		checkKept(l, rep, round)
		cfg.progress(round+1, cfg.Rounds)
	}
	return nil
}

// freelistStep is one Get, claim, write, check, release, Put cycle; with
// yield (drawn from the seed, one step in eight) the owner lets other
// workers run while it holds the object. A panic of the list (PyO3's
// "FreeList is corrupt", or an index out of range in the port) is recorded
// and reported as false: the list is corrupt from then on, and the worker
// stops rather than count the same corruption at every later step.
func freelistStep(l objectList, rep *Report, me int64, op int, yield bool) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			rep.violation(KindPanic, "freelist worker %d: %v", me, v)
			ok = false
		}
	}()
	x := l.Get()
	if !x.owner.CompareAndSwap(0, me) {
		rep.violation(KindTwoOwners, "worker %d got an object worker %d holds", me, x.owner.Load())
		return true // not ours: leave it alone
	}
	x.used.Store(true)
	stamp := uint64(me)<<32 | uint64(op)
	for j := range x.data {
		x.data[j] = stamp + uint64(j)
	}
	if yield {
		runtime.Gosched()
	}
	for j := range x.data {
		if want := stamp + uint64(j); x.data[j] != want {
			rep.violation(KindCorrupted, "worker %d: data[%d] = %#x, want %#x", me, j, x.data[j], want)
			break
		}
	}
	x.owner.Store(0)
	l.Put(x)
	return true
}

// checkKept checks the bound after a round, with nothing outstanding: it
// puts Cap+1 more objects, then empties the list by getting objects until
// it hands out one it did not keep (a new one, never used). The list must
// give back at most Cap objects, each once. (Len cannot show an excess:
// paddock's is clamped to Cap, as its doc says.) A panic of a corrupt list
// is recorded.
func checkKept(l objectList, rep *Report, round int) {
	defer recoverInto(rep, fmt.Sprintf("freelist after round %d", round))
	for range l.Cap() + 1 {
		x := new(pooled)
		x.used.Store(true)
		l.Put(x)
	}
	seen := make(map[*pooled]bool)
	for len(seen) <= l.Cap() {
		x := l.Get()
		if !x.used.Load() {
			return
		}
		if seen[x] {
			rep.violation(KindTwoOwners, "after round %d: the list gave back one object twice", round)
			return
		}
		seen[x] = true
	}
	rep.violation(KindOverCap, "after round %d: the list gave back more than its Cap %d objects", round, l.Cap())
}
