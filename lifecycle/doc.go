// Package lifecycle is the process runtime of paddock: goroutines tracked
// as CPython tracks threads (daemon or not), exit hooks, and a [Runtime.Finalize]
// that shuts them down in CPython's order without letting a daemon goroutine
// touch state that finalization released. [Run] is the recommended main.
//
// # The problem
//
// Go has no atexit, and returning from main kills every goroutine wherever
// it is: a half-written file, a held lock, a request cut in two. CPython
// faced the same with daemon threads and needed five fixes over nine years
// (shared/seeds/cpython-gil-daemon-finalization.txt): refuse new threads,
// join the non-daemon ones, run the exit hooks, then stop daemon threads at
// a safe point, where "must exit" is read from an atomic runtime flag and
// never from the thread state that finalization frees.
//
// # Finalize's order
//
//  1. begun is set: Go, GoDaemon, AtExit and BeforeJoin return [ErrFinalizing];
//  2. BeforeJoin hooks run, last-in first-out (CPython's
//     threading._register_atexit, where concurrent.futures' _python_exit
//     shuts executors down so that their workers can be joined);
//  3. non-daemon goroutines are joined; if ctx ends first, Finalize reports a
//     [*JoinError] naming those still running, and skips step 4;
//  4. AtExit hooks run, last-in first-out; errors are joined with
//     errors.Join and panics become errors;
//  5. the finalizing flag is set (atomic);
//  6. daemon threads are marked SHUTTING_DOWN and those waiting (in
//     [Thread.Sleep], gil.Lock.Acquire, or on [Thread.Stopping]) are woken;
//  7. their thread states are released. A thread that holds a lock at
//     that moment (by [Thread.Attach], or a lock registered with
//     [Runtime.RegisterLock]) keeps its state until it gives the lock back.
//
// # Why it is correct
//
// begun is set under the mutex that Go and GoDaemon hold to register a
// goroutine, so a goroutine is either registered before the join takes its
// snapshot, and joined, or refused with ErrFinalizing: no goroutine starts
// unseen, which is the executor shutdown race of
// shared/seeds/cpython-threadpool-shutdown-race.txt. The finalizing flag is
// written with a sequentially consistent atomic store after the AtExit hooks
// returned, and every safe point ([Thread.CheckExit], [Thread.Sleep],
// gil.Lock.Acquire) loads it and reads nothing else of the thread's state;
// so a daemon that reaches a safe point after step 5 stops there. The
// SHUTTING_DOWN mark and the release are bits of one atomic word per thread,
// changed by atomic read-modify-writes: [Thread.Attach] (taking a lock)
// refuses a SHUTTING_DOWN thread, and the release skips an attached one, so
// a thread can never be attached with a released state.
//
// A lock registered with [Runtime.RegisterLock] (gil.Lock) writes no bit:
// its lock word naming the thread is the attached state, and Finalize asks
// the lock (a load of its word) before releasing. Finalize marks every
// daemon SHUTTING_DOWN after setting the flag, and asks after marking; the
// lock names the thread, then loads the flag (and gives the lock back if it
// is set), and stops naming it, then loads the bits ([Thread.Unlocked]).
// All of these are sequentially consistent atomics, so in each pair one side
// sees the other: a thread whose lock Acquire missed the flag is seen
// holding, and is not released under it; a holder that Finalize saw holding
// sees SHUTTING_DOWN when it gives the lock back, and releases its state
// itself. The release is a compare-and-swap that sets the bit once, so when
// both sides release, one does and the other finds it done. The gil package
// doc has the full argument. A use that is wrong anyway
// ([Thread.Detach] of a released state) panics with a message naming the
// thread: it is reported, never silent.
//
// # Stopped daemons park; they do not unwind
//
// A daemon that must exit is parked at its safe point: its goroutine
// blocks and its deferred calls do not run. This is CPython 3.14's answer
// (gh-87135): ending such threads with PyThread_exit_thread ran their
// cleanup code (finally blocks, destructors) against a runtime that
// finalization had already torn down. runtime.Goexit would do the same in
// Go: the deferred calls of a daemon would run after the AtExit hooks
// closed the files, connections and loggers they use, concurrently with the
// rest of the shutdown. Parking makes the rule simple: after step 5 a daemon
// runs no more of its own code once it reaches a safe point; the only code
// that runs there is the [Runtime.OnStop] hooks, with which a lock gives
// back what the parked goroutine still holds (a goroutine parked holding a
// lock would hang every thread that waits for it). The program
// then exits ([Run] returns and main calls os.Exit), which ends parked
// goroutines as it ends all others.
//
// Every goroutine has an owner, though, and a program (or a test, which
// goleak checks) that keeps running after finalizing a runtime of its own
// calls [Runtime.Reap]: it ends the parked goroutines with runtime.Goexit
// and waits for every goroutine the runtime started. Their deferred calls
// run then, at a moment the program chose.
//
// # Panics and errors
//
// Misuse panics with the prefix "lifecycle: " (nil functions, Reap before
// Finalize, Attach twice or by the holder of a registered lock, Detach of a
// thread that is not attached or whose state was released). Runtime
// conditions return errors: [ErrFinalizing], [*JoinError], a hook's error. A
// panic in a goroutine started by Go or GoDaemon is not recovered: as for
// any goroutine, it ends the program. A panic in a hook becomes an error of
// Finalize, which wraps the panic value when it is an error. A hook that calls runtime.Goexit ends the goroutine running
// Finalize, and the hooks after it do not run; Finalize still completes
// its last steps (daemons stop) and its result names that hook. A thread
// whose goroutine ends holding a lock registered with the runtime (the
// gil) gives it back through the [Runtime.OnStop] hooks.
//
// # Example
//
//	func main() { os.Exit(lifecycle.Run(run)) }
//
//	func run(ctx context.Context) error {
//		rt := lifecycle.Default()
//		rt.AtExit(func(context.Context) error { return logFile.Sync() })
//		err := rt.GoDaemon("ticker", func(t *lifecycle.Thread) {
//			for {
//				refresh()
//				t.Sleep(time.Second) // a safe point: it stops here after step 5
//			}
//		})
//		if err != nil {
//			return err
//		}
//		<-ctx.Done() // serve until SIGINT or SIGTERM; then Run finalizes
//		return nil
//	}
//
// As in CPython, daemons keep running until step 5, so they may still run
// while the AtExit hooks do; from step 5 on, a daemon that reaches a safe
// point runs none of its own code.
package lifecycle
