package freelist_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paddock-go/paddock/freelist"
	"github.com/paddock-go/paddock/internal/naive"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

// item is the stress payload. owner is the id of the goroutine holding it,
// 0 while it is in the list; stamp is data its owner writes and re-reads.
type item struct {
	owner atomic.Int64
	stamp [8]int64
}

// freeList is what the detector needs of a list; both *freelist.List and the
// naive port of PyO3's list satisfy it.
type freeList interface {
	Get() *item
	Put(*item) bool
	Len() int
	Cap() int
}

var (
	_ freeList = (*freelist.List[item])(nil)
	_ freeList = (*naive.FreeList[item])(nil)
)

// violations counts what the single-owner detector saw.
type violations struct {
	twoOwners atomic.Int64 // Get returned an object another goroutine holds
	torn      atomic.Int64 // an owner's data changed under it
	overCap   atomic.Int64 // Len reported more than Cap
	corrupt   atomic.Int64 // the list panicked (PyO3's "FreeList is corrupt")
}

func (v *violations) total() int64 {
	return v.twoOwners.Load() + v.torn.Load() + v.overCap.Load() + v.corrupt.Load()
}

func (v *violations) String() string {
	return fmt.Sprintf("two owners %d, torn data %d, Len over Cap %d, list panics %d",
		v.twoOwners.Load(), v.torn.Load(), v.overCap.Load(), v.corrupt.Load())
}

// detectOwners runs goroutines that each Get hold objects, claim each with
// a CAS on its owner field, stamp them, yield, check the stamps and Put them
// back. A list that hands one object to two goroutines at once (or twice to
// one) makes a claim fail or a stamp change. Holding more than one object
// at a time sends Puts past the private slots to the shared stacks and the
// credit counts. A panic from the list is counted and the goroutine goes on,
// as PyO3's "FreeList is corrupt" is one of the symptoms.
func detectOwners(l freeList, goroutines, iters, hold int) *violations {
	v := new(violations)
	var wg sync.WaitGroup
	start := make(chan struct{}) // all start together, so their loops overlap
	for g := 1; g <= goroutines; g++ {
		wg.Add(1)
		go func(id int64) {
			defer wg.Done()
			<-start
			held := make([]*item, 0, hold)
			for i := 0; i < iters; i++ {
				ownerStep(l, v, id, i, held[:0], hold)
			}
		}(int64(g))
	}
	close(start)
	wg.Wait()
	return v
}

// ownerStep is one cycle of hold Gets, claims and stamps, then checks,
// releases and Puts. held is scratch space.
func ownerStep(l freeList, v *violations, id int64, i int, held []*item, hold int) {
	defer func() {
		if recover() != nil {
			v.corrupt.Add(1)
		}
	}()
	stamp := id<<32 | int64(i)
	for range hold {
		x := l.Get()
		if !x.owner.CompareAndSwap(0, id) {
			v.twoOwners.Add(1)
			continue // not ours: leave it alone
		}
		for j := range x.stamp {
			x.stamp[j] = stamp
		}
		held = append(held, x)
	}
	if i%8 == 0 {
		runtime.Gosched()
	}
	for _, x := range held {
		for j := range x.stamp {
			if x.stamp[j] != stamp {
				v.torn.Add(1)
				break
			}
		}
	}
	// This can fire only for the naive port, whose Len is its unguarded
	// split index. List.Len clamps its snapshot to Cap, so for List the
	// bound is checked by Audit after each run instead.
	if l.Len() > l.Cap() {
		v.overCap.Add(1)
	}
	for _, x := range held {
		x.owner.Store(0)
		l.Put(x)
	}
}

// TestSingleOwnerStress runs the detector against freelist.List, then
// audits the credits. How we know it can fail: TestDetectorCatchesNaiveList
// (naive_test.go, !race) runs the same detectOwners against the port of
// PyO3's unsynchronized list and requires it to report violations. And on
// List itself, replacing the fast-path Get's CompareAndSwap(p, credit) with
// an unconditional Swap (a load, then a store that does not check what it
// overwrites) made this test report second owners and a credit audit above
// Cap in each of three runs under -race alone, when tried by hand.
//
// Under -tags schedtest, unless PADDOCK_SCHED chose a policy, the points in
// List's fast paths (freelist.get.afterLoad, freelist.put.afterReset,
// freelist.put.haveCredit) yield a third of the time, so that other
// goroutines run between a load and its CAS.
func TestSingleOwnerStress(t *testing.T) {
	if schedpoint.Enabled && schedpoint.Current() == (schedpoint.Policy{}) {
		defer schedpoint.Set(schedpoint.Policy{Seed: 3, P: 0.3, Action: schedpoint.ActionYield, Filter: "freelist."})()
	}
	for _, tc := range []struct{ capacity, hold, iters int }{
		{1, 1, 5000}, {4, 1, 5000}, {64, 1, 5000},
		{4, 3, 2000}, {64, 3, 2000},
	} {
		l, err := freelist.New(freelist.Config[item]{Capacity: tc.capacity})
		if err != nil {
			t.Fatal(err)
		}
		v := detectOwners(l, 4*runtime.GOMAXPROCS(0), tc.iters, tc.hold)
		if v.total() != 0 {
			t.Errorf("capacity %d, hold %d: %v; want none (%s)", tc.capacity, tc.hold, v, schedpoint.Describe())
		}
		if err := l.Audit(); err != nil {
			t.Errorf("capacity %d, hold %d: credit audit after the run: %v", tc.capacity, tc.hold, err)
		}
	}
}

// TestConcurrentClearConservesCredits runs the single-owner detector while
// another goroutine keeps calling Clear, Len and Stats, then checks that
// no credit was lost or made up: the list still holds objects plus free
// credits equal to Cap, and can be filled to exactly Cap again. How we
// know the audit can fail: dropping the free.Add in Clear, or the
// releaseCredit call after a shared pop, makes it report fewer credits
// than Cap (tried by hand when the test was written); with Clear racing
// the pops and steals, those are the paths it exercises.
func TestConcurrentClearConservesCredits(t *testing.T) {
	if schedpoint.Enabled && schedpoint.Current() == (schedpoint.Policy{}) {
		defer schedpoint.Set(schedpoint.Policy{Seed: 5, P: 0.3, Action: schedpoint.ActionYield, Filter: "freelist."})()
	}
	const capacity = 8
	l, err := freelist.New(freelist.Config[item]{Capacity: capacity})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			l.Clear()
			l.Len()
			l.Stats()
			runtime.Gosched()
		}
	}()
	v := detectOwners(l, 4*runtime.GOMAXPROCS(0), 2000, 3)
	close(stop)
	<-done
	if v.total() != 0 {
		t.Errorf("%v; want none (%s)", v, schedpoint.Describe())
	}
	if err := l.Audit(); err != nil {
		t.Fatalf("credit audit after the run: %v (%s)", err, schedpoint.Describe())
	}
	l.Clear()
	kept := 0
	for tries := 0; kept < capacity && tries < 1000; tries++ {
		if l.Put(new(item)) {
			kept++
		}
	}
	if kept != capacity || l.Put(new(item)) {
		t.Errorf("after the run the list kept %d new objects and then still took one; want exactly %d", kept, capacity)
	}
}

// data is the payload of the port of PyO3's multithreaded freelist test:
// every object carries its creator's data and must come back intact.
type data struct {
	owner int
	seq   int
	vals  [6]int
}

// Port of PyO3's multithreaded freelist test, scaled to GOMAXPROCS x 4
// goroutines x 10,000 iterations: each goroutine makes objects carrying its
// data, keeps a few alive, checks them intact and frees them.
func TestMultithreadedObjectsStayIntact(t *testing.T) {
	t.Parallel()
	l, err := freelist.New(freelist.Config[data]{
		Capacity: 16,
		Reset:    func(d *data) { *d = data{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	goroutines := 4 * runtime.GOMAXPROCS(0)
	const iters = 10000
	errs := make(chan string, goroutines)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(owner int) {
			defer wg.Done()
			var live [3]*data
			for i := 0; i < iters; i++ {
				d := l.Get()
				if *d != (data{}) {
					errs <- fmt.Sprintf("goroutine %d: Get returned %+v, want a reset object", owner, *d)
					return
				}
				d.owner, d.seq = owner, i
				for j := range d.vals {
					d.vals[j] = owner*1_000_000 + i + j
				}
				slot := i % len(live)
				if old := live[slot]; old != nil {
					want := data{owner: owner, seq: i - len(live)}
					for j := range want.vals {
						want.vals[j] = owner*1_000_000 + want.seq + j
					}
					if *old != want {
						errs <- fmt.Sprintf("goroutine %d: object changed while held: got %+v, want %+v", owner, *old, want)
						return
					}
					l.Put(old)
				}
				live[slot] = d
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if err := l.Audit(); err != nil { // holds exactly Cap objects and credits
		t.Errorf("credit audit after the run: %v", err)
	}
	st := l.Stats()
	if gets := st.Hits + st.Misses; gets != uint64(goroutines*iters) {
		t.Errorf("Hits+Misses = %d, want %d Gets", gets, goroutines*iters)
	}
	if st.Hits == 0 {
		t.Errorf("Stats() = %+v: no Get was served from the list", st)
	}
}
