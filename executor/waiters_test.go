package executor

import (
	"context"
	"testing"
	"time"
)

// listenersOf returns how many waiters and callbacks are registered on f.
func listenersOf(f Waitable) (waiters, callbacks int) {
	l := f.futureCore().registered()
	if l == nil {
		return 0, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.waiters), len(l.callbacks)
}

// TestNoWaiterLeftBehind: Wait, AsCompleted (broken off, or ended by ctx)
// and Result with a ctx that ends, called again and again on a future that
// stays pending, leave no waiter or callback on it, so a long-lived future
// does not grow with every call.
func TestNoWaiterLeftBehind(t *testing.T) {
	t.Parallel()
	pending, done := NewPromise[int](), NewPromise[int]()
	if err := done.SetResult(1); err != nil {
		t.Fatal(err)
	}
	fs := []Waitable{pending.Future(), done.Future(), pending.Future()}
	for range 100 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
		Wait(ctx, fs, AllCompleted)
		cancel()
		Wait(context.Background(), fs, FirstCompleted)
		for range AsCompleted(context.Background(), fs) {
			break
		}
		ctx, cancel = context.WithCancel(context.Background())
		cancel()
		for range AsCompleted(ctx, fs) {
		}
		ctx, cancel = context.WithTimeout(context.Background(), time.Microsecond)
		pending.Future().Result(ctx)
		cancel()
	}
	if w, cb := listenersOf(pending.Future()); w != 0 || cb != 0 {
		t.Fatalf("got %d waiters and %d callbacks left on a pending future, want none", w, cb)
	}
}
