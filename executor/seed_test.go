package executor_test

// The two reproducers of shared/seeds/cpython-threadpool-shutdown-race.txt
// (bpo-31783), with the runtime's finalization racing them, and the
// detectors that tell a correct executor from the racy one. The detectors
// are shown to fire on internal/naive's port of Python 3.8's executor in
// naive_test.go; here they must stay silent for paddock's executor.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/internal/naive"
	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// subject is an executor under a seed scenario: paddock's or the naive port.
type subject struct {
	// submit runs task on a worker and onDone (may be nil) as its
	// done-callback; it reports the submission's error.
	submit func(task func(context.Context) error, onDone func()) error
	// finalize is the interpreter's exit: lifecycle's Finalize, or the
	// naive port's _python_exit.
	finalize func() error
	// cleanup joins what finalize may have missed (naive only).
	cleanup func()
}

// monitor collects the events the detectors judge.
type monitor struct {
	mu         sync.Mutex
	begun      bool     // shutdown began (under mu)
	lateSpawns []string // workers spawned after shutdown began (under mu)

	live      atomic.Int64 // workers spawned and not ended
	finalized atomic.Bool  // finalize returned
	lateTasks atomic.Int64 // task starts or ends seen after finalize returned
	accepted  atomic.Int64 // successful submissions
	resolved  atomic.Int64 // done-callbacks run
}

func (m *monitor) spawn(name string) {
	m.live.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.begun {
		m.lateSpawns = append(m.lateSpawns, name)
	}
}

func (m *monitor) shutdownBegin() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.begun = true
}

func (m *monitor) exit(string) { m.live.Add(-1) }

// task is the seed's job: sleep d, noting whether it ran after finalize.
func (m *monitor) task(d time.Duration) func(context.Context) error {
	return func(context.Context) error {
		if m.finalized.Load() {
			m.lateTasks.Add(1)
		}
		time.Sleep(d)
		if m.finalized.Load() {
			m.lateTasks.Add(1)
		}
		return nil
	}
}

// verdict runs the detectors right after finalize returned.
func (m *monitor) verdict() []string {
	var bad []string
	m.mu.Lock()
	if len(m.lateSpawns) > 0 {
		bad = append(bad, fmt.Sprintf("worker started after shutdown began: %v", m.lateSpawns))
	}
	m.mu.Unlock()
	if n := m.live.Load(); n != 0 {
		bad = append(bad, fmt.Sprintf("%d worker(s) not joined when finalization returned", n))
	}
	if a, r := m.accepted.Load(), m.resolved.Load(); a != r {
		bad = append(bad, fmt.Sprintf("%d of %d accepted futures not resolved when finalization returned", a-r, a))
	}
	return bad
}

// lateVerdict runs after a grace period: tasks that ran after finalize.
func (m *monitor) lateVerdict() []string {
	if n := m.lateTasks.Load(); n > 0 {
		return []string{fmt.Sprintf("%d task start/end(s) after finalization finished", n)}
	}
	return nil
}

func paddockSubject(t testing.TB, m *monitor, workers int) subject {
	rt := lifecycle.New()
	e, err := executor.New(executor.WithMaxWorkers(workers), executor.WithRuntime(rt))
	if err != nil {
		t.Fatal(err)
	}
	executor.SetHooks(e, executor.Hooks{Spawn: m.spawn, WorkerExit: m.exit, ShutdownBegin: m.shutdownBegin})
	return subject{
		submit: func(task func(context.Context) error, onDone func()) error {
			f, err := e.Go(task)
			if err != nil {
				return err
			}
			m.accepted.Add(1)
			f.AddDoneCallback(func(*executor.Future[struct{}]) {
				m.resolved.Add(1)
				if onDone != nil {
					onDone()
				}
			})
			return nil
		},
		finalize: func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return rt.Finalize(ctx)
		},
		cleanup: func() {},
	}
}

func naiveSubject(m *monitor, workers int, window func()) subject {
	rt := naive.NewExecutorRuntime()
	rt.OnExit = m.shutdownBegin
	e := naive.NewExecutor(rt, workers, "", naive.ExecutorHooks{
		Spawn: m.spawn, WorkerExit: m.exit, ShutdownBegin: m.shutdownBegin, Window: window,
	})
	return subject{
		submit: func(task func(context.Context) error, onDone func()) error {
			f, err := e.Go(task)
			if err != nil {
				return err
			}
			m.accepted.Add(1)
			f.AddDoneCallback(func(*naive.Future) {
				m.resolved.Add(1)
				if onDone != nil {
					onDone()
				}
			})
			return nil
		},
		finalize: func() error { rt.Exit(); return nil },
		cleanup:  rt.JoinAll,
	}
}

// reproCallback is the first reproducer (msg304364): on a 4-worker pool a
// job's done-callback submits the next job, forever, while the program
// exits after a random delay.
func reproCallback(s subject, m *monitor, rng *rand.Rand) error {
	var f func()
	f = func() { _ = s.submit(m.task(time.Duration(rng2(rng, 100))*time.Microsecond), f) }
	f()
	time.Sleep(time.Duration(rng2(rng, 300)) * time.Microsecond) // the script's main thread ends at once
	return s.finalize()
}

// reproBurst is the second reproducer (msg341795): on a 100-worker pool
// g() submits 100 jobs with pauses while the program exits.
func reproBurst(s subject, m *monitor, rng *rand.Rand) error {
	pause := time.Duration(1+rng2(rng, 20)) * time.Microsecond
	g := func(context.Context) error {
		for range 100 {
			if err := s.submit(m.task(0), nil); err != nil {
				return nil
			}
			time.Sleep(pause)
		}
		return nil
	}
	_ = s.submit(g, nil)
	time.Sleep(time.Duration(rng2(rng, 1500)) * time.Microsecond)
	return s.finalize()
}

// rng2 draws from rng under a lock: callbacks draw concurrently.
var rngMu sync.Mutex

func rng2(rng *rand.Rand, n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.IntN(n)
}

type reproducer struct {
	name    string
	workers int
	run     func(subject, *monitor, *rand.Rand) error
}

var reproducers = []reproducer{
	{"callback-resubmits", 4, reproCallback},
	{"burst-during-exit", 100, reproBurst},
}

// runSeed runs one reproducer once on a fresh subject and returns the
// detectors' findings.
func runSeed(t testing.TB, r reproducer, seed uint64, mk func(*monitor, int) subject) []string {
	m := &monitor{}
	s := mk(m, r.workers)
	rng := rand.New(rand.NewPCG(seed, 31783))
	if err := r.run(s, m, rng); err != nil {
		t.Errorf("seed %d: finalize: %v (a hang)", seed, err)
	}
	m.finalized.Store(true)
	bad := m.verdict()
	time.Sleep(2 * time.Millisecond) // let a stray worker show itself
	bad = append(bad, m.lateVerdict()...)
	s.cleanup()
	return bad
}

// schedPolicy widens the windows of both executors and lifecycle.
func schedPolicy(seed uint64) schedpoint.Policy {
	return schedpoint.Policy{Seed: seed, P: 0.5, Action: schedpoint.ActionSleep, Max: 200 * time.Microsecond,
		Filter: "executor.|naive.executor.|lifecycle."}
}

// TestSeedReproducersPaddock races finalization against both reproducers
// across many seeds (with -tags schedtest, every protocol edge also sleeps
// at random) and requires every detector to stay silent. The same
// detectors catch the naive port in naive_test.go, which is how we know
// they can fail.
func TestSeedReproducersPaddock(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	for _, r := range reproducers {
		t.Run(r.name, func(t *testing.T) {
			for seed := range uint64(seeds) {
				restore := schedpoint.Set(schedPolicy(seed))
				bad := runSeed(t, r, seed, func(m *monitor, n int) subject { return paddockSubject(t, m, n) })
				restore()
				if len(bad) > 0 {
					t.Fatalf("seed %d (%s): %s", seed, schedpoint.Describe(), strings.Join(bad, "; "))
				}
			}
		})
	}
}
