package executor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/paddock-go/paddock/executor"
)

func ExampleSubmit() {
	ctx := context.Background()
	e, err := executor.New(executor.WithMaxWorkers(4))
	if err != nil {
		panic(err)
	}
	defer e.Shutdown(ctx, executor.ShutdownOptions{Wait: true})

	f, err := executor.Submit(e, func(context.Context) (int, error) { return 6 * 7, nil })
	if err != nil {
		panic(err)
	}
	v, err := f.Result(ctx)
	fmt.Println(v, err)
	// Output: 42 <nil>
}

func ExampleExecutor_Go() {
	ctx := context.Background()
	e, _ := executor.New()
	defer e.Shutdown(ctx, executor.ShutdownOptions{Wait: true})

	f, _ := e.Go(func(context.Context) error { return errors.New("disk full") })
	fmt.Println(f.Err(ctx))
	// Output: disk full
}

func ExampleMap() {
	ctx := context.Background()
	e, _ := executor.New()
	defer e.Shutdown(ctx, executor.ShutdownOptions{Wait: true})

	double := func(_ context.Context, x int) (int, error) { return 2 * x, nil }
	for v, err := range executor.Map(ctx, e, slices.Values([]int{1, 2, 3}), double, executor.MapOptions{BufferSize: 2}) {
		fmt.Println(v, err)
	}
	// Output:
	// 2 <nil>
	// 4 <nil>
	// 6 <nil>
}

func ExampleWait() {
	ctx := context.Background()
	e, _ := executor.New()
	defer e.Shutdown(ctx, executor.ShutdownOptions{Wait: true})

	a, _ := executor.Submit(e, func(context.Context) (string, error) { return "a", nil })
	b, _ := e.Go(func(context.Context) error { return errors.New("b failed") })
	done, notDone, err := executor.Wait(ctx, []executor.Waitable{a, b, a}, executor.AllCompleted)
	fmt.Println(len(done), len(notDone), err)
	// Output: 2 0 <nil>
}

func ExampleAsCompleted() {
	ctx := context.Background()
	first, second := executor.NewPromise[int](), executor.NewPromise[int]()
	_ = second.SetResult(2) // done before the call: yielded at once
	for f, err := range executor.AsCompleted(ctx, []executor.Waitable{first.Future(), second.Future()}) {
		isSecond := f == executor.Waitable(second.Future())
		fmt.Println(isSecond, err)
		if isSecond {
			go func() { _ = first.SetResult(1) }() // done while AsCompleted waits
		}
	}
	// Output:
	// true <nil>
	// false <nil>
}

func ExampleFuture_AddDoneCallback() {
	p := executor.NewPromise[string]()
	p.Future().AddDoneCallback(func(f *executor.Future[string]) {
		v, _ := f.Result(context.Background())
		fmt.Println("done:", v)
	})
	_ = p.SetResult("hello")
	err := p.SetResult("again")
	fmt.Println(errors.Is(err, executor.ErrInvalidState))
	// Output:
	// done: hello
	// true
}

func ExampleExecutor_ShutdownNow() {
	e, _ := executor.New(executor.WithMaxWorkers(1))
	started := make(chan struct{})
	_, _ = e.Go(func(ctx context.Context) error {
		close(started)
		<-ctx.Done() // ShutdownNow cancels the running task's context
		return ctx.Err()
	})
	<-started
	for range 3 {
		_, _ = e.Go(func(context.Context) error { return nil })
	}
	fmt.Println(e.ShutdownNow(), e.AwaitTermination(context.Background()))
	// Output: 3 <nil>
}

func ExampleNew() {
	ctx := context.Background()
	e, err := executor.New(executor.WithMaxWorkers(1), executor.WithName("io"),
		executor.WithQueueSize(1), executor.WithRejection(executor.CallerRuns))
	if err != nil {
		panic(err)
	}
	defer e.Shutdown(ctx, executor.ShutdownOptions{Wait: true})

	f, _ := executor.Submit(e, func(ctx context.Context) (string, error) { return executor.WorkerName(ctx), nil })
	fmt.Println(f.Result(ctx))

	_, err = executor.New(executor.WithMaxWorkers(0))
	fmt.Println(err)
	// Output:
	// io_0 <nil>
	// executor: WithMaxWorkers(0): max workers must be greater than 0
}

func ExampleExecutor_Shutdown() {
	ctx := context.Background()
	e, _ := executor.New(executor.WithMaxWorkers(1))
	started, release := make(chan struct{}), make(chan struct{})
	running, _ := e.Go(func(context.Context) error { close(started); <-release; return nil })
	<-started
	queued, _ := e.Go(func(context.Context) error { return nil })
	go func() { <-queued.Done(); close(release) }() // the running task ends once the queue is cancelled

	err := e.Shutdown(ctx, executor.ShutdownOptions{Wait: true, CancelFutures: true})
	fmt.Println(err, running.Err(ctx), queued.Cancelled())
	_, err = e.Go(func(context.Context) error { return nil })
	fmt.Println(err)
	// Output:
	// <nil> <nil> true
	// executor: cannot schedule new futures after shutdown
}
