package bench_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/lifecycle"
)

// paddockLocks is paddock's side of BenchmarkGIL. A gil.Lock is taken by
// lifecycle threads, so each run starts its goroutines with Runtime.Go and
// finalizes the runtime at the end, which joins them.
var paddockLocks = []lockImpl{{"paddock", gilUncontended, gilContended}}

func finalizeRuntime(b *testing.B, rt *lifecycle.Runtime) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := rt.Finalize(ctx); err != nil {
		b.Fatal(err)
	}
}

func gilUncontended(b *testing.B) {
	rt := lifecycle.New()
	l := gil.New(rt)
	counter := 0
	done := make(chan error, 1)
	b.ResetTimer()
	err := rt.Go("bench", func(t *lifecycle.Thread) {
		for range b.N {
			if err := l.Acquire(t); err != nil {
				done <- err
				return
			}
			counter++
			l.Release(t)
		}
		done <- nil
	})
	if err == nil {
		err = <-done
	}
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	finalizeRuntime(b, rt)
	if counter != b.N {
		b.Fatalf("counter: got %d, want %d", counter, b.N)
	}
}

func gilContended(b *testing.B) time.Duration {
	rt := lifecycle.New()
	l := gil.New(rt)
	var (
		counter int
		longest [gilThreads]time.Duration
		errs    = make(chan error, gilThreads)
	)
	b.ResetTimer()
	for g, n := range shares(b.N) {
		err := rt.Go("bench", func(t *lifecycle.Thread) {
			for range n {
				t0 := time.Now()
				if err := l.Acquire(t); err != nil {
					errs <- err
					return
				}
				longest[g] = max(longest[g], time.Since(t0))
				counter++
				l.Release(t)
			}
			errs <- nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for range gilThreads {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	finalizeRuntime(b, rt)
	if counter != b.N {
		b.Fatalf("counter: got %d, want %d", counter, b.N)
	}
	return slices.Max(longest[:])
}
