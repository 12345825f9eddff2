package gil

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// DefaultSwitchInterval is CPython's default switch interval
// (sys.getswitchinterval() == 0.005).
const DefaultSwitchInterval = 5 * time.Millisecond

// waiter is one thread queued in Acquire.
type waiter struct {
	t     *lifecycle.Thread
	ready chan struct{} // closed when the lock was handed to t
}

// A Lock is a fair global interpreter lock for the threads of one
// [lifecycle.Runtime]: one holder at a time, a switch interval after which a
// waiter asks the holder to drop the lock, FIFO hand-off, and an Acquire that
// never returns the lock to a thread that must exit.
//
// The zero value is not usable: use [New]. A Lock must not be copied. Its
// methods are safe for concurrent use; each call passes the calling
// goroutine's own thread.
//
// Memory model: a Release (or the drop inside a Yield) synchronizes before
// the Acquire that next obtains the lock, as for sync.Mutex.
type Lock struct {
	_ noCopy

	rt          *lifecycle.Runtime // immutable
	holder      atomic.Uint64      // the lock word: the holder's Thread.ID, 0 when free; written by Acquire, drop and hand-off; read by lifecycle's probe (holds)
	waiters     atomic.Int32       // threads queued or about to queue; written under mu
	dropRequest atomic.Bool        // set by a waiter, cleared at a hand-off; read by Yield
	interval    atomic.Int64       // the switch interval in ns; written by SetSwitchInterval

	mu       sync.Mutex // guards queue and the counters below
	queue    []*waiter  // FIFO of waiting threads
	switches uint64     // hand-offs from a holder to a waiter
	forced   uint64     // hand-offs caused by a drop request
	drops    uint64     // drop requests set
	longest  time.Duration
}

type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// New returns an unheld Lock for the threads of rt, with the default switch
// interval.
func New(rt *lifecycle.Runtime) *Lock {
	if rt == nil {
		panic("gil: nil runtime")
	}
	l := &Lock{rt: rt}
	l.interval.Store(int64(DefaultSwitchInterval))
	rt.OnStop(l.stopped)
	rt.RegisterLock(l.holds)
	return l
}

// holds is the probe registered with lifecycle.Runtime.RegisterLock: holding
// the lock is what makes t ATTACHED (see the package doc).
func (l *Lock) holds(t *lifecycle.Thread) bool { return l.holder.Load() == t.ID() }

// unlock gives the lock up for t, which holds it, then lets lifecycle
// release t's state if finalization left it to this moment: drop's write to
// the lock word comes before Unlocked's load of t's state (see the package
// doc).
func (l *Lock) unlock(t *lifecycle.Thread) {
	l.drop(t.ID())
	schedpoint.Point("gil.unlock.afterDrop")
	t.Unlocked()
}

// stopped runs on a daemon's goroutine when finalization stops it at a safe
// point of lifecycle (Thread.Sleep, Thread.CheckExit) while it still holds
// the lock: the lock is given back before the goroutine parks. The stops
// inside Acquire and Yield give it back themselves, first. Only t's own
// goroutine makes t the holder (a hand-off to t happens while t waits in
// Acquire, which is not a safe point of lifecycle), so the test is stable.
func (l *Lock) stopped(t *lifecycle.Thread) {
	if l.holder.Load() == t.ID() {
		l.unlock(t)
	}
}

// SetSwitchInterval sets how long a waiter waits with no switch before it
// asks the holder to drop the lock. d must be strictly positive.
func (l *Lock) SetSwitchInterval(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("gil: SetSwitchInterval(%v): switch interval must be strictly positive", d)
	}
	l.interval.Store(int64(d))
	return nil
}

// SwitchInterval returns the switch interval.
func (l *Lock) SwitchInterval() time.Duration { return time.Duration(l.interval.Load()) }

// Holder returns the thread holding the lock, or nil.
func (l *Lock) Holder() *lifecycle.Thread {
	if id := l.holder.Load(); id != 0 {
		return l.rt.Thread(id)
	}
	return nil
}

// Stats are a Lock's counters since New: a plain value, copied freely.
type Stats struct {
	Switches       uint64        // hand-offs of the lock from its holder to a waiting thread
	ForcedSwitches uint64        // hand-offs made because a waiter asked the holder to drop
	DropRequests   uint64        // times a waiter waited a whole interval and asked for a drop
	LongestWait    time.Duration // the longest time a thread waited in Acquire
}

// Stats returns a consistent snapshot of the lock's counters.
func (l *Lock) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Switches: l.switches, ForcedSwitches: l.forced, DropRequests: l.drops, LongestWait: l.longest}
}

func (l *Lock) check(t *lifecycle.Thread, op string) {
	if t == nil || t.Runtime() != l.rt {
		l.badThread(t, op)
	}
}

func (l *Lock) badThread(t *lifecycle.Thread, op string) {
	if t == nil {
		panic("gil: " + op + " with a nil thread")
	}
	panic(fmt.Sprintf("gil: %s by thread %q of another runtime", op, t.Name()))
}

// Acquire takes the lock for t, the calling goroutine's thread, waiting
// behind earlier waiters. When t must exit (a daemon of a finalizing
// runtime), Acquire stops the goroutine instead, whether that is seen before
// waiting, while waiting (finalization wakes it) or after obtaining the lock
// (which it then gives back first): a SHUTTING_DOWN thread never returns
// from Acquire holding the lock. A non-daemon thread still running after its
// runtime finalized gets an error wrapping [lifecycle.ErrFinalizing]. It
// panics if t already holds the lock.
//
// The uncontended path runs straight through: a load of the finalizing flag,
// the compare-and-swap of the lock word, and the flag again. Every other case
// is a function of its own, so that the path stays short.
func (l *Lock) Acquire(t *lifecycle.Thread) error {
	// Check 1, before waiting: reads only the runtime's atomic flag.
	if t == nil || t.Runtime() != l.rt || l.rt.Finalizing() {
		return l.acquireRefused(t)
	}
	schedpoint.Point("gil.acquire.afterCheck")
	if !l.holder.CompareAndSwap(0, t.ID()) && !l.acquireSlow(t) {
		return l.exitIfFinalizing(t)
	}
	schedpoint.Point("gil.acquire.afterTake")
	// Check 3, after obtaining the lock: the lock word names t (a
	// sequentially consistent write), then the flag is loaded. Finalize
	// sets the flag, then loads the word before releasing t's state: if
	// this load misses the flag, Finalize sees t holding and leaves t's
	// state alone (the package doc has the argument).
	if l.rt.Finalizing() {
		return l.unlockAndExit(t)
	}
	return nil
}

// acquireRefused is Acquire by a nil thread or one of another runtime
// (which panics), or at check 1 by a thread of a finalizing runtime.
func (l *Lock) acquireRefused(t *lifecycle.Thread) error {
	l.check(t, "Acquire")
	return l.exitNow(t)
}

// acquireSlow is Acquire when the lock word was not free: t waits for it
// (see wait), unless t holds it already (only t's own goroutine makes t the
// holder, so the test is stable).
func (l *Lock) acquireSlow(t *lifecycle.Thread) bool {
	if l.holder.Load() == t.ID() {
		panic(fmt.Sprintf("gil: Acquire by thread %q that already holds the lock", t.Name()))
	}
	return l.wait(t)
}

// unlockAndExit undoes an Acquire that saw the finalizing flag after taking
// the lock, then stops t or returns its error.
func (l *Lock) unlockAndExit(t *lifecycle.Thread) error {
	l.unlock(t)
	return l.exitNow(t)
}

// exitIfFinalizing stops a daemon of a finalizing runtime and returns an
// error for a non-daemon one.
func (l *Lock) exitIfFinalizing(t *lifecycle.Thread) error {
	if !l.rt.Finalizing() {
		return nil
	}
	return l.exitNow(t)
}

func (l *Lock) exitNow(t *lifecycle.Thread) error {
	t.CheckExit()
	return fmt.Errorf("gil: Acquire by non-daemon thread %q: %w", t.Name(), lifecycle.ErrFinalizing)
}

// Release gives the lock back, handing it to the longest waiter if there is
// one. It panics if t does not hold the lock, except for a thread that was
// stopped by finalization ([lifecycle.Thread.Stopped]: its stop already gave
// the lock back, so the deferred Release that runs when the runtime is
// reaped does nothing).
func (l *Lock) Release(t *lifecycle.Thread) {
	if t == nil || l.holder.Load() != t.ID() || t.Runtime() != l.rt {
		l.releaseNotHeld(t)
		return
	}
	// unlock and drop's fast path, written out so that an uncontended
	// Release makes no call: free the word, then read the waiter count
	// (drop's doc has the argument), else hand off.
	if l.waiters.Load() == 0 {
		l.holder.Store(0)
		if l.waiters.Load() != 0 {
			l.handOff(0)
		}
	} else {
		l.handOff(t.ID())
	}
	schedpoint.Point("gil.unlock.afterDrop")
	t.Unlocked()
}

// releaseNotHeld is Release by a thread that does not hold the lock, or of
// another runtime (an ID is unique within a runtime only), or nil.
func (l *Lock) releaseNotHeld(t *lifecycle.Thread) {
	l.check(t, "Release")
	if t.Stopped() {
		return
	}
	panic(fmt.Sprintf("gil: Release by thread %q that does not hold the lock", t.Name()))
}

// Yield is the eval loop's check: when a waiter asked for a drop (or t must
// exit), t gives the lock to the longest waiter and queues behind it, so it
// cannot take the lock back before another thread took it. Otherwise it
// costs three plain atomic loads. Yield may stop t as Acquire does, and returns
// Acquire's error.
func (l *Lock) Yield(t *lifecycle.Thread) error {
	if !l.dropRequest.Load() && !l.rt.Finalizing() {
		if l.holder.Load() != t.ID() {
			panic(fmt.Sprintf("gil: Yield by thread %q that does not hold the lock", t.Name()))
		}
		return nil
	}
	l.Release(t)
	schedpoint.Point("gil.yield.dropped")
	return l.Acquire(t)
}

// drop gives the lock up: to the head of the queue when threads wait, else
// to nobody.
//
// The fast path frees the lock word and then reads the waiter count; a
// waiter raises the count and then tries to take the free word (wait).
// Both are sequentially consistent atomics, so at least one of the two sees
// the other: either drop sees the waiter and hands off, or the waiter takes
// the lock itself. No waiter is left queued behind a free lock. handOff,
// out of line, is the rest.
func (l *Lock) drop(id uint64) {
	if l.waiters.Load() == 0 {
		l.holder.Store(0)
		if l.waiters.Load() == 0 {
			return
		}
		id = 0 // the lock is free: hand it from 0, unless someone took it
	}
	l.handOff(id)
}

// handOff is drop when threads wait or are about to: under mu, it hands
// the lock word from id (0 when drop already freed it and then saw a late
// waiter) to the head of the queue.
func (l *Lock) handOff(id uint64) {
	if id == 0 {
		schedpoint.Point("gil.drop.lateWaiter")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 {
		// The waiter counted itself but took the lock or has not queued
		// yet; it will find the lock itself under mu.
		if id != 0 {
			l.dropRequest.Store(false)
			l.holder.Store(0)
		}
		return
	}
	w := l.queue[0]
	if !l.holder.CompareAndSwap(id, w.t.ID()) {
		// Freed, then taken by a thread that came by (id == 0): that
		// thread's drop hands off to w.
		return
	}
	l.queue[0] = nil
	l.queue = l.queue[1:]
	l.waiters.Add(-1)
	l.switches++
	if l.dropRequest.Swap(false) {
		l.forced++
	}
	schedpoint.Point("gil.drop.handoff")
	close(w.ready)
}
