// Package executor is Python's concurrent.futures for Go: an [Executor]
// runs tasks on a bounded set of worker goroutines and returns a [Future]
// for each; [Wait], [AsCompleted] and [Map] combine futures. It is built so
// that the shutdown race of CPython's ThreadPoolExecutor (bpo-31783: a
// worker started after the interpreter's exit hook took its snapshot of the
// threads, never joined, running while the runtime is torn down) cannot
// happen, by construction rather than by luck.
//
// # The flow of a task
//
// [Submit] allocates one object, the Future with its task inside, and
// queues it (PENDING). A worker pops it, moves it to RUNNING with a
// compare-and-swap, runs it and stores the value or error (FINISHED), then
// wakes what listens: the Done channel, the done-callbacks, the waiters of
// Wait and AsCompleted. [Future.Cancel] moves PENDING to CANCELLED with the
// same compare-and-swap, so a task either runs or is cancelled, never both,
// and every accepted future reaches exactly one final state. A task's panic
// becomes the future's [*PanicError] (with the stack; Unwrap gives the value
// when it is an error) and the worker goes on; a task that calls
// runtime.Goexit ends its worker, which fails the future and is replaced. A
// done-callback that calls runtime.Goexit ends its worker too, but leaves
// the future as its task finished it. After shutdown began no replacement
// may start, so when the last worker ends that way the futures still queued
// are cancelled (even without CancelFutures) before the executor
// terminates. A done-callback that calls runtime.Goexit while a shutdown, a
// DiscardOldest submission or a broken pool resolves queued futures ends
// that goroutine only after the futures queued behind were resolved too.
//
// # Why no worker can start after shutdown began
//
// One mutex, Executor.mu, covers the whole submit protocol: the state check,
// the enqueue, and the decision to wake an idle worker or start a new one
// (the lifecycle.Runtime.Go call itself). Every change of the run state
// (Shutdown, ShutdownNow, a broken initializer, and the runtime's BeforeJoin
// hook, which is CPython's _python_exit) happens under the same mutex. So
// the two orders are the only ones: either the shutdown comes first and the
// submission sees it and fails with [ErrShutdown] or [ErrFinalizing], or the
// submission, with its worker start, comes first and the shutdown then sees
// that worker in its count and waits for it. There is no window between
// "checked" and "started" for a shutdown to fall into; this is CPython's
// _global_shutdown_lock fix, and Java's re-check after enqueue is not
// needed because the enqueue is inside the same critical section.
// The runtime adds the second half: Runtime.Go refuses a goroutine once
// Finalize began and Finalize joins every goroutine Go accepted, so a worker
// is either joined or never started. When the runtime refuses the first
// worker, the task is taken back out of the queue and Submit fails.
//
// Memory model: the unlock at the end of a submission happens before the
// lock under which a worker moves the queued tasks to the workers' ring
// (see below), which happens before the lock under which a worker pops the
// task, so the task's fields written by Submit are visible to the worker;
// the task's outcome is written before the future's state is stored (a
// sequentially consistent atomic), and every reader loads that state first.
//
// # The queue: two rings, two locks
//
// The queue is two FIFO rings. Submissions push on the newer one, in,
// under Executor.mu, as part of the protocol above. Workers pop from the
// older one, out, under a second mutex, takeMu, and count the outcome of the
// task they just ran in the same critical section. Only a worker that finds
// out empty takes mu: it moves the whole of in to out by swapping the two
// rings (out's empty buffer becomes in's, so nothing is copied or
// allocated). Every task in out is older than every task in in, so the
// order stays FIFO. Lock order: mu before takeMu, never the other way.
//
// This is the two-lock queue of Java's LinkedBlockingQueue, for the same
// reason: with one lock, the submitter and every worker took the same
// mutex once per task, and at -cpu 2 with the default six workers more than
// half of the CPU profile was that mutex's Lock and Unlock (with lockSlow
// and the semaphore under them). Measured on the 2-core machine of the README with
// BenchmarkSubmitResult, benchstat over 5 interleaved runs: 336 ns a task
// with one lock, 208 ns with two (-38%); 332 -> 278 ns at -cpu 8; no change
// at -cpu 1. Workers taking several tasks per lock were measured too and
// made -cpu 2 slower (194 -> 224 ns), so a worker takes one task at a time.
//
// A submission decides whether to wake or start a worker (dispatch) by the
// tasks no worker is about to take: len(in) plus len(out) minus the workers
// started or woken that have not looked at the queue yet. It reads len(out)
// from outLen, an atomic that is at least len(out) whenever mu is held: it
// rises only under mu, when in moves to out, and falls when out empties. An
// excess only wakes or starts a worker that finds nothing to do; a shortfall
// could leave a task with no worker, which is why out is counted at all
// (TestQueuedBehindBusyWorkersGetAWorker). Shutdown, ShutdownNow, a broken
// pool and Stats take both locks and see both rings; a worker ended by
// runtime.Goexit puts out back in front of in before the replacement is
// dispatched. A worker that finds out empty while holding takeMu could also
// swap there, taking mu with TryLock (which never waits, so the other lock
// order cannot deadlock); measured, it changed nothing (207 against 206 ns
// a task, 6 interleaved runs), so it is not in.
//
// # Memory per task
//
// At -cpu 2 a no-op task's cost is mostly memory. In the bench module's
// BenchmarkExecutor a task (with a 48-byte future then) took 135 ns at
// GOGC=400 against 220 ns at the default GOGC=100, and the allocator, the
// garbage collector and the runtime's scavenger (returning the freed heap to
// the OS, which then faults it back in) take over a third of the CPU
// profile. So the future is kept small: 32 bytes for a Future[int] (see the
// core type for how), and it is the only allocation of a submission. A task
// that fails allocates its error's box too (16 bytes): the error is kept
// behind a pointer, in the word that held the task, so that a task that
// succeeds does not pay for an interface's two words. Going from 48 to 32
// bytes took a task from 223 to 190 ns in BenchmarkExecutor and from 182 to
// 148 ns in BenchmarkSubmitResult (-cpu 2, 10 interleaved runs each). The
// same runs vary with the machine's moment: with 48-byte futures, two -count
// 8 runs 45 minutes apart gave a median of 229 and 211 ns a task at -cpu 2,
// and single runs went from 128 to 245.
//
// At -cpu 2 the submitter is the bottleneck. BenchmarkSubmitResult reports
// its two loops apart (these figures are with 48-byte futures; with 32-byte
// ones Submit took 107 ns and Result 26, -count 6): Submit took 156 to 159
// ns a task while the workers ran the tasks, Result 23 to 26 ns (4 runs; at
// -cpu 1, 67 to 74 and 50 to 53). BenchmarkSubmitBehindBusyWorkers runs the
// same Submit loop with every worker held in a task: 97 to 101 ns (67 to 70
// at -cpu 1). So the running workers add about 57 ns to each submission, and
// that is not lock waiting: a block profile of BenchmarkSubmitResult shows
// the submitter blocked for about 3% of the run (0.07 s of 3.3 s on mu).
// Less than half of it is the collector: at GOGC=400 the gap was still about
// 35 ns (97 to 104 against 65 to 66 ns, 3 runs). What is left is the two
// CPUs sharing memory: the queue's slots and the futures are written on both
// sides. A submit path without mu (a lock-free list of tasks) would take out
// at most mu's two locked instructions of those 57 ns, and its link would
// take a Future[int] from the 32- to the 48-byte size class; it was not
// built. (Those figures were taken with 48-byte futures.)
//
// Fewer workers would be faster for such tasks: on 2 CPUs the same
// benchmark with MaxWorkers 2 instead of the default 6 took 118 to 149 ns a
// task against 131 to 165 (5 interleaved runs, 10 to 14% less each time):
// with the submitter on one CPU, one worker at a time can run, and the
// others only take turns, park and get woken. The default stays CPython's
// min(32, GOMAXPROCS+4), because extra workers are what keeps tasks that
// block from holding up the queue, and telling a task that blocks from one
// that runs would take timing them, as Go's runtime times system calls.
// Two smaller fixes were measured and left out: a worker that runs dry
// spinning a little before it parks (slower: its extra trips to mu cost
// more than the wakes saved), and letting a draining worker, not the
// submitter, wake the idle ones, so that the woken goroutine lands on a
// worker's P rather than the submitter's (about 6% less a task, wakes 4.2
// -> 1.7 per 1000 tasks, but safe only with a timer that wakes workers
// when the draining ones are stuck in tasks that block).
//
// # Workers
//
// Workers are non-daemon goroutines of the executor's lifecycle.Runtime
// (see [WithRuntime]), started lazily: a submission first wakes an idle
// worker (CPython gh-102024), else starts a new one while fewer than
// MaxWorkers exist, else leaves the task to a busy worker. A worker
// goroutine counts against MaxWorkers from the moment it is started until
// its last step under the mutex, so there are never more than MaxWorkers
// workers; in that last step a goroutine that gave up its place looks at
// the queue once more and takes its place back if a task was queued
// meanwhile, instead of leaving it to a new goroutine. After that step the
// goroutine runs no task and touches nothing of the executor: it only
// returns, so for an instant it may still exist beside a new worker that
// took its place. Idle workers park on a channel of their own and exit
// after [WithIdleTimeout], or at shutdown once the queue is empty.
// Shutdown with Wait returns only after every worker goroutine took its
// last step.
//
// # Observing the protocol
//
// The executor's tests and paddock verify watch the same protocol edges: a
// worker goroutine started (under mu, just after the runtime accepted it),
// a worker starting, a worker no longer counting, and the shutdown beginning
// (under mu). The hooks live in internal/exechook rather than in a test
// file, so that internal/scenario can check "no worker started after
// shutdown" at the very points where the executor starts workers and begins
// shutting down, as the naive port's check sits where Python 3.8 starts a
// thread. The package is internal: programs cannot install hooks. This adds
// the import edge executor -> internal/exechook to shared/DESIGN.md's
// graph; exechook imports nothing.
//
// # Panics and errors
//
// Misuse (a nil task, a nil callback, Map with a nil executor, input or
// function, Wait with an invalid mode) panics with the prefix "executor:".
// Runtime conditions are errors: [ErrShutdown], [ErrFinalizing] (which is
// also ErrShutdown and lifecycle.ErrFinalizing for errors.Is), [ErrBroken],
// [ErrRejected], [ErrCancelled], [ErrInvalidState]. A panicking
// done-callback is recovered and logged with log/slog.
//
// Example:
//
//	e, err := executor.New(executor.WithMaxWorkers(4))
//	if err != nil {
//		return err
//	}
//	defer e.Shutdown(ctx, executor.ShutdownOptions{Wait: true})
//	f, err := executor.Submit(e, func(ctx context.Context) (int, error) { return 6 * 7, nil })
//	if err != nil {
//		return err
//	}
//	v, err := f.Result(ctx) // 42, nil
package executor
