package gil_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/paddock-go/paddock/gil"
	"github.com/paddock-go/paddock/lifecycle"
)

// Threads take the lock around their work and Yield in long loops, so that
// a waiter gets its turn within a few switch intervals.
func ExampleLock() {
	rt := lifecycle.New()
	l := gil.New(rt)
	total := 0 // guarded by l
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		_ = rt.Go("worker", func(t *lifecycle.Thread) {
			defer wg.Done()
			if err := l.Acquire(t); err != nil {
				return // only a non-daemon thread of a finalized runtime
			}
			for range 1000 {
				total++
				if err := l.Yield(t); err != nil {
					return // the lock was given up
				}
			}
			l.Release(t)
		})
	}
	wg.Wait()
	_ = rt.Finalize(context.Background())
	_ = rt.Reap(context.Background())
	fmt.Println(total)
	// Output: 4000
}
