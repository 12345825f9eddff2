package gil_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/lifecycle"
)

// With 4 busy threads that hold the lock and Yield often, each gets the lock
// back after a few other holds (FIFO hand-off), and within a generous
// time bound: a waiter asks for a drop after one interval, the holder drops
// at its next Yield and queues behind the waiters. The count bound does not
// depend on the machine's speed; an unfair lock (sync.Mutex barging, or a
// Yield that retakes at once) lets one thread take the lock many times in a
// row, which it catches.
func TestFairnessBusyThreads(t *testing.T) {
	t.Parallel()
	rt := lifecycle.New()
	l := gil.New(rt)
	const interval = time.Millisecond
	if err := l.SetSwitchInterval(interval); err != nil {
		t.Fatal(err)
	}
	const threads = 4
	const run = 300 * time.Millisecond
	var stop atomic.Bool
	var wg sync.WaitGroup
	gaps := make([]time.Duration, threads)
	counts := make([]int, threads)
	var holds [threads]atomic.Int64 // busy work
	var order []int                 // holders in order; guarded by l
	wg.Add(threads)
	for i := range threads {
		if err := rt.Go("busy", func(th *lifecycle.Thread) {
			defer wg.Done()
			if err := l.Acquire(th); err != nil {
				t.Error(err)
				return
			}
			order = append(order, i)
			last := time.Now()
			for !stop.Load() {
				// Busy work, then the eval loop's check.
				for k := 0; k < 1000; k++ {
					holds[i].Add(1)
				}
				before := l.Stats().Switches
				if err := l.Yield(th); err != nil {
					t.Error(err)
					return
				}
				if l.Stats().Switches != before {
					now := time.Now()
					if gap := now.Sub(last); gap > gaps[i] {
						gaps[i] = gap
					}
					last = now
					counts[i]++
					order = append(order, i)
				}
			}
			l.Release(th)
		}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(run)
	stop.Store(true)
	wg.Wait()
	if err := finalize(t, rt); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	if st.DropRequests == 0 || st.ForcedSwitches == 0 {
		t.Errorf("got %+v, want drop requests and forced switches with busy threads", st)
	}
	const bound = 2 * time.Second // generous: FIFO needs about 3 intervals
	// FIFO hand-off gives threads-1; a thread that comes by while the
	// lock is momentarily free may take it before a queued waiter, so allow
	// twice that. An unfair lock gives runs of dozens.
	const maxOthers = 2 * (threads - 1)
	lastSeen := make([]int, threads)
	for k := range lastSeen {
		lastSeen[k] = -1
	}
	for pos, i := range order {
		if prev := lastSeen[i]; prev >= 0 && pos-prev-1 > maxOthers {
			t.Errorf("thread %d waited for %d other holds (at position %d), want at most %d", i, pos-prev-1, pos, maxOthers)
		}
		lastSeen[i] = pos
	}
	for i := range threads {
		if counts[i] < 2 {
			t.Errorf("thread %d got the lock back %d times in %v, want at least 2", i, counts[i], run)
		}
		if gaps[i] > bound {
			t.Errorf("thread %d waited %v for the lock, want at most %v", i, gaps[i], bound)
		}
	}
	if st.LongestWait <= 0 || st.LongestWait > bound {
		t.Errorf("got LongestWait %v, want in (0, %v]", st.LongestWait, bound)
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
	<-done
	<-done
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
