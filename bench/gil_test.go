package bench_test

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// gilThreads is how many goroutines contend for the lock in
// BenchmarkGIL/op=contended, at every -cpu: the four busy threads of the
// fairness goal in issue 4, contended even with one P.
const gilThreads = 4

// lockImpl is one side of BenchmarkGIL.
type lockImpl struct {
	name string
	// uncontended takes and drops the lock b.N times from one goroutine.
	uncontended func(b *testing.B)
	// contended runs gilThreads goroutines that share b.N rounds of
	// take, increment a shared counter, drop; each round's wait for the
	// lock is timed, and the longest is returned.
	contended func(b *testing.B) time.Duration
}

// lockImpls are the sides of BenchmarkGIL, paddock's first
// (see gil_paddock_test.go).
func lockImpls() []lockImpl {
	return append(slices.Clip(paddockLocks), lockImpl{"mutex", mutexUncontended, mutexContended})
}

// BenchmarkGIL compares paddock's fair lock with sync.Mutex: one goroutine
// alone, and gilThreads goroutines taking turns, where the longest wait of a
// single Acquire is reported as maxwait-ns (time.Now around every take, on
// both sides alike).
func BenchmarkGIL(b *testing.B) {
	for _, impl := range lockImpls() {
		b.Run("op=uncontended/impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			impl.uncontended(b)
		})
	}
	for _, impl := range lockImpls() {
		b.Run("op=contended/impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			longest := impl.contended(b)
			b.ReportMetric(float64(longest.Nanoseconds()), "maxwait-ns")
		})
	}
}

// shares splits n rounds among gilThreads goroutines.
func shares(n int) [gilThreads]int {
	var s [gilThreads]int
	for i := range s {
		s[i] = n / gilThreads
		if i < n%gilThreads {
			s[i]++
		}
	}
	return s
}

func mutexUncontended(b *testing.B) {
	var mu sync.Mutex
	counter := 0
	for b.Loop() {
		mu.Lock()
		counter++
		mu.Unlock()
	}
	if counter != b.N {
		b.Fatalf("counter: got %d, want %d", counter, b.N)
	}
}

func mutexContended(b *testing.B) time.Duration {
	var (
		mu      sync.Mutex
		counter int
		wg      sync.WaitGroup
		longest [gilThreads]time.Duration
	)
	for g, n := range shares(b.N) {
		wg.Go(func() {
			for range n {
				t0 := time.Now()
				mu.Lock()
				longest[g] = max(longest[g], time.Since(t0))
				counter++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if counter != b.N {
		b.Fatalf("counter: got %d, want %d", counter, b.N)
	}
	return slices.Max(longest[:])
}

func TestShares(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 3, 4, 5, 1001} {
		s := shares(n)
		sum := 0
		for _, x := range s {
			sum += x
			if x < n/gilThreads || x > n/gilThreads+1 {
				t.Errorf("shares(%d) = %v: share %d is not within one of %d", n, s, x, n/gilThreads)
			}
		}
		if sum != n {
			t.Errorf("shares(%d) = %v: got sum %d, want %d", n, s, sum, n)
		}
	}
}
