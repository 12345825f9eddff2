package gil_test

import (
	"context"
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

// Handoff latency: two threads take turns; with FIFO hand-off every
// Acquire after the first is a hand-off from the other thread, so ns/op is
// the latency of one hand-off.
func BenchmarkHandoff(b *testing.B) {
	rt := lifecycle.New()
	l := gil.New(rt)
	b.ReportAllocs()
	var wg sync.WaitGroup
	n := b.N
	wg.Add(2)
	b.ResetTimer()
	for range 2 {
		if err := rt.Go("pingpong", func(t *lifecycle.Thread) {
			defer wg.Done()
			for range n / 2 {
				_ = l.Acquire(t)
				l.Release(t)
			}
		}); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	b.StopTimer()
	st := l.Stats()
	b.ReportMetric(float64(st.Switches)/float64(b.N), "switches/op")
	finalizeBench(b, rt)
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
