package executor_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/lifecycle"
)

// queueBehindBlockedWorker returns an executor whose one worker is blocked
// and whose queue holds n no-op tasks, and the function releasing it.
func queueBehindBlockedWorker(tb testing.TB, n int) (*executor.Executor, func()) {
	rt := lifecycle.New()
	e, err := executor.New(executor.WithMaxWorkers(1), executor.WithRuntime(rt))
	if err != nil {
		tb.Fatal(err)
	}
	g := newGate(1)
	if _, err := e.Go(g.task); err != nil {
		tb.Fatal(err)
	}
	g.waitStarted(tb, 1)
	for range n {
		if _, err := e.Go(nopTask); err != nil {
			tb.Fatal(err)
		}
	}
	return e, func() {
		close(g.release)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.AwaitTermination(ctx); err != nil {
			tb.Error(err)
		}
		if err := rt.Finalize(ctx); err != nil {
			tb.Error(err)
		}
	}
}

func nopTask(context.Context) error { return nil }

// TestShutdownNowLongQueue: ShutdownNow takes the queue out in one step and
// cancels it outside the lock. The target is 100 ms for 1,000,000 queued
// tasks (see BenchmarkShutdownNow); the bound here is ten times that, since
// the machine is shared, and the queue is smaller under -race.
func TestShutdownNowLongQueue(t *testing.T) {
	n := 1_000_000
	if raceEnabled || testing.Short() {
		n = 50_000
	}
	e, release := queueBehindBlockedWorker(t, n)
	defer release()
	start := time.Now()
	got := e.ShutdownNow()
	elapsed := time.Since(start)
	if got != n {
		t.Fatalf("got %d never started, want %d", got, n)
	}
	t.Logf("ShutdownNow with %d queued: %v", n, elapsed)
	if !raceEnabled && elapsed > time.Second {
		t.Fatalf("got %v, want well under 1s (target 100ms)", elapsed)
	}
}

// BenchmarkShutdownNow measures ShutdownNow with 1,000,000 queued tasks;
// ns/op is the time of one ShutdownNow.
func BenchmarkShutdownNow(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		e, release := queueBehindBlockedWorker(b, 1_000_000)
		b.StartTimer()
		if got := e.ShutdownNow(); got != 1_000_000 {
			b.Fatalf("got %d, want 1000000", got)
		}
		b.StopTimer()
		release()
		b.StartTimer()
	}
}

// idleWorkerCost starts n workers, lets them go idle, and returns the heap
// and stack bytes they hold per worker.
func idleWorkerCost(tb testing.TB, n int) float64 {
	rt := lifecycle.New()
	e, err := executor.New(executor.WithMaxWorkers(n), executor.WithRuntime(rt))
	if err != nil {
		tb.Fatal(err)
	}
	memory := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc + ms.StackInuse
	}
	before := memory()
	g := newGate(n)
	for range n {
		if _, err := e.Go(g.task); err != nil {
			tb.Fatal(err)
		}
	}
	g.waitStarted(tb, n)
	close(g.release)
	for deadline := time.Now().Add(10 * time.Second); e.Stats().IdleWorkers != n; {
		if time.Now().After(deadline) {
			tb.Fatalf("got %+v 10 s after the tasks returned, want %d idle workers", e.Stats(), n)
		}
		time.Sleep(100 * time.Microsecond)
	}
	after := memory()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true}); err != nil {
		tb.Fatal(err)
	}
	if err := rt.Finalize(ctx); err != nil {
		tb.Fatal(err)
	}
	return float64(int64(after)-int64(before)) / float64(n)
}

// TestIdleWorkerCost: an idle worker costs at most 8 KiB (its goroutine's
// stack, its lifecycle thread, its wake channel and bookkeeping). The race
// detector's instrumentation makes goroutines bigger, so the bound is only
// checked without it.
func TestIdleWorkerCost(t *testing.T) {
	cost := idleWorkerCost(t, 500)
	t.Logf("idle worker: %.0f bytes", cost)
	if !raceEnabled && cost > 8<<10 {
		t.Fatalf("got %.0f bytes per idle worker, want at most %d", cost, 8<<10)
	}
}

// BenchmarkIdleWorkerCost reports bytes/worker for 1,000 idle workers.
func BenchmarkIdleWorkerCost(b *testing.B) {
	b.ReportAllocs()
	var cost float64
	for range b.N {
		cost = idleWorkerCost(b, 1000)
	}
	b.ReportMetric(cost, "bytes/worker")
}
