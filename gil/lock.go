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

// Values of Lock.state.
const (
	free      = iota // nobody holds the lock
	held             // held, nobody waits
	contended        // held, and waiters are queued (or about to be)
)

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

	rt          *lifecycle.Runtime               // immutable
	state       atomic.Int32                     // free, held, contended; CAS by Acquire and Release
	holder      atomic.Pointer[lifecycle.Thread] // written by the thread that obtains or drops the lock
	dropRequest atomic.Bool                      // set by a waiter, cleared at a hand-off; read by Yield
	interval    atomic.Int64                     // the switch interval in ns; written by SetSwitchInterval

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
	return l
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
func (l *Lock) Holder() *lifecycle.Thread { return l.holder.Load() }

// Stats are a Lock's counters since New.
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
	if t == nil {
		panic("gil: " + op + " with a nil thread")
	}
	if t.Runtime() != l.rt {
		panic(fmt.Sprintf("gil: %s by thread %q of another runtime", op, t.Name()))
	}
}

// Acquire takes the lock for t, the calling goroutine's thread, waiting
// behind earlier waiters. When t must exit (a daemon of a finalizing
// runtime), Acquire stops the goroutine instead, whether that is seen before
// waiting, while waiting (finalization wakes it) or after obtaining the lock
// (which it then gives back first): a SHUTTING_DOWN thread never returns
// from Acquire holding the lock. A non-daemon thread still running after its
// runtime finalized gets an error wrapping [lifecycle.ErrFinalizing]. It
// panics if t already holds the lock.
func (l *Lock) Acquire(t *lifecycle.Thread) error {
	l.check(t, "Acquire")
	// Check 1, before waiting: reads only the runtime's atomic flag.
	if err := l.exitIfFinalizing(t); err != nil {
		return err
	}
	if l.holder.Load() == t {
		panic(fmt.Sprintf("gil: Acquire by thread %q that already holds the lock", t.Name()))
	}
	schedpoint.Point("gil.acquire.afterCheck")
	if !l.state.CompareAndSwap(free, held) {
		if !l.wait(t) {
			return l.exitIfFinalizing(t)
		}
	} else {
		l.holder.Store(t)
	}
	schedpoint.Point("gil.acquire.afterTake")
	// Check 3, after obtaining the lock: Attach refuses a SHUTTING_DOWN
	// thread, and the flag is set before any thread is marked, so one of the
	// two tests sees a finalization that happened while we waited.
	if !t.Attach() {
		l.drop()
		t.CheckExit()
		panic("gil: unreachable: a SHUTTING_DOWN thread did not stop")
	}
	if l.rt.Finalizing() {
		t.Detach()
		l.drop()
		return l.exitIfFinalizing(t)
	}
	return nil
}

// exitIfFinalizing stops a daemon of a finalizing runtime and returns an
// error for a non-daemon one.
func (l *Lock) exitIfFinalizing(t *lifecycle.Thread) error {
	if !l.rt.Finalizing() {
		return nil
	}
	t.CheckExit()
	return fmt.Errorf("gil: Acquire by non-daemon thread %q: %w", t.Name(), lifecycle.ErrFinalizing)
}

// Release gives the lock back, handing it to the longest waiter if there is
// one. It panics if t does not hold the lock, except for a thread that was
// stopped by finalization (its stop already gave the lock back, so the
// deferred Release that runs when the runtime is reaped does nothing).
func (l *Lock) Release(t *lifecycle.Thread) {
	l.check(t, "Release")
	if l.holder.Load() != t {
		if t.State() == lifecycle.ShuttingDown && t.MustExit() {
			return
		}
		panic(fmt.Sprintf("gil: Release by thread %q that does not hold the lock", t.Name()))
	}
	t.Detach()
	l.drop()
}

// Yield is the eval loop's check: when a waiter asked for a drop (or t must
// exit), t gives the lock to the longest waiter and queues behind it, so it
// cannot take the lock back before another thread took it. Otherwise it
// costs one atomic load. Yield may stop t as Acquire does, and returns
// Acquire's error.
func (l *Lock) Yield(t *lifecycle.Thread) error {
	if !l.dropRequest.Load() && !l.rt.Finalizing() {
		if l.holder.Load() != t {
			panic(fmt.Sprintf("gil: Yield by thread %q that does not hold the lock", t.Name()))
		}
		return nil
	}
	l.Release(t)
	schedpoint.Point("gil.yield.dropped")
	return l.Acquire(t)
}

// drop gives the lock up: to nobody when no one waits, else to the head of
// the queue.
func (l *Lock) drop() {
	l.holder.Store(nil)
	if l.state.CompareAndSwap(held, free) {
		return
	}
	l.mu.Lock()
	if len(l.queue) == 0 {
		// Waiters left (stopped) after marking the lock contended.
		l.dropRequest.Store(false)
		l.state.Store(free)
		l.mu.Unlock()
		return
	}
	w := l.queue[0]
	l.queue[0] = nil
	l.queue = l.queue[1:]
	l.switches++
	if l.dropRequest.Swap(false) {
		l.forced++
	}
	if len(l.queue) == 0 {
		l.state.Store(held)
	}
	l.holder.Store(w.t)
	l.mu.Unlock()
	schedpoint.Point("gil.drop.handoff")
	close(w.ready)
}
