package scenario

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Violation kinds every scenario reports besides its own.
const (
	KindHang  = "hang"  // a round did not finish before its deadline
	KindPanic = "panic" // the implementation panicked (a corrupted structure)
)

// runWorkers runs fn(w) for w in [0, workers) on as many goroutines and
// waits for them, or for the deadline. A panic in a worker is recovered and
// recorded as a KindPanic violation. If the deadline passes first, it
// records a KindHang violation and returns false without waiting further:
// the stuck goroutines are abandoned, which only a racy port can cause, and
// the caller must stop using the structure they are stuck in. If ctx ends
// first it returns ctx's error, after the workers finished.
func runWorkers(ctx context.Context, rep *Report, workers int, deadline time.Duration, what string, fn func(w int)) (ok bool, err error) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			defer recoverInto(rep, fmt.Sprintf("%s worker %d", what, w))
			fn(w)
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return waitDone(ctx, rep, done, deadline, what)
}

// waitDone waits for done, recording a hang when deadline passes first.
func waitDone(ctx context.Context, rep *Report, done <-chan struct{}, deadline time.Duration, what string) (bool, error) {
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	select {
	case <-done:
		return true, nil
	case <-timer.C:
		rep.violation(KindHang, "%s still running after %v", what, deadline)
		return false, nil
	case <-ctx.Done():
		// Workers observe nothing of ctx; they are bounded by the deadline.
		select {
		case <-done:
		case <-timer.C:
			rep.violation(KindHang, "%s still running after %v", what, deadline)
			return false, context.Cause(ctx)
		}
		return true, context.Cause(ctx)
	}
}

// recoverInto turns a panic into a KindPanic violation.
func recoverInto(rep *Report, where string) {
	if v := recover(); v != nil {
		rep.violation(KindPanic, "%s: %v", where, v)
	}
}

// rng returns the random source of one worker of one round (worker -1 is
// the round's main goroutine): a pure function of the run's seed, the round
// and the worker, so a seed replays the same workload. The worker is cut to
// 32 bits so that -1 does not cover the round's bits.
func rng(seed uint64, round, worker int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(round)<<32|uint64(uint32(worker))))
}
