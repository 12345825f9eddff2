package executor_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/executor"
)

func square(_ context.Context, x int) (int, error) { return x * x, nil }

// TestMap is CPython's test_map: results in input order, for both the
// eager and the buffered form.
func TestMap(t *testing.T) {
	t.Parallel()
	for _, buf := range []int{0, 1, 3, 100} {
		e := newExecutor(t)
		var got []int
		for v, err := range executor.Map(testCtx(t), e, slices.Values([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), square, executor.MapOptions{BufferSize: buf}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if want := []int{0, 1, 4, 9, 16, 25, 36, 49, 64, 81}; !slices.Equal(got, want) {
			t.Fatalf("BufferSize %d: got %v, want %v", buf, got, want)
		}
	}
}

// TestMapException is test_map_exception: divmod(1, 0) fails at its place.
func TestMapException(t *testing.T) {
	t.Parallel()
	e := newExecutor(t)
	div := func(_ context.Context, d int) (int, error) {
		if d == 0 {
			return 0, errors.New("integer division by zero")
		}
		return 1 / d, nil
	}
	var got []string
	for v, err := range executor.Map(testCtx(t), e, slices.Values([]int{2, 3, 0, 5}), div, executor.MapOptions{}) {
		if err != nil {
			got = append(got, err.Error())
			continue
		}
		got = append(got, string(rune('0'+v)))
	}
	if want := []string{"0", "0", "integer division by zero", "0"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestMapTimeout is test_map_timeout: the first results arrive, then the
// context's error, and the futures not started are cancelled. The
// context's deadline ends it once element 2 runs (a deadline of its own
// would make the test depend on the machine's speed): the cause given is
// context.DeadlineExceeded, as a real deadline's would be.
func TestMapTimeout(t *testing.T) {
	t.Parallel()
	for _, buf := range []int{0, 5} {
		e := newExecutor(t, executor.WithMaxWorkers(1))
		var calls atomic.Int64
		block := make(chan struct{})
		ctx, cancel := context.WithCancelCause(context.Background())
		fn := func(tctx context.Context, x int) (int, error) {
			calls.Add(1)
			if x == 2 {
				cancel(context.DeadlineExceeded)
				<-block
			}
			return x, nil
		}
		var got []int
		var last error
		for v, err := range executor.Map(ctx, e, slices.Values([]int{0, 1, 2, 3, 4}), fn, executor.MapOptions{BufferSize: buf}) {
			if err != nil {
				last = err
				continue
			}
			got = append(got, v)
		}
		close(block)
		if !slices.Equal(got, []int{0, 1}) || !errors.Is(last, context.DeadlineExceeded) {
			t.Fatalf("BufferSize %d: got %v, %v, want [0 1], DeadlineExceeded", buf, got, last)
		}
		if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
			t.Fatal(err)
		}
		// The buffered form may see ctx end before it submitted 3 and 4:
		// every future submitted and not started is cancelled.
		if st := e.Stats(); st.Cancelled != st.Submitted-3 || calls.Load() != 3 {
			t.Fatalf("BufferSize %d: got Cancelled %d of %d submitted, %d calls; want the futures not started cancelled, 3 calls", buf, st.Cancelled, st.Submitted, calls.Load())
		}
	}
}

// TestMapSubmitsWithoutIteration is test_map_submits_without_iteration
// (issue 11777): the eager Map runs every element even if never ranged.
func TestMapSubmitsWithoutIteration(t *testing.T) {
	t.Parallel()
	e := newExecutor(t)
	var ran atomic.Int64
	_ = executor.Map(testCtx(t), e, slices.Values([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), func(_ context.Context, x int) (int, error) {
		ran.Add(1)
		return x, nil
	}, executor.MapOptions{})
	if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	if got := ran.Load(); got != 10 {
		t.Fatalf("got %d calls, want 10", got)
	}
}

// TestMapBufferBoundsWork: with BufferSize n, at most n elements are pulled
// and not yet consumed, the window does fill to n, and breaking early
// cancels the rest.
func TestMapBufferBoundsWork(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(8))
	const buf = 3
	var pulled, consumed, peak atomic.Int64
	in := func(yield func(int) bool) {
		for i := range 1000 {
			pulled.Add(1) // the pull of element i
			ahead := pulled.Load() - consumed.Load()
			peak.Store(max(peak.Load(), ahead))
			if ahead > buf {
				t.Errorf("pulled %d with %d consumed, want at most %d ahead", pulled.Load(), consumed.Load(), buf)
			}
			if !yield(i) {
				return
			}
		}
	}
	for v, err := range executor.Map(testCtx(t), e, in, square, executor.MapOptions{BufferSize: buf}) {
		if err != nil {
			t.Fatal(err)
		}
		consumed.Add(1)
		if v == 20*20 {
			break
		}
	}
	if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	if st := e.Stats(); st.Submitted > 21+buf || st.Completed+st.Cancelled != st.Submitted {
		t.Fatalf("got %+v, want at most %d submitted, each completed or cancelled", st, 21+buf)
	}
	if peak.Load() != buf {
		t.Fatalf("got at most %d elements pulled and not consumed, want the window to fill to exactly %d", peak.Load(), buf)
	}
}

// TestMapStopEarlyCancels: breaking out of Map cancels what has not
// started, in both forms. One worker: element 0 returns at once, element 1
// blocks, so elements 2 and 3 are still queued when the loop breaks after
// element 0, once element 1 runs.
func TestMapStopEarlyCancels(t *testing.T) {
	t.Parallel()
	for _, opts := range []executor.MapOptions{{}, {BufferSize: 4}} {
		t.Run(fmt.Sprint("buffer=", opts.BufferSize), func(t *testing.T) {
			t.Parallel()
			e := newExecutor(t, executor.WithMaxWorkers(1))
			g := newGate(1)
			var ran [4]atomic.Bool
			fn := func(ctx context.Context, x int) (int, error) {
				ran[x].Store(true)
				if x == 1 {
					return 0, g.task(ctx)
				}
				return x, nil
			}
			for range executor.Map(testCtx(t), e, slices.Values([]int{0, 1, 2, 3}), fn, opts) {
				g.waitStarted(t, 1) // 1 runs, 2 and 3 are queued
				break
			}
			close(g.release)
			if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
				t.Fatal(err)
			}
			if ran[2].Load() || ran[3].Load() || e.Stats().Cancelled != 2 {
				t.Fatalf("got elements 2, 3 ran %v, %v, Cancelled %d; want not run, 2 cancelled", ran[2].Load(), ran[3].Load(), e.Stats().Cancelled)
			}
		})
	}
}

// TestMapCancelsCurrentFuture is CPython's
// test_executor_map_current_future_cancel: with the pool saturated, the
// context ends while the loop waits on the first element, so the first
// result is the context's error, and both the future being waited on and
// the one behind it are cancelled, so neither runs. It fails if Map
// cancelled only the futures after the current one (the bug CPython
// fixed): Cancelled would be 1. The context ends either after Map returned
// and before the loop (the buffered form submits when the loop starts, so
// it submits nothing then and has nothing to cancel) or once the loop has
// submitted both elements. Without the cancel of the head future the
// buffered form makes (the future is out of its window then), the last
// case counted 1 cancelled.
func TestMapCancelsCurrentFuture(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		buf           int
		inLoop        bool // the context ends once both elements are submitted, not before the loop
		wantCancelled uint64
	}{{0, false, 2}, {2, false, 0}, {2, true, 2}} {
		e := newExecutor(t, executor.WithMaxWorkers(1))
		g := newGate(1)
		first := must[*executor.Future[struct{}]](t)(e.Go(g.task))
		g.waitStarted(t, 1)
		var calls atomic.Int64
		ctx, cancel := context.WithCancel(context.Background())
		results := executor.Map(ctx, e, slices.Values([]string{"second", "third"}), func(_ context.Context, s string) (string, error) {
			calls.Add(1)
			return s, nil
		}, executor.MapOptions{BufferSize: c.buf})
		if c.inLoop {
			go func() {
				for e.Stats().Submitted != 3 { // the gate's task and both elements
					time.Sleep(50 * time.Microsecond)
				}
				time.Sleep(time.Millisecond) // the loop waits on "second" by now, most of the time
				cancel()
			}()
		} else {
			cancel()
		}
		var errs []error
		for _, err := range results {
			errs = append(errs, err)
		}
		cancel()
		close(g.release)
		if err := first.Err(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
			t.Fatal(err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Fatalf("%+v: got %v, want one context.Canceled", c, errs)
		}
		if st := e.Stats(); st.Cancelled != c.wantCancelled || st.Submitted != 1+c.wantCancelled || calls.Load() != 0 {
			t.Fatalf("%+v: got Cancelled %d, Submitted %d, %d calls; want %d, %d, 0", c, st.Cancelled, st.Submitted, calls.Load(), c.wantCancelled, 1+c.wantCancelled)
		}
	}
}

// TestMapStopsWhenCtxEnds: once ctx ends, Map submits nothing more, yields
// the results that finished without an error and then context.Cause(ctx)
// once, and stops, however long the input and even if the loop goes on
// after errors. The input here never ends, and every task whose turn comes
// after the cancel returns at once, so the future at the head is usually
// done when Map looks at it. It failed before Map checked ctx itself rather
// than whether the head future was done: the eager form yielded 397
// elements, 393 of them errors, and the buffered one ran to the loop's own
// limit of 2000.
func TestMapStopsWhenCtxEnds(t *testing.T) {
	t.Parallel()
	for _, buf := range []int{0, 4} {
		e := newExecutor(t, executor.WithMaxWorkers(2))
		ctx, cancel := context.WithCancel(context.Background())
		endless := func(yield func(int) bool) {
			for i := 0; ; i++ {
				if !yield(i) {
					return
				}
			}
		}
		in := iter.Seq[int](endless)
		if buf == 0 {
			in = slices.Values(make([]int, 1000)) // the eager form submits all of its input first
		}
		var n, atCancel atomic.Int64
		fn := func(_ context.Context, x int) (int, error) {
			switch k := n.Add(1); {
			case k == 4:
				cancel()
				atCancel.Store(n.Load())
			case k > 4:
				// Not before the fourth call's cancel: however long that
				// call is held between its count and its cancel (a
				// loaded machine, -race), the other worker cannot run
				// the eager form's whole input meanwhile (1000 results
				// and no error, which failed about 1 run in 3000).
				<-ctx.Done()
			}
			return x, nil
		}
		yields, errs := 0, 0
		var last error
		for _, err := range executor.Map(ctx, e, in, fn, executor.MapOptions{BufferSize: buf}) {
			yields++
			if err != nil {
				errs++
				last = err
			}
			if yields == 2000 {
				break
			}
		}
		// The other worker may have run any number of calls between the
		// fourth call's n.Add and its cancel, and may have passed the
		// wrapper's ctx check for one more just before the cancel; no call
		// begins after that. Every element but the last is one call's
		// result, and the last is the error. The counters are read once
		// every call has returned.
		if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
			t.Fatal(err)
		}
		calls := n.Load()
		if calls > atCancel.Load()+1 {
			t.Errorf("BufferSize %d: %d calls, %d of them after the cancel returned; want at most 1", buf, calls, calls-atCancel.Load())
		}
		if errs != 1 || !errors.Is(last, context.Canceled) || int64(yields) > calls+1 {
			t.Fatalf("BufferSize %d: %d elements after %d calls, %d errors, last %v; want at most %d elements, the last one context.Canceled", buf, yields, calls, errs, last, calls+1)
		}
	}
}

// TestMapSubmitsNothingAfterCtxEnded: given a context that has already
// ended, Map submits nothing, in either form, and yields the context's
// error once. The eager form once submitted its whole input (1000 tasks,
// each then failed or cancelled).
func TestMapSubmitsNothingAfterCtxEnded(t *testing.T) {
	t.Parallel()
	for _, buf := range []int{0, 4} {
		e := newExecutor(t, executor.WithMaxWorkers(2))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var errs []error
		for _, err := range executor.Map(ctx, e, slices.Values(make([]int, 1000)), func(_ context.Context, x int) (int, error) { return x, nil }, executor.MapOptions{BufferSize: buf}) {
			errs = append(errs, err)
		}
		if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
			t.Fatal(err)
		}
		if st := e.Stats(); st.Submitted != 0 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Fatalf("BufferSize %d: got Submitted %d and %d elements (%v); want nothing submitted and one context.Canceled", buf, st.Submitted, len(errs), errs[:min(3, len(errs))])
		}
	}
}

// TestMapPanicInLoopCancels: a panic in the loop body stops the loop early,
// and like a break it cancels the futures not started. One worker, element
// 1 blocks it, so the eight elements behind are still queued when the body
// panics at element 0. The eager form once let all eight run.
func TestMapPanicInLoopCancels(t *testing.T) {
	t.Parallel()
	for _, buf := range []int{0, 4} {
		e := newExecutor(t, executor.WithMaxWorkers(1))
		g := newGate(1)
		fn := func(ctx context.Context, x int) (int, error) {
			if x == 1 {
				return 0, g.task(ctx)
			}
			return x, nil
		}
		results := executor.Map(testCtx(t), e, slices.Values([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), fn, executor.MapOptions{BufferSize: buf})
		got := func() (v any) {
			defer func() { v = recover() }()
			for range results {
				g.waitStarted(t, 1)
				panic("body")
			}
			return nil
		}()
		close(g.release)
		if err := e.Shutdown(testCtx(t), executor.ShutdownOptions{Wait: true}); err != nil {
			t.Fatal(err)
		}
		st := e.Stats()
		if got != "body" || st.Completed != 2 || st.Cancelled != st.Submitted-2 {
			t.Fatalf("BufferSize %d: got panic %v, %+v; want the panic, 2 completed and every other submitted future cancelled", buf, got, st)
		}
	}
}

// TestMapYieldsWhatAFailedTaskReturned: a failed element yields its error
// with the value its task returned, as Future.Result does (the doc once said
// the zero value).
func TestMapYieldsWhatAFailedTaskReturned(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(1))
	bad := errors.New("bad")
	n := 0
	for v, err := range executor.Map(testCtx(t), e, slices.Values([]int{1}), func(_ context.Context, x int) (int, error) {
		return x + 4, bad
	}, executor.MapOptions{}) {
		n++
		if v != 5 || !errors.Is(err, bad) {
			t.Errorf("got %v, %v; want 5 and the task's error", v, err)
		}
	}
	if n != 1 {
		t.Errorf("got %d elements, want 1", n)
	}
}

// TestMapNilArgumentsPanic: Map's misuse panics at once with the package's
// prefix. A nil function panicked in every task instead (each future got a
// *PanicError), and a nil input with a bare nil call.
func TestMapNilArgumentsPanic(t *testing.T) {
	t.Parallel()
	e := newExecutor(t, executor.WithMaxWorkers(1))
	in := slices.Values([]int{1})
	fn := func(_ context.Context, x int) (int, error) { return x, nil }
	for want, call := range map[string]func(){
		"executor: Map with a nil executor":       func() { executor.Map(testCtx(t), nil, in, fn, executor.MapOptions{}) },
		"executor: Map with a nil input sequence": func() { executor.Map(testCtx(t), e, nil, fn, executor.MapOptions{}) },
		"executor: Map with a nil function":       func() { executor.Map[int, int](testCtx(t), e, in, nil, executor.MapOptions{}) },
	} {
		got := func() (v any) {
			defer func() { v = recover() }()
			call()
			return nil
		}()
		if got != want {
			t.Errorf("got panic %v, want %q", got, want)
		}
	}
	if st := e.Stats(); st.Submitted != 0 {
		t.Errorf("got %d submitted, want none", st.Submitted)
	}
}
