package scenario

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/internal/exechook"
	"github.com/paddock-go/paddock/internal/naive"
	"github.com/paddock-go/paddock/lifecycle"
)

// Violation kinds of the executor scenario.
const (
	KindStartedAfter = "worker started after shutdown" // a worker started once the exit hook's shutdown began
	KindNotJoined    = "worker not joined"             // a worker still alive when Finalize returned
	KindUnresolved   = "future never resolved"         // an accepted future with no final state, ever
	KindRunningAfter = "task running after finalize"   // a task still running, or starting, once Finalize returned
)

// execTiming scales the two scripts of bpo-31783. Script A: a done-callback
// resubmits a task sleeping taskSleep on a 4-worker pool while the runtime
// finalizes after a random 0..exitJitter. Script B: g() submits 100 tasks,
// gInterval apart, on a 100-worker pool, and the runtime finalizes after
// gExit (1.5 s in the seed).
//
// window and gWindow are the sleep bpo-31783's find-race.diff put between
// submit's shutdown check and its thread start, in script A and script B.
// They are applied to the naive port only, through its Window hook (the
// port itself stays as Python 3.8 was); paddock has no such window, its
// check and start being one critical section. In script A the window is one
// task long, so the exit lands in it about half the time. In script B it is
// longer than the main goroutine's sleep before exit, as the reporter's
// was: his trace shows g's first submit passing its check before "Setting
// _shutdown" and creating thread 0_1 after "Killing 1 workers". Without it
// script B cannot show the race in Python 3.8: the idle-thread semaphore
// 3.8 added lets g's instant tasks reuse one thread, so no thread is started
// near the exit.
type execTiming struct {
	taskSleep, exitJitter, gInterval, gExit, window, gWindow, hangAt time.Duration
}

var (
	execQuick = execTiming{taskSleep: 2 * time.Millisecond, exitJitter: 10 * time.Millisecond,
		gInterval: time.Millisecond, gExit: 15 * time.Millisecond,
		window: 2 * time.Millisecond, gWindow: 20 * time.Millisecond, hangAt: 5 * time.Second}
	execFull = execTiming{taskSleep: 100 * time.Millisecond, exitJitter: 500 * time.Millisecond,
		gInterval: 100 * time.Millisecond, gExit: 1500 * time.Millisecond,
		window: 100 * time.Millisecond, gWindow: 2 * time.Second, hangAt: 30 * time.Second}
)

var executorScenario = Scenario{
	Name:  "executor",
	Kinds: []string{KindStartedAfter, KindNotJoined, KindUnresolved, KindRunningAfter, KindPanic, KindHang},
	run:   runExecutor,
	defaults: func(full bool) (int, int) {
		if full {
			return 4, 20
		}
		return 4, 10
	},
}

// execWatch is what the detectors of one script run share with the hooks
// of the pool: atomics written by workers, hooks and the main goroutine.
type execWatch struct {
	rep           *Report
	what          string
	shutdownBegan atomic.Bool  // set when shutdown began: the naive exit hook, paddock's ShutdownBegin
	finalized     atomic.Bool  // set when Finalize returned
	running       atomic.Int64 // tasks running now
}

func (w *execWatch) workerStarted(name string) {
	if w.shutdownBegan.Load() {
		w.rep.violation(KindStartedAfter, "%s: worker %s started after shutdown began", w.what, name)
	}
}

// task wraps fn so the watch knows when tasks run.
func (w *execWatch) task(fn func()) func(context.Context) error {
	return func(context.Context) error {
		if w.finalized.Load() {
			w.rep.violation(KindRunningAfter, "%s: a task started after Finalize returned", w.what)
		}
		w.running.Add(1)
		defer w.running.Add(-1)
		w.rep.op(1)
		fn()
		return nil
	}
}

// execFuture is what the scripts need of a future.
type execFuture interface {
	onDone(fn func())
	isDone() bool
}

// execSystem is one pool with its runtime: paddock's executor on a
// lifecycle.Runtime, or the port of Python 3.8's ThreadPoolExecutor.
type execSystem struct {
	submit   func(fn func(context.Context) error) (execFuture, error)
	finalize func(ctx context.Context) error
	// alive reports the workers still alive (after finalize returned).
	alive func() int
	// cleanup ends every goroutine the system started.
	cleanup func()
}

type paddockFuture struct{ f *executor.Future[struct{}] }

func (p paddockFuture) onDone(fn func()) {
	p.f.AddDoneCallback(func(*executor.Future[struct{}]) { fn() })
}
func (p paddockFuture) isDone() bool { return p.f.IsDone() }

// paddockExecutor builds paddock's pool, observed through
// internal/exechook at the two points where the race would show: the start
// of a worker goroutine (the Spawn hook, just after the runtime accepted the
// goroutine) and the beginning of the shutdown (the ShutdownBegin hook, which
// the runtime's BeforeJoin hook reaches first during Finalize). Both run
// under the executor's lock, the first line of its defence; a Spawn seen
// after ShutdownBegin is a worker started after shutdown, exactly as the
// naive port's check sits where Python 3.8 starts a thread. Workers alive
// are counted from the Spawn and WorkerExit hooks, as on the naive port,
// not read from the executor's own Stats.
func paddockExecutor(w *execWatch, workers int) (execSystem, error) {
	rt := lifecycle.New()
	e, err := executor.New(executor.WithMaxWorkers(workers), executor.WithRuntime(rt), executor.WithName("pool"))
	if err != nil {
		return execSystem{}, err
	}
	var alive atomic.Int64
	exechook.Install(e, exechook.Hooks{
		Spawn: func(name string) {
			alive.Add(1)
			w.workerStarted(name)
		},
		WorkerExit:    func(string) { alive.Add(-1) },
		ShutdownBegin: func() { w.shutdownBegan.Store(true) },
	})
	return execSystem{
		submit: func(fn func(context.Context) error) (execFuture, error) {
			f, err := e.Go(fn)
			if err != nil {
				return nil, err
			}
			return paddockFuture{f}, nil
		},
		finalize: rt.Finalize,
		alive:    func() int { return int(alive.Load()) },
		cleanup:  func() {},
	}, nil
}

type naiveFuture struct{ f *naive.Future }

func (n naiveFuture) onDone(fn func()) { n.f.AddDoneCallback(func(*naive.Future) { fn() }) }
func (n naiveFuture) isDone() bool     { return n.f.IsDone() }

// naiveExecutor builds the port of Python 3.8's pool, with the race window
// widened by window (bpo-31783's find-race.diff).
func naiveExecutor(w *execWatch, workers int, window time.Duration) (execSystem, error) {
	rt := naive.NewExecutorRuntime()
	rt.OnExit = func() { w.shutdownBegan.Store(true) }
	var alive atomic.Int64
	e := naive.NewExecutor(rt, workers, "pool", naive.ExecutorHooks{
		Spawn: func(name string) {
			alive.Add(1)
			w.workerStarted(name)
		},
		WorkerExit: func(string) { alive.Add(-1) },
		Window:     func() { time.Sleep(window) },
	})
	return execSystem{
		submit: func(fn func(context.Context) error) (execFuture, error) {
			f, err := e.Go(fn)
			if err != nil {
				return nil, err
			}
			return naiveFuture{f}, nil
		},
		finalize: func(context.Context) error { rt.Exit(); return nil },
		alive:    func() int { return int(alive.Load()) },
		cleanup:  rt.JoinAll,
	}, nil
}

func runExecutor(ctx context.Context, cfg Config, rep *Report) error {
	timing := execQuick
	if cfg.Full {
		timing = execFull
	}
	if cfg.Deadline > 0 {
		timing.hangAt = cfg.Deadline
	}
	for round := range cfg.Rounds {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		scripts := []execScript{
			{"resubmitting callback", cfg.Workers, timing.window, scriptCallback,
				func(rnd *rand.Rand) time.Duration { return time.Duration(rnd.Int64N(int64(timing.exitJitter) + 1)) }},
			{"g() submitting 100", 100, timing.gWindow, scriptG,
				func(*rand.Rand) time.Duration { return timing.gExit }}, // the seed's sleep(1.5)
		}
		for i, s := range scripts {
			w := &execWatch{rep: rep, what: fmt.Sprintf("round %d, %s", round, s.name)}
			var sys execSystem
			var err error
			if cfg.Impl == Naive {
				sys, err = naiveExecutor(w, s.workers, s.window)
			} else {
				sys, err = paddockExecutor(w, s.workers)
			}
			if err != nil {
				return err
			}
			exitAfter := s.exitAfter(rng(cfg.Seed, round, i))
			if !execRound(w, sys, timing, s.body, exitAfter) {
				return nil // a hang: the stuck goroutines are abandoned
			}
		}
		cfg.progress(round+1, cfg.Rounds)
	}
	return nil
}

// execScript is one script of the seed: its pool size, the naive port's
// widened window, its body, and when the main goroutine finalizes after
// starting it.
type execScript struct {
	name      string
	workers   int
	window    time.Duration
	body      func(w *execWatch, sys execSystem, t execTiming, accept func(execFuture))
	exitAfter func(rnd *rand.Rand) time.Duration
}

// scriptCallback is bpo-31783's first script: f submits a sleeping task
// and adds itself as its done-callback, so each finished task submits the
// next; it stops when a submit fails (Python's RuntimeError).
func scriptCallback(w *execWatch, sys execSystem, t execTiming, accept func(execFuture)) {
	var f func()
	f = func() {
		fut, err := sys.submit(w.task(func() { time.Sleep(t.taskSleep) }))
		if err != nil {
			return
		}
		accept(fut)
		fut.onDone(f)
	}
	f()
}

// scriptG is the second script: g, itself a task, submits 100 tasks
// gInterval apart, stopping at the first refused submit.
func scriptG(w *execWatch, sys execSystem, t execTiming, accept func(execFuture)) {
	g, err := sys.submit(w.task(func() {
		for range 100 {
			fut, err := sys.submit(w.task(func() {}))
			if err != nil {
				return
			}
			accept(fut)
			time.Sleep(t.gInterval)
		}
	}))
	if err == nil {
		accept(g)
	}
}

// execRound runs one script: the script starts, the main goroutine sleeps
// exitAfter and finalizes, and the detectors look at what Finalize left. It
// reports false on a hang.
func execRound(w *execWatch, sys execSystem, t execTiming,
	body func(*execWatch, execSystem, execTiming, func(execFuture)), exitAfter time.Duration) bool {
	var mu sync.Mutex
	var accepted []execFuture
	accept := func(f execFuture) {
		mu.Lock()
		accepted = append(accepted, f)
		mu.Unlock()
	}
	body(w, sys, t, accept)
	time.Sleep(exitAfter)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer recoverInto(w.rep, w.what+": Finalize")
		ctx, cancel := context.WithTimeout(context.Background(), t.hangAt)
		defer cancel()
		if err := sys.finalize(ctx); err != nil {
			w.rep.violation(KindHang, "%s: Finalize: %v", w.what, err)
		}
	}()
	if ok, _ := waitDone(context.Background(), w.rep, done, t.hangAt+time.Second, w.what+": Finalize"); !ok {
		return false
	}
	w.finalized.Store(true)
	if n := sys.alive(); n > 0 {
		w.rep.violation(KindNotJoined, "%s: %d workers alive when Finalize returned", w.what, n)
	}
	if n := w.running.Load(); n > 0 {
		w.rep.violation(KindRunningAfter, "%s: %d tasks running when Finalize returned", w.what, n)
	}
	cleaned := make(chan struct{})
	go func() {
		defer close(cleaned)
		sys.cleanup()
	}()
	if ok, _ := waitDone(context.Background(), w.rep, cleaned, t.hangAt, w.what+": cleanup"); !ok {
		return false
	}
	mu.Lock()
	defer mu.Unlock()
	unresolved := 0
	for _, f := range accepted {
		if !f.isDone() {
			unresolved++
		}
	}
	if unresolved > 0 {
		w.rep.violation(KindUnresolved, "%s: %d of %d accepted futures never resolved", w.what, unresolved, len(accepted))
	}
	return true
}
