package executor_test

import (
	"context"
	"testing"
	"time"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// overSchedSeeds runs check once, in parallel with other tests, in a plain
// build; under -tags schedtest it runs check once for each of 20 seeds with
// the scheduling policy policy(seed), and a failure names its seed and
// policy so that it replays.
func overSchedSeeds(t *testing.T, policy func(seed uint64) schedpoint.Policy, check func(*testing.T)) {
	if !schedpoint.Enabled {
		t.Parallel()
		check(t)
		return
	}
	for seed := range uint64(20) {
		restore := schedpoint.Set(policy(seed))
		check(t)
		restore()
		if t.Failed() {
			t.Fatalf("seed %d: %s", seed, schedpoint.Describe())
		}
	}
}

// newExecutor returns an executor on a runtime of its own, shut down (and
// the runtime finalized) when the test ends.
func newExecutor(t testing.TB, opts ...executor.Option) *executor.Executor {
	t.Helper()
	rt := lifecycle.New()
	e, err := executor.New(append([]executor.Option{executor.WithRuntime(rt)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true, CancelFutures: true}); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := rt.Finalize(ctx); err != nil {
			t.Errorf("Finalize: %v", err)
		}
	})
	return e
}

// testCtx is a context bounding every wait of a test: never a hang.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// gate is a task that blocks until released (or its context ends).
type gate struct {
	started chan struct{}
	release chan struct{}
}

func newGate(n int) *gate {
	return &gate{started: make(chan struct{}, n), release: make(chan struct{})}
}

func (g *gate) task(ctx context.Context) error {
	g.started <- struct{}{}
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// releaseOnCancel releases g's tasks when f, a queued future, is cancelled:
// a shutdown cancelling the queue does so only after it took the whole
// queue, so no queued task can start once the running one ends. (Releasing
// them when the shutdown began, under the executor's lock but before the
// queue was taken, let a worker pop the next task from its own ring in
// between: TestShutdownTakesBothRings then hung now and then in CI.)
func (g *gate) releaseOnCancel(f *executor.Future[struct{}]) {
	f.AddDoneCallback(func(*executor.Future[struct{}]) { close(g.release) })
}

func (g *gate) waitStarted(t testing.TB, n int) {
	t.Helper()
	for range n {
		select {
		case <-g.started:
		case <-time.After(10 * time.Second):
			t.Fatal("task did not start")
		}
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
