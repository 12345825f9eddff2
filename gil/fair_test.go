package gil_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/lifecycle"
)

// fairLock is a lock under the fairness test: paddock's, or
// internal/naive's take_gil without FORCE_SWITCHING (naive_test.go).
type fairLock[T any] struct {
	goThread func(name string, fn func(T)) error
	acquire  func(T) error
	yield    func(T) error
	release  func(T)
}

// fairness is what one run of busyThreads saw.
type fairness struct {
	retakes   []int           // per thread: holds that followed another thread's hold
	gaps      []time.Duration // per thread: the longest time between two of its holds
	maxOthers []int           // per thread: the most holds by others between two of its holds
}

// busyThreads runs threads busy threads: each takes the lock, then loops
// doing busy work and calling Yield (the eval loop's check), and records
// every time it finds itself holding the lock after another thread held it.
// They run for at least minRun, then until every thread got the lock back
// fairMinRetake times or maxRun passed: how many holds fit in a time span
// depends on the machine's load (a waiter's timer needs a CPU to ask for a
// drop), so progress is awaited, not timed.
func busyThreads[T any](t *testing.T, lk fairLock[T], threads int, minRun, maxRun time.Duration) fairness {
	t.Helper()
	var stop atomic.Bool
	var wg sync.WaitGroup
	f := fairness{
		retakes:   make([]int, threads),
		gaps:      make([]time.Duration, threads),
		maxOthers: make([]int, threads),
	}
	var order []int // holders in order, consecutive holds of one thread once; guarded by the lock
	last := make([]time.Time, threads)
	var busy atomic.Int64
	var progressed atomic.Int64 // threads that got the lock back fairMinRetake times
	held := func(i int) {
		if n := len(order); n > 0 && order[n-1] == i {
			return // still ours: Yield did not switch
		}
		now := time.Now()
		for k := len(order) - 1; k >= 0; k-- {
			if order[k] == i {
				if f.retakes[i]++; f.retakes[i] == fairMinRetake {
					progressed.Add(1)
				}
				f.maxOthers[i] = max(f.maxOthers[i], len(order)-1-k)
				f.gaps[i] = max(f.gaps[i], now.Sub(last[i]))
				break
			}
		}
		last[i] = now
		order = append(order, i)
	}
	wg.Add(threads)
	for i := range threads {
		if err := lk.goThread("busy", func(th T) {
			defer wg.Done()
			if err := lk.acquire(th); err != nil {
				t.Error(err)
				return
			}
			held(i)
			for !stop.Load() {
				for range 1000 {
					busy.Add(1)
				}
				if err := lk.yield(th); err != nil {
					t.Error(err)
					return
				}
				held(i)
			}
			lk.release(th)
		}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(minRun)
	for deadline := time.Now().Add(maxRun - minRun); progressed.Load() < int64(threads) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	ended := make(chan struct{})
	go func() { wg.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(stranded):
		// A waiter left queued behind a free lock (a Release that frees
		// the word without handing off) shows here rather than as a hang.
		t.Fatalf("busy threads still running %v after stop: a waiter is stranded", stranded)
	}
	return f
}

// stranded is how long the tests wait for threads that should end at once
// before they report a waiter stranded behind a free lock. How we know it
// can fail: with Release mutated to free a contended word too (a second
// CompareAndSwap(word|contended, 0)), TestFairnessBusyThreads and
// TestForcedSwitchHandsOff fail with "a waiter is stranded".
const stranded = time.Minute

// Bounds of the fairness test. FIFO hand-off gives threads-1 other holds
// between two holds of a thread (a free lock word means nobody is queued, so
// no thread can take the lock before a queued waiter); allow twice that.
// The time bound is generous: FIFO needs about threads-1 intervals. The
// threads run fairRun, then until each got the lock back fairMinRetake
// times, for at most fairMaxRun.
const (
	fairThreads   = 4
	fairInterval  = time.Millisecond
	fairRun       = 300 * time.Millisecond
	fairMaxRun    = 30 * time.Second
	fairMaxOthers = 2 * (fairThreads - 1)
	fairMaxGap    = 2 * time.Second
	fairMinRetake = 2
)

// violations lists how f breaks the fairness bounds.
func (f fairness) violations() []string {
	var v []string
	for i := range f.retakes {
		if f.retakes[i] < fairMinRetake {
			v = append(v, fmt.Sprintf("thread %d got the lock back %d times, want at least %d", i, f.retakes[i], fairMinRetake))
		}
		if f.maxOthers[i] > fairMaxOthers {
			v = append(v, fmt.Sprintf("thread %d waited for %d other holds, want at most %d", i, f.maxOthers[i], fairMaxOthers))
		}
		if f.gaps[i] > fairMaxGap {
			v = append(v, fmt.Sprintf("thread %d waited %v for the lock, want at most %v", i, f.gaps[i], fairMaxGap))
		}
	}
	return v
}

// With 4 busy threads that hold the lock and Yield often, each gets the lock
// back after a bounded number of other holds (FIFO hand-off), and within a
// generous time bound: a waiter asks for a drop after one interval, the
// holder drops at its next Yield and queues behind the waiters. The count
// bound does not depend on the machine's speed. TestFairnessCatchesNaive
// (naive_test.go) runs the same threads and bounds against the take_gil
// without forced switching, where the thread that drops retakes the lock at
// once, and asserts that the bounds are broken: that is how we know this
// test can fail.
func TestFairnessBusyThreads(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	if err := l.SetSwitchInterval(fairInterval); err != nil {
		t.Fatal(err)
	}
	f := busyThreads(t, fairLock[*lifecycle.Thread]{
		goThread: rt.Go, acquire: l.Acquire, yield: l.Yield, release: l.Release,
	}, fairThreads, fairRun, fairMaxRun)
	if err := finalize(t, rt); err != nil {
		t.Fatal(err)
	}
	for _, v := range f.violations() {
		t.Error(v)
	}
	st := l.Stats()
	if st.DropRequests == 0 || st.ForcedSwitches == 0 {
		t.Errorf("got %+v, want drop requests and forced switches with busy threads", st)
	}
	if st.LongestWait <= 0 || st.LongestWait > fairMaxGap {
		t.Errorf("got LongestWait %v, want in (0, %v]", st.LongestWait, fairMaxGap)
	}
}

// Forced switching: after a drop request the holder cannot take the lock
// back before the waiter took it.
func TestForcedSwitchHandsOff(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	if err := l.SetSwitchInterval(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var order []string // guarded by l
	holding := make(chan struct{})
	done := make(chan struct{}, 2)
	if err := rt.Go("A", func(th *lifecycle.Thread) {
		defer func() { done <- struct{}{} }()
		_ = l.Acquire(th)
		close(holding)
		for l.Stats().DropRequests == 0 {
			time.Sleep(100 * time.Microsecond)
		}
		// From now on A, waiting behind B, must not ask B to drop: on a
		// loaded machine B may hold the lock longer than 1 ms.
		if err := l.SetSwitchInterval(time.Hour); err != nil {
			t.Error(err)
		}
		order = append(order, "A before yield")
		_ = l.Yield(th)
		order = append(order, "A after yield")
		l.Release(th)
	}); err != nil {
		t.Fatal(err)
	}
	<-holding
	if err := rt.Go("B", func(th *lifecycle.Thread) {
		defer func() { done <- struct{}{} }()
		_ = l.Acquire(th)
		order = append(order, "B")
		l.Release(th)
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-done:
		case <-time.After(stranded):
			t.Fatalf("A or B still running %v after they started: a waiter is stranded", stranded)
		}
	}
	if err := finalize(t, rt); err != nil {
		t.Fatal(err)
	}
	want := []string{"A before yield", "B", "A after yield"}
	if len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Errorf("got %q, want %q", order, want)
	}
	if st := l.Stats(); st.ForcedSwitches != 1 || st.DropRequests != 1 {
		t.Errorf("got %+v, want 1 forced switch and 1 drop request", st)
	}
}
