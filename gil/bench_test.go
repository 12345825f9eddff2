package gil_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/lifecycle"
)

// onThread runs fn on a non-daemon thread of rt and waits for it.
func onThread(b *testing.B, rt *lifecycle.Runtime, fn func(*lifecycle.Thread)) {
	done := make(chan struct{})
	if err := rt.Go("bench", func(t *lifecycle.Thread) { defer close(done); fn(t) }); err != nil {
		b.Fatal(err)
	}
	<-done
}

func finalizeBench(b *testing.B, rt *lifecycle.Runtime) {
	if err := rt.Finalize(context.Background()); err != nil {
		b.Fatal(err)
	}
	if err := rt.Reap(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// Uncontended Acquire+Release; compare with BenchmarkMutexUncontended.
func BenchmarkAcquireReleaseUncontended(b *testing.B) {
	rt := lifecycle.New()
	l := gil.New(rt)
	b.ReportAllocs()
	onThread(b, rt, func(t *lifecycle.Thread) {
		for b.Loop() {
			_ = l.Acquire(t)
			l.Release(t)
		}
	})
	finalizeBench(b, rt)
}

// The reference: sync.Mutex Lock+Unlock.
func BenchmarkMutexUncontended(b *testing.B) {
	var mu sync.Mutex
	b.ReportAllocs()
	for b.Loop() {
		mu.Lock()
		//lint:ignore SA2001 an empty critical section is what is measured
		mu.Unlock()
	}
}

// Handoff latency: two threads take strict turns. Each releases the lock
// only once the other thread is queued for it (gil.Waiting), so every
// Release hands the lock to a parked waiter (FIFO) and every Acquire but
// the first is a hand-off: ns/op is the time of one, from the Release to
// the waiter running with the lock, and switches/op shows it is 1. Without
// the wait for the other to queue, at -cpu 2 and above a thread mostly
// takes the lock back before the other queues (measured: 0.03 to 0.06
// switches/op), and ns/op is that of uncontended turns instead.
func BenchmarkHandoff(b *testing.B) {
	rt := lifecycle.New()
	l := gil.New(rt)
	b.ReportAllocs()
	half := max(b.N/2, 1)
	otherQueued := func() {
		for gil.Waiting(l) == 0 {
			runtime.Gosched()
		}
	}
	held := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	b.ResetTimer()
	// ping takes the first turn, so pong's turns come second and pong's
	// last is the last of all: the one turn with no one to wait for.
	if err := rt.Go("ping", func(t *lifecycle.Thread) {
		defer wg.Done()
		_ = l.Acquire(t)
		close(held)
		for i := range half {
			if i > 0 {
				_ = l.Acquire(t)
			}
			otherQueued()
			l.Release(t)
		}
	}); err != nil {
		b.Fatal(err)
	}
	if err := rt.Go("pong", func(t *lifecycle.Thread) {
		defer wg.Done()
		<-held
		for i := range half {
			_ = l.Acquire(t)
			if i < half-1 {
				otherQueued()
			}
			l.Release(t)
		}
	}); err != nil {
		b.Fatal(err)
	}
	wg.Wait()
	b.StopTimer()
	st := l.Stats()
	b.ReportMetric(float64(st.Switches)/float64(2*half), "switches/op")
	finalizeBench(b, rt)
}

// The reference: two goroutines handing a sync.Mutex back and forth through
// a pair of channels (a mutex alone does not hand off).
func BenchmarkChannelHandoff(b *testing.B) {
	b.ReportAllocs()
	ping, pong := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for range pong {
			ping <- struct{}{}
		}
		close(ping)
	})
	for b.Loop() {
		pong <- struct{}{}
		<-ping
	}
	close(pong)
	wg.Wait()
}

// Contended Acquire+Release from GOMAXPROCS threads (run with -cpu 1,2,8);
// reports the longest wait seen. Compare with BenchmarkMutexContended.
func BenchmarkAcquireReleaseContended(b *testing.B) {
	rt := lifecycle.New()
	l := gil.New(rt)
	counter := 0
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		// pb is used by one goroutine at a time: this one waits.
		onThread(b, rt, func(t *lifecycle.Thread) {
			for pb.Next() {
				_ = l.Acquire(t)
				counter++
				l.Release(t)
			}
		})
	})
	st := l.Stats()
	b.ReportMetric(float64(st.LongestWait.Microseconds()), "longest-wait-µs")
	b.ReportMetric(float64(st.Switches)/float64(b.N), "switches/op")
	finalizeBench(b, rt)
}

// The reference: sync.Mutex under the same load (it lets a running
// goroutine barge, so it is faster and unfair).
func BenchmarkMutexContended(b *testing.B) {
	var mu sync.Mutex
	counter := 0
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			counter++
			mu.Unlock()
		}
	})
}
