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
	KindCorrupted  = "corrupted data" // an object's data changed while its owner held it
	KindLenOverCap = "len above cap"  // Len reported more than Cap
)

// freelistCapacity is small so that the list runs full and empty often: the
// edges where PyO3's unsynchronized split races.
const (
	freelistCapacity = 8
	freelistOps      = 2000 // Get/Put cycles per worker per round
)

var freelistScenario = Scenario{
	Name:  "freelist",
	Kinds: []string{KindTwoOwners, KindCorrupted, KindLenOverCap, KindPanic, KindHang},
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
	data  [16]uint64
}

// objectList is what the scenario needs of a free list; *freelist.List and
// *naive.FreeList both have it.
type objectList interface {
	Get() *pooled
	Put(*pooled) bool
	Len() int
	Cap() int
}

func newObjectList(impl Impl) (objectList, error) {
	if impl == Naive {
		return naive.NewFreeList[pooled](freelistCapacity, nil), nil
	}
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
		l, err := newObjectList(cfg.Impl)
		if err != nil {
			return err
		}
		ok, err := runWorkers(ctx, rep, cfg.Workers, deadline, fmt.Sprintf("freelist round %d", round), func(w int) {
			me := int64(round*cfg.Workers + w + 1)
			rnd := rng(cfg.Seed, round, w)
			for op := range freelistOps {
				freelistStep(l, rep, me, op, rnd.IntN(8) == 0)
			}
			rep.op(freelistOps)
		})
		if err != nil || !ok {
			return err
		}
		checkLen(l, rep, fmt.Sprintf("after round %d", round))
		cfg.progress(round+1, cfg.Rounds)
	}
	return nil
}

// freelistStep is one Get, claim, write, check, release, Put cycle; with
// yield (drawn from the seed, one step in eight) the owner lets other
// workers run while it holds the object. A panic of the list (PyO3's
// "FreeList is corrupt", or an index out of range in the port) is recorded
// and the worker goes on.
func freelistStep(l objectList, rep *Report, me int64, op int, yield bool) {
	defer recoverInto(rep, fmt.Sprintf("freelist worker %d", me))
	x := l.Get()
	if !x.owner.CompareAndSwap(0, me) {
		rep.violation(KindTwoOwners, "worker %d got an object worker %d holds", me, x.owner.Load())
		return // not ours: leave it alone
	}
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
	if op%64 == 0 {
		checkLen(l, rep, fmt.Sprintf("worker %d under load", me))
	}
	x.owner.Store(0)
	l.Put(x)
}

func checkLen(l objectList, rep *Report, when string) {
	if n, c := l.Len(), l.Cap(); n > c {
		rep.violation(KindLenOverCap, "%s: Len %d > Cap %d", when, n, c)
	}
}
