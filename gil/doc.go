// Package gil is CPython's global interpreter lock done right for Go: a
// fair lock for the threads of a [lifecycle.Runtime], with CPython's switch
// interval, that never returns to a thread that must exit.
//
// # The problem
//
// CPython's take_gil checked whether a daemon thread must exit only before
// waiting for the GIL (shared/seeds/cpython-gil-daemon-finalization.txt).
// A daemon that passed that check and was waiting when the runtime
// finalized took the GIL afterwards and used its thread state, which
// finalization had freed: crashes (0xdddddddddddddddd in tstate->interp) and
// hangs. The final fix checks "must exit" before waiting, while waiting and
// after taking the lock. internal/naive keeps the single-check version, and
// this package's tests show that their detectors catch it.
//
// # Design
//
// The lock word is the holder's [lifecycle.Thread.ID] shifted left by one,
// with a contended bit set while threads are queued; it is 0 when free. It
// is taken by compare-and-swap from 0, and it is also the thread's attached
// state: holding the lock is what makes [lifecycle.Thread.State] report
// ATTACHED ([New] registers the lock with [lifecycle.Runtime.RegisterLock]),
// so Acquire and Release never write the thread's state word. An
// uncontended Acquire and Release cost two locked instructions, the
// compare-and-swap that takes the word and the one that frees it, as
// sync.Mutex's Lock and Unlock.
//
// A thread that finds the lock held takes the lock's mutex and either takes
// the word (it was freed meanwhile) or sets the contended bit, each with a
// compare-and-swap, and queues. Release frees the word with a
// compare-and-swap from its uncontended value, so it fails once the bit is
// set; exactly one of the two compare-and-swaps succeeds, which is why no
// waiter stays queued behind a free lock (an earlier version kept the
// waiters in a separate count and needed a Dekker pair between the two
// words; one word needs no such argument, and saves a load on each side).
// When the bit is set, Release takes the mutex and hands the lock directly
// to the longest waiter (FIFO), keeping the bit if others still wait; the
// hand-off happens before the waiter is woken, so a releasing thread cannot
// take it back. A free word never carries the bit, so a newcomer can only
// take the lock when nobody is queued: no barging.
//
// A queued thread waits on a waiter of its own: a one-slot channel that the
// hand-off sends on, and the switch-interval timer. Waiters are reused
// through a sync.Pool, and go back only when no hand-off can reach them any
// more, so a contended Acquire allocates nothing. Measured with
// BenchmarkHandoff (every turn a hand-off), benchstat over 6 interleaved
// runs on the README's machine at 0dbe13f: 6 allocations and 384 bytes a hand-off
// before, none now, and 1.3, 1.6 and 1.8 µs a hand-off at -cpu 1, 2 and 8
// became 0.72, 0.90 and 0.91 µs.
//
// A waiter that waits a whole switch interval ([Lock.SetSwitchInterval],
// 5 ms by default, as CPython's sys.setswitchinterval) with no hand-off sets
// a drop request. The holder sees it at its next [Lock.Yield] (the eval
// loop's check: three atomic loads when nothing is asked), hands the lock to
// the head of the queue and queues behind: CPython's FORCE_SWITCHING, by
// construction. [Lock.Stats] counts Switches, ForcedSwitches, DropRequests
// and the longest wait.
//
// # Finalization
//
// [Lock.Acquire] checks "must exit" three times, and each check reads only
// the runtime's atomic finalizing flag, never the thread state:
//
//   - before waiting: a daemon of a finalizing runtime is stopped at once;
//   - while waiting: finalization closes [lifecycle.Thread.Stopping], which
//     wakes the waiter; it leaves the queue (or, if the lock was handed to it
//     meanwhile, hands it on) and is stopped;
//   - after taking the lock: the flag is read once more, and if it is set
//     the lock is given back before the thread is stopped.
//
// So a SHUTTING_DOWN thread never returns from Acquire holding the lock
// (the flag is set before any thread is marked).
//
// A non-daemon thread is never stopped, but one still running once the
// runtime finalizes (Finalize gave up waiting for it) gets ErrFinalizing
// from Acquire. If it holds the lock it keeps it: its Yield returns nil
// without dropping it, since it could not take it back and every other
// thread's Acquire fails or parks by then, and its Release works.
//
// No thread state is used after its release, although Acquire and Release
// never touch it: Finalize releases a daemon's state only after asking this
// lock (the probe registered by [New]) whether the daemon holds it, and a
// holder's state is left to its Release. Two Dekker pairs, all of whose
// operations are sequentially consistent atomics (Go's sync/atomic), make
// that safe:
//
//   - Acquire writes the word (its compare-and-swap), then loads the
//     finalizing flag; Finalize stores the flag, then loads the word. If
//     Acquire's load misses the flag, it comes before the store in the total
//     order of atomics, so Finalize's later load sees t named in the word
//     (or a later word, after t gave the lock back, which is the next case)
//     and does not release t's state. If the load sees the flag, t gives the
//     lock back and stops without using its state, which Finalize may have
//     released meanwhile: the word named t, but Acquire never returned.
//   - Release writes the word (the compare-and-swap that frees it, or the
//     store of a hand-off), then loads t's state bits
//     ([lifecycle.Thread.Unlocked]); Finalize marks t SHUTTING_DOWN (an
//     atomic OR on the bits), then loads the word. If Finalize saw t
//     holding, its load came before Release's write, so Release's load
//     comes after the mark, sees SHUTTING_DOWN and releases the state. Both
//     may release it: the release is a compare-and-swap that succeeds once.
//
// Every path that stops naming t in the word (Release, Yield, the give-backs
// of check 3, of a hand-off received while woken by finalization, and of the
// OnStop hook) calls Unlocked after it. So a state is released exactly
// once, never while its thread holds the lock past check 3, and always by
// the time the thread is stopped and out of the lock.
//
// A daemon stopped at one of lifecycle's own safe points
// ([lifecycle.Thread.Sleep], [lifecycle.Thread.CheckExit]) while it holds
// the lock gives it back before it parks: [New] registers that with
// [lifecycle.Runtime.OnStop]. The same hook gives the lock back when a
// thread's goroutine ends holding it (it returned, panicked or called
// runtime.Goexit without a Release), as an exiting CPython thread drops the
// GIL, rather than leave every other thread waiting for a thread that is
// gone. A stopped thread parks
// (see the lifecycle package doc for why it does not unwind); a deferred
// Release that runs when the runtime is reaped does nothing, since the stop
// already gave the lock back. A non-daemon thread still running after its
// runtime finalized (Finalize gave up waiting for it) is not stopped:
// Acquire returns an error wrapping [lifecycle.ErrFinalizing] (or panics, as
// before finalization, if that thread holds the lock already).
//
// # Panics
//
// Misuse panics with the prefix "gil: ": Release or Yield by a thread that
// does not hold the lock (except a thread finalization stopped, in a
// deferred call: Release does nothing and Yield stops it again), Acquire
// by a thread that holds it already, and Acquire, Release or Yield with a
// nil thread or one that belongs to another runtime (thread IDs are unique
// within one runtime only).
//
// # Example
//
//	l := gil.New(rt)
//	rt.Go("worker", func(t *lifecycle.Thread) {
//		if err := l.Acquire(t); err != nil {
//			return
//		}
//		for _, item := range items {
//			process(item)
//			if err := l.Yield(t); err != nil { // lets waiters in
//				return
//			}
//		}
//		l.Release(t)
//	})
package gil
