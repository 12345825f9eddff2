package bench_test

import (
	"context"
	"fmt"
	"time"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/lifecycle"
)

// paddockExecutors is paddock's side of BenchmarkExecutor: every task is
// submitted as a future, and its result read with Future.Result, so paddock
// does more per task (futures, states, a result and an error) than the
// WaitGroup-counted peers.
var paddockExecutors = []executorImpl{{"paddock", openPaddock}}

// paddockShutdowns is paddock's side of BenchmarkExecutorShutdown.
var paddockShutdowns = []shutdownImpl{{"paddock", fillPaddock}}

// newExecutor makes an executor of its own runtime, so that no benchmark's
// executor is registered with lifecycle.Default().
func newExecutor(workers int) (*executor.Executor, error) {
	return executor.New(executor.WithMaxWorkers(workers), executor.WithRuntime(lifecycle.New()))
}

type paddockRunner struct {
	e       *executor.Executor
	futures []*executor.Future[int] // reused from batch to batch
}

func openPaddock(workers int) (runner, error) {
	e, err := newExecutor(workers)
	return &paddockRunner{e: e}, err
}

func (r *paddockRunner) run(task taskFunc, out []int) error {
	ctx := context.Background()
	r.futures = r.futures[:0]
	for i := range out {
		f, err := executor.Submit(r.e, func(context.Context) (int, error) { return task(i), nil })
		if err != nil {
			return err
		}
		r.futures = append(r.futures, f)
	}
	for i, f := range r.futures {
		v, err := f.Result(ctx)
		if err != nil {
			return err
		}
		out[i] = v
		r.futures[i] = nil
	}
	return nil
}

func (r *paddockRunner) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return r.e.Shutdown(ctx, executor.ShutdownOptions{Wait: true})
}

// paddockQueued stops with ShutdownNow, which cancels the queued futures,
// and AwaitTermination, which waits for the workers to exit.
type paddockQueued struct{ e *executor.Executor }

func fillPaddock(workers, n int, started chan<- struct{}, gate <-chan struct{}) (queuedPool, error) {
	e, err := newExecutor(workers)
	if err != nil {
		return nil, err
	}
	block := blocker(started, gate)
	for range workers {
		if _, err := e.Go(func(context.Context) error { block(); return nil }); err != nil {
			return nil, err
		}
	}
	for range n {
		if _, err := e.Go(func(context.Context) error { return nil }); err != nil {
			return nil, err
		}
	}
	return paddockQueued{e}, nil
}

func (q paddockQueued) stopNow() error {
	q.e.ShutdownNow()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := q.e.AwaitTermination(ctx); err != nil {
		return fmt.Errorf("paddock: workers still running after ShutdownNow: %w", err)
	}
	return nil
}
