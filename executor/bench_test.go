package executor_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/paddock-go/paddock/executor"
)

const benchTasks = 10_000

func noop(context.Context) (int, error) { return 1, nil }

// BenchmarkSubmitResult submits benchTasks no-op tasks and collects every
// result through its future; ns/op and allocs/op are divided per task. It
// also reports the two phases apart: submit-ns/task (the Submit loop, while
// the workers run the tasks) and result-ns/task (the Result loop).
func BenchmarkSubmitResult(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	e := newExecutor(b)
	fs := make([]*executor.Future[int], benchTasks)
	var submitting, collecting time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		submitAll(b, e, fs)
		submitted := time.Now()
		collect(ctx, b, fs)
		submitting += submitted.Sub(start)
		collecting += time.Since(submitted)
	}
	b.StopTimer()
	reportPerTask(b)
	reportPhase(b, submitting, "submit-ns/task")
	reportPhase(b, collecting, "result-ns/task")
}

// BenchmarkGoErr is BenchmarkSubmitResult through Executor.Go and Err: its
// future is a Future[struct{}], 24 bytes against a Future[int]'s 32.
func BenchmarkGoErr(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	e := newExecutor(b)
	fs := make([]*executor.Future[struct{}], benchTasks)
	b.ResetTimer()
	for range b.N {
		for i := range fs {
			f, err := e.Go(noopErr)
			if err != nil {
				b.Fatal(err)
			}
			fs[i] = f
		}
		for _, f := range fs {
			if err := f.Err(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	reportPerTask(b)
}

func noopErr(context.Context) error { return nil }

// BenchmarkSubmitBehindBusyWorkers is the Submit loop of
// BenchmarkSubmitResult with every worker held in a task until the loop
// ends, so that no worker touches the queue or a future meanwhile: the
// submitter's own cost. Its submit-ns/task against BenchmarkSubmitResult's
// is what the running workers add to a submission.
func BenchmarkSubmitBehindBusyWorkers(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	e := newExecutor(b)
	fs := make([]*executor.Future[int], benchTasks)
	var submitting time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		g := newGate(e.MaxWorkers())
		for range e.MaxWorkers() {
			must[*executor.Future[struct{}]](b)(e.Go(g.task))
		}
		g.waitStarted(b, e.MaxWorkers())
		b.StartTimer()
		start := time.Now()
		submitAll(b, e, fs)
		submitting += time.Since(start)
		close(g.release)
		collect(ctx, b, fs)
	}
	b.StopTimer()
	reportPhase(b, submitting, "submit-ns/task")
}

func submitAll(b *testing.B, e *executor.Executor, fs []*executor.Future[int]) {
	for i := range fs {
		f, err := executor.Submit(e, noop)
		if err != nil {
			b.Fatal(err)
		}
		fs[i] = f
	}
}

func collect(ctx context.Context, b *testing.B, fs []*executor.Future[int]) {
	for _, f := range fs {
		if v, err := f.Result(ctx); v != 1 || err != nil {
			b.Fatalf("got %v, %v, want 1, nil", v, err)
		}
	}
}

// reportPhase reports d, the time of one phase over all b.N rounds, per task.
func reportPhase(b *testing.B, d time.Duration, unit string) {
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N*benchTasks), unit)
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
