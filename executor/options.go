package executor

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/lifecycle"
)

// Rejection says what a submission does when the bounded queue (see
// [WithQueueSize]) is full and no worker can take the task.
type Rejection int

const (
	// Abort refuses the task: Submit returns [ErrRejected].
	Abort Rejection = iota
	// CallerRuns runs the task in the submitting goroutine before Submit
	// returns its (finished) future, which slows the producer down. That
	// goroutine is not a worker: Shutdown's Wait does not wait for it.
	CallerRuns
	// DiscardOldest cancels the oldest queued future that no worker was
	// started or woken for (as Java's policy never drops a new worker's
	// first task) and queues the task.
	DiscardOldest
)

// String returns the policy's name, as in "CallerRuns".
func (r Rejection) String() string {
	switch r {
	case Abort:
		return "Abort"
	case CallerRuns:
		return "CallerRuns"
	case DiscardOldest:
		return "DiscardOldest"
	}
	return fmt.Sprintf("Rejection(%d)", int(r))
}

// An Option configures an [Executor] in [New]. Options are applied in
// order and frozen once New returns.
type Option interface{ apply(*config) error }

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

type config struct {
	maxWorkers  int
	name        string
	initializer func(context.Context) error
	queueSize   int // 0: unbounded
	rejection   Rejection
	idleTimeout time.Duration // 0: idle workers stay
	rt          *lifecycle.Runtime
}

var executorCounter atomic.Int64 // numbers default worker name prefixes

func defaultConfig() config {
	return config{
		maxWorkers: min(32, runtime.GOMAXPROCS(0)+4),
		name:       fmt.Sprintf("executor-%d", executorCounter.Add(1)-1),
	}
}

// DefaultMaxWorkers returns min(32, GOMAXPROCS+4), the default of
// [WithMaxWorkers] (CPython's min(32, os.cpu_count() + 4)).
func DefaultMaxWorkers() int { return min(32, runtime.GOMAXPROCS(0)+4) }

// WithMaxWorkers bounds the number of workers; n must be greater than 0.
func WithMaxWorkers(n int) Option {
	return optionFunc(func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("executor: WithMaxWorkers(%d): max workers must be greater than 0", n)
		}
		c.maxWorkers = n
		return nil
	})
}

// WithName names the workers prefix_0, prefix_1, ...: the names of their
// lifecycle threads and the value of their "executor.worker" pprof label
// (see [WorkerName]). The default prefix is "executor-K", K counting the
// executors of the process.
func WithName(prefix string) Option {
	return optionFunc(func(c *config) error {
		if prefix == "" {
			return fmt.Errorf("executor: WithName: prefix must not be empty")
		}
		c.name = prefix
		return nil
	})
}

// WithInitializer runs fn at the start of every worker, before it takes a
// task. If fn returns an error the pool is broken: the queued futures
// finish with an error wrapping [ErrBroken] and the cause, and so do later
// submissions (unless shutdown had begun: they then keep failing with its
// error, [ErrShutdown] or [ErrFinalizing]).
func WithInitializer(fn func(context.Context) error) Option {
	return optionFunc(func(c *config) error {
		if fn == nil {
			return fmt.Errorf("executor: WithInitializer: initializer must not be nil")
		}
		c.initializer = fn
		return nil
	})
}

// WithQueueSize bounds the tasks waiting for a worker to n (n greater than
// 0); what happens beyond is set by [WithRejection]. The default is an
// unbounded queue. A future cancelled while queued keeps its place until a
// worker reaches it and drops it, as in Java's ThreadPoolExecutor (where
// purge removes them sooner), so it counts against n.
func WithQueueSize(n int) Option {
	return optionFunc(func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("executor: WithQueueSize(%d): queue size must be greater than 0", n)
		}
		c.queueSize = n
		return nil
	})
}

// WithRejection sets the policy for a full bounded queue: [Abort] (the
// default), [CallerRuns] or [DiscardOldest].
func WithRejection(r Rejection) Option {
	return optionFunc(func(c *config) error {
		if r < Abort || r > DiscardOldest {
			return fmt.Errorf("executor: WithRejection(%d): rejection must be Abort, CallerRuns or DiscardOldest", int(r))
		}
		c.rejection = r
		return nil
	})
}

// WithIdleTimeout makes a worker that stayed idle for d exit (d greater
// than 0). By default idle workers stay until shutdown.
func WithIdleTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("executor: WithIdleTimeout(%v): idle timeout must be greater than 0", d)
		}
		c.idleTimeout = d
		return nil
	})
}

// WithRuntime sets the lifecycle.Runtime whose non-daemon goroutines the
// workers are, and whose Finalize shuts the executor down before joining
// them (the default is lifecycle.Default()).
func WithRuntime(rt *lifecycle.Runtime) Option {
	return optionFunc(func(c *config) error {
		if rt == nil {
			return fmt.Errorf("executor: WithRuntime: runtime must not be nil")
		}
		c.rt = rt
		return nil
	})
}
