package bench_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/gammazero/workerpool"
	"github.com/panjf2000/ants/v2"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/paddock-go/paddock/bench"
)

// taskFunc is the work of one task: it returns a result for index i.
type taskFunc func(i int) int

// A runner runs batches of tasks on one pool, as its library is meant to be
// used: a long-lived pool where the library has one, a group per batch where
// the library's unit is a group (conc, errgroup, bare goroutines).
type runner interface {
	// run runs task(i) for every i in [0, len(out)) and returns once
	// out[i] == task(i) for all of them.
	run(task taskFunc, out []int) error
	// close stops the pool and waits for its goroutines to exit.
	close() error
}

// executorImpl opens a runner with at most workers tasks running at once.
type executorImpl struct {
	name string
	open func(workers int) (runner, error)
}

// executorWorkers is the concurrency every pool gets: paddock's and CPython's
// default, min(32, GOMAXPROCS+4).
func executorWorkers() int { return min(32, runtime.GOMAXPROCS(0)+4) }

// executorPeers are the peers of BenchmarkExecutor, paddock's own entry
// first (see executor_paddock_test.go).
var executorPeers = []executorImpl{
	{"ants", openAnts},
	{"pond", openPond},
	{"workerpool", openWorkerpool},
	{"conc", openConc},
	{"errgroup", openErrgroup},
	{"goroutines", openGoroutines},
	{"chanpool", openChanPool},
}

// antsRunner: ants has no futures, so each task writes its result into
// place and a WaitGroup counts them.
type antsRunner struct{ p *ants.Pool }

func openAnts(workers int) (runner, error) {
	p, err := ants.NewPool(workers)
	return antsRunner{p}, err
}

func (r antsRunner) run(task taskFunc, out []int) error {
	var wg sync.WaitGroup
	wg.Add(len(out))
	for i := range out {
		if err := r.p.Submit(func() { out[i] = task(i); wg.Done() }); err != nil {
			return err
		}
	}
	wg.Wait()
	return nil
}

func (r antsRunner) close() error { return r.p.ReleaseTimeout(10 * time.Second) }

// pondRunner uses pond's result pool: Submit returns a task whose Wait gives
// the result, pond's nearest to a future.
type pondRunner struct {
	p     pond.ResultPool[int]
	tasks []pond.ResultTask[int] // reused from batch to batch
}

func openPond(workers int) (runner, error) {
	return &pondRunner{p: pond.NewResultPool[int](workers)}, nil
}

func (r *pondRunner) run(task taskFunc, out []int) error {
	r.tasks = r.tasks[:0]
	for i := range out {
		r.tasks = append(r.tasks, r.p.Submit(func() int { return task(i) }))
	}
	for i, t := range r.tasks {
		v, err := t.Wait()
		if err != nil {
			return err
		}
		out[i] = v
		r.tasks[i] = nil
	}
	return nil
}

func (r *pondRunner) close() error { r.p.StopAndWait(); return nil }

type workerpoolRunner struct{ p *workerpool.WorkerPool }

func openWorkerpool(workers int) (runner, error) {
	return workerpoolRunner{workerpool.New(workers)}, nil
}

func (r workerpoolRunner) run(task taskFunc, out []int) error {
	var wg sync.WaitGroup
	wg.Add(len(out))
	for i := range out {
		r.p.Submit(func() { out[i] = task(i); wg.Done() })
	}
	wg.Wait()
	return nil
}

func (r workerpoolRunner) close() error { r.p.StopWait(); return nil }

// concRunner makes a result pool per batch (a conc pool is not reused after
// Wait); results come back in completion order, so each carries its index.
type concRunner struct{ workers int }

type indexed struct{ i, v int }

func openConc(workers int) (runner, error) { return concRunner{workers}, nil }

func (r concRunner) run(task taskFunc, out []int) error {
	p := concpool.NewWithResults[indexed]().WithMaxGoroutines(r.workers)
	for i := range out {
		p.Go(func() indexed { return indexed{i, task(i)} })
	}
	res := p.Wait()
	if len(res) != len(out) {
		return fmt.Errorf("conc: got %d results, want %d", len(res), len(out))
	}
	for _, x := range res {
		out[x.i] = x.v
	}
	return nil
}

func (concRunner) close() error { return nil }

// errgroupRunner is x/sync's errgroup with SetLimit, one group per batch.
type errgroupRunner struct{ workers int }

func openErrgroup(workers int) (runner, error) { return errgroupRunner{workers}, nil }

func (r errgroupRunner) run(task taskFunc, out []int) error {
	var g errgroup.Group
	g.SetLimit(r.workers)
	for i := range out {
		g.Go(func() error { out[i] = task(i); return nil })
	}
	return g.Wait()
}

func (errgroupRunner) close() error { return nil }

// goroutinesRunner starts a goroutine per task, with no limit.
type goroutinesRunner struct{}

func openGoroutines(int) (runner, error) { return goroutinesRunner{}, nil }

func (goroutinesRunner) run(task taskFunc, out []int) error {
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = task(i) })
	}
	wg.Wait()
	return nil
}

func (goroutinesRunner) close() error { return nil }

// chanPoolRunner is the hand-written channel worker pool.
type chanPoolRunner struct{ p *bench.ChanPool }

func openChanPool(workers int) (runner, error) {
	return chanPoolRunner{bench.NewChanPool(workers, 1024)}, nil
}

func (r chanPoolRunner) run(task taskFunc, out []int) error {
	var wg sync.WaitGroup
	wg.Add(len(out))
	for i := range out {
		r.p.Submit(func() { out[i] = task(i); wg.Done() })
	}
	wg.Wait()
	return nil
}

func (r chanPoolRunner) close() error { r.p.Stop(); return nil }

// A queuedPool is a pool whose workers are all busy and behind which n tasks
// wait in its queue, for BenchmarkExecutorShutdown. Only pools with a queue
// take part: ants, conc, errgroup and bare goroutines have none (their
// Submit blocks at the limit, or starts a goroutine).
type queuedPool interface {
	// stopNow stops the pool, discarding the queued tasks, and returns once
	// every worker has exited.
	stopNow() error
}

type shutdownImpl struct {
	name string
	// fill starts a pool of workers, gives each a task that reports on
	// started and blocks until gate is closed, then queues n no-op tasks.
	fill func(workers, n int, started chan<- struct{}, gate <-chan struct{}) (queuedPool, error)
}

// shutdownPeers are the peers of BenchmarkExecutorShutdown, paddock's own
// entry first (see executor_paddock_test.go).
var shutdownPeers = []shutdownImpl{
	{"pond", fillPond},
	{"workerpool", fillWorkerpool},
	{"chanpool", fillChanPool},
}

func blocker(started chan<- struct{}, gate <-chan struct{}) func() {
	return func() { started <- struct{}{}; <-gate }
}

// pondQueued stops pond the way pond discards queued work: its context is
// cancelled, so each queued task is resolved without running, and
// StopAndWait waits for that.
type pondQueued struct {
	p      pond.Pool
	cancel context.CancelFunc
}

func fillPond(workers, n int, started chan<- struct{}, gate <-chan struct{}) (queuedPool, error) {
	ctx, cancel := context.WithCancel(context.Background())
	p := pond.NewPool(workers, pond.WithContext(ctx))
	for range workers {
		p.Submit(blocker(started, gate))
	}
	for range n {
		p.Submit(func() {})
	}
	return pondQueued{p, cancel}, nil
}

func (q pondQueued) stopNow() error { q.cancel(); q.p.StopAndWait(); return nil }

// workerpoolQueued: Stop abandons the queued tasks and waits for the running
// ones.
type workerpoolQueued struct{ p *workerpool.WorkerPool }

func fillWorkerpool(workers, n int, started chan<- struct{}, gate <-chan struct{}) (queuedPool, error) {
	p := workerpool.New(workers)
	for range workers {
		p.Submit(blocker(started, gate))
	}
	for range n {
		p.Submit(func() {})
	}
	return workerpoolQueued{p}, nil
}

func (q workerpoolQueued) stopNow() error { q.p.Stop(); return nil }

type chanPoolQueued struct{ p *bench.ChanPool }

func fillChanPool(workers, n int, started chan<- struct{}, gate <-chan struct{}) (queuedPool, error) {
	p := bench.NewChanPool(workers, n)
	for range workers {
		p.Submit(blocker(started, gate))
	}
	for range n {
		p.Submit(func() {})
	}
	return chanPoolQueued{p}, nil
}

func (q chanPoolQueued) stopNow() error { q.p.StopNow(); return nil }
