package executor_test

import (
	"context"
	"sync"
	"testing"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/lifecycle"
)

const benchTasks = 10_000

func noop(context.Context) (int, error) { return 1, nil }

// BenchmarkSubmitResult submits benchTasks no-op tasks and collects every
// result through its future; ns/op and allocs/op are divided per task.
func BenchmarkSubmitResult(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	e, err := executor.New(executor.WithRuntime(lifecycle.New()))
	if err != nil {
		b.Fatal(err)
	}
	defer e.Shutdown(ctx, executor.ShutdownOptions{Wait: true})
	fs := make([]*executor.Future[int], benchTasks)
	b.ResetTimer()
	for range b.N {
		for i := range fs {
			f, err := executor.Submit(e, noop)
			if err != nil {
				b.Fatal(err)
			}
			fs[i] = f
		}
		for _, f := range fs {
			if v, err := f.Result(ctx); v != 1 || err != nil {
				b.Fatalf("got %v, %v, want 1, nil", v, err)
			}
		}
	}
	b.StopTimer()
	reportPerTask(b)
}

// reportPerTask replaces ns/op by a per-task figure.
func reportPerTask(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchTasks), "ns/task")
}

// BenchmarkGoroutinesWaitGroup is the reference: one goroutine per task.
func BenchmarkGoroutinesWaitGroup(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	res := make([]int, benchTasks)
	for range b.N {
		var wg sync.WaitGroup
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i], _ = noop(ctx)
			}()
		}
		wg.Wait()
	}
	reportPerTask(b)
}

// BenchmarkChannelPool is the reference: a fixed pool reading a channel,
// with a WaitGroup for completion and no futures.
func BenchmarkChannelPool(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	res := make([]int, benchTasks)
	jobs := make(chan int, 1024)
	var wg sync.WaitGroup
	var workers sync.WaitGroup
	for range executor.DefaultMaxWorkers() {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := range jobs {
				res[i], _ = noop(ctx)
				wg.Done()
			}
		}()
	}
	b.ResetTimer()
	for range b.N {
		wg.Add(benchTasks)
		for i := range res {
			jobs <- i
		}
		wg.Wait()
	}
	b.StopTimer()
	close(jobs)
	workers.Wait()
	reportPerTask(b)
}
