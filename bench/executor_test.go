package bench_test

import (
	"fmt"
	"testing"
	"time"
)

// executorLoads are the cases of BenchmarkExecutor. For the first two one op
// is one task, run in batches of up to batch tasks that are submitted and then
// all waited for; for burst1M one op is a whole burst of a million tasks (its
// ns/task metric is the per-task figure).
var executorLoads = []struct {
	name  string
	batch int
	burst bool
	task  taskFunc
}{
	{"noop10k", 10_000, false, noopTask},
	{"spin10us", 10_000, false, spinTask},
	{"burst1M", 1_000_000, true, noopTask},
}

func noopTask(i int) int { return i + 1 }

// spinTask keeps its CPU busy for 10 µs, a small real task: unlike a sleep,
// it measures how much of the machine a pool leaves to the work.
func spinTask(i int) int {
	start := time.Now()
	for time.Since(start) < 10*time.Microsecond {
	}
	return i + 1
}

func allExecutors() []executorImpl {
	return append(paddockExecutors[:len(paddockExecutors):len(paddockExecutors)], executorPeers...)
}

func allShutdowns() []shutdownImpl {
	return append(paddockShutdowns[:len(paddockShutdowns):len(paddockShutdowns)], shutdownPeers...)
}

// BenchmarkExecutor runs tasks that return results through each pool, every
// pool with the same number of workers (executorWorkers). The pool is made
// before the timer starts and closed after it stops.
func BenchmarkExecutor(b *testing.B) {
	for _, load := range executorLoads {
		b.Run("load="+load.name, func(b *testing.B) {
			for _, impl := range allExecutors() {
				b.Run("impl="+impl.name, func(b *testing.B) {
					benchExecutor(b, impl, load.batch, load.burst, load.task)
				})
			}
		})
	}
}

func benchExecutor(b *testing.B, impl executorImpl, batch int, burst bool, task taskFunc) {
	r, err := impl.open(executorWorkers())
	if err != nil {
		b.Fatal(err)
	}
	out := make([]int, batch)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if burst {
		for range b.N {
			if err := r.run(task, out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*batch), "ns/task")
	} else {
		for done := 0; done < b.N; {
			n := min(batch, b.N-done)
			if err := r.run(task, out[:n]); err != nil {
				b.Fatal(err)
			}
			done += n
		}
	}
	b.StopTimer()
	if err := r.close(); err != nil {
		b.Fatal(err)
	}
}

// shutdownQueued is how many tasks wait in the queue when the pool is
// stopped.
const shutdownQueued = 1_000_000

// BenchmarkExecutorShutdown measures stopping a pool at once with a million
// tasks queued behind busy workers: from releasing the busy tasks and asking
// the pool to stop, discarding its queue, until every worker has exited. One
// op includes filling the pool, which dominates ns/op; the shutdown alone is
// the ns/shutdown metric, which the report compares.
func BenchmarkExecutorShutdown(b *testing.B) {
	b.Run("queued=1M", func(b *testing.B) {
		for _, impl := range allShutdowns() {
			b.Run("impl="+impl.name, func(b *testing.B) {
				benchShutdown(b, impl, shutdownQueued)
			})
		}
	})
}

func benchShutdown(b *testing.B, impl shutdownImpl, queued int) {
	workers := executorWorkers()
	b.ReportAllocs()
	var stopping time.Duration
	for range b.N {
		started := make(chan struct{}, workers)
		gate := make(chan struct{})
		q, err := impl.fill(workers, queued, started, gate)
		if err != nil {
			b.Fatal(err)
		}
		for range workers {
			<-started
		}
		t0 := time.Now()
		close(gate)
		if err := q.stopNow(); err != nil {
			b.Fatal(err)
		}
		stopping += time.Since(t0)
	}
	b.ReportMetric(float64(stopping.Nanoseconds())/float64(b.N), "ns/shutdown")
}

// TestExecutorImpls checks that every pool of the benchmarks runs every task
// of a batch and hands back its result, on two batches in a row, and closes.
func TestExecutorImpls(t *testing.T) {
	t.Parallel()
	for _, impl := range allExecutors() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			r, err := impl.open(4)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1000, 10} {
				out := make([]int, n)
				if err := r.run(func(i int) int { return 2*i + 1 }, out); err != nil {
					t.Fatal(err)
				}
				for i, v := range out {
					if v != 2*i+1 {
						t.Fatalf("batch of %d: out[%d]: got %d, want %d", n, i, v, 2*i+1)
					}
				}
			}
			if err := r.close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestShutdownImpls checks that the queued pools of the shutdown benchmark
// hold their workers busy, then stop without running the whole queue.
func TestShutdownImpls(t *testing.T) {
	t.Parallel()
	for _, impl := range allShutdowns() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			const workers, queued = 3, 100_000
			started := make(chan struct{}, workers)
			gate := make(chan struct{})
			q, err := impl.fill(workers, queued, started, gate)
			if err != nil {
				t.Fatal(err)
			}
			for range workers {
				<-started
			}
			select {
			case <-started:
				t.Fatal("a queued task started while every worker was busy")
			default:
			}
			close(gate)
			if err := q.stopNow(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func ExampleChanPool() {
	out := make([]int, 5)
	r, _ := openChanPool(2)
	_ = r.run(func(i int) int { return i * i }, out)
	_ = r.close()
	fmt.Println(out)
	// Output: [0 1 4 9 16]
}
