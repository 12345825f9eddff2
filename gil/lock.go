package gil

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// DefaultSwitchInterval is CPython's default switch interval
// (sys.getswitchinterval() == 0.005).
const DefaultSwitchInterval = 5 * time.Millisecond

// waiter is one thread queued in Acquire. Waiters are reused (waiterPool):
// a waiter goes back only once no hand-off can reach it any more.
type waiter struct {
	t     *lifecycle.Thread
	ready chan struct{} // capacity 1: handOff sends once, when it gives t the lock
	timer *time.Timer   // the switch-interval timer, stopped before the waiter goes back
}

// waiterPool holds idle waiters, so that a contended Acquire allocates
// nothing (a waiter, its channel and its timer were allocated for every
// wait).
var waiterPool = sync.Pool{New: func() any { return &waiter{ready: make(chan struct{}, 1)} }}

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

	rt *lifecycle.Runtime // immutable
	// word is the lock word: the holder's Thread.ID shifted left by one,
	// with the contended bit set while threads are queued; 0 when free
	// (a free word never has the bit set). Taken by a compare-and-swap
	// from 0 (Acquire, wait); freed by a compare-and-swap from the
	// holder's uncontended word (drop); the contended bit and hand-offs
	// are written under mu. Read by lifecycle's probe (holds).
	word        atomic.Uint64
	dropRequest atomic.Bool  // set by a waiter, cleared at a hand-off or when the queue empties; read by Yield
	interval    atomic.Int64 // the switch interval in ns; written by SetSwitchInterval

	mu       sync.Mutex // guards queue and the counters below, and the contended bit of word
	queue    []*waiter  // FIFO of waiting threads; non-empty exactly when word has the contended bit (outside mu)
	switches uint64     // hand-offs from a holder to a waiter
	forced   uint64     // hand-offs caused by a drop request
	drops    uint64     // drop requests set
	longest  time.Duration
}

// contended is the bit of the lock word set while threads are queued.
const contended = 1

// wordOf is the lock word of t holding the lock uncontended.
func wordOf(t *lifecycle.Thread) uint64 { return t.ID() << 1 }

// holderID returns the Thread.ID named in the lock word, 0 when free.
func (l *Lock) holderID() uint64 { return l.word.Load() >> 1 }

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
func (l *Lock) holds(t *lifecycle.Thread) bool { return l.holderID() == t.ID() }

// unlock gives the lock up for t, which holds it, then lets lifecycle
// release t's state if finalization left it to this moment: drop's write to
// the lock word comes before Unlocked's load of t's state (see the package
// doc).
func (l *Lock) unlock(t *lifecycle.Thread) {
	l.drop(t)
	schedpoint.Point("gil.unlock.afterDrop")
	t.Unlocked()
}

// stopped runs on a daemon's goroutine when finalization stops it at a safe
// point of lifecycle (Thread.Sleep, Thread.CheckExit) while it still holds
// the lock: the lock is given back before the goroutine parks. The stops
// inside Acquire and Yield give it back themselves, first. It also runs
// when any thread's goroutine ends: one that returns, panics or calls
// runtime.Goexit holding the lock gives it back, as an exiting CPython
// thread drops the GIL, instead of leaving every other thread waiting. Only t's own
// goroutine makes t the holder (a hand-off to t happens while t waits in
// Acquire, which is not a safe point of lifecycle), so the test is stable.
func (l *Lock) stopped(t *lifecycle.Thread) {
	if l.holderID() == t.ID() {
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
	if id := l.holderID(); id != 0 {
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
// panics if t already holds the lock, finalizing or not.
//
// The uncontended path runs straight through: a load of the finalizing flag,
// the compare-and-swap of the lock word from 0, and the flag again. Every other case
// is a function of its own, so that the path stays short.
func (l *Lock) Acquire(t *lifecycle.Thread) error {
	// Check 1, before waiting: reads only the runtime's atomic flag.
	if t == nil || t.Runtime() != l.rt || l.rt.Finalizing() {
		return l.acquireRefused(t)
	}
	schedpoint.Point("gil.acquire.afterCheck")
	if !l.word.CompareAndSwap(0, wordOf(t)) && !l.acquireSlow(t) {
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
// (which panics), or at check 1 by a thread of a finalizing runtime. A
// thread that holds the lock already (a non-daemon still running after
// Finalize gave up on it) is misusing it as before finalization, and
// panics the same way rather than get an error while holding the lock.
func (l *Lock) acquireRefused(t *lifecycle.Thread) error {
	l.check(t, "Acquire")
	l.checkNotHolder(t)
	return l.exitNow(t)
}

// acquireSlow is Acquire when the lock word was not free: t waits for it
// (see wait), unless t holds it already.
func (l *Lock) acquireSlow(t *lifecycle.Thread) bool {
	l.checkNotHolder(t)
	return l.wait(t)
}

// checkNotHolder panics if t holds the lock (only t's own goroutine makes
// t the holder, so the test is stable).
func (l *Lock) checkNotHolder(t *lifecycle.Thread) {
	if l.holderID() == t.ID() {
		panic(fmt.Sprintf("gil: Acquire by thread %q that already holds the lock", t.Name()))
	}
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
	if t == nil || t.Runtime() != l.rt {
		l.releaseNotHeld(t)
		return
	}
	// unlock and drop written out, so that an uncontended Release makes no
	// call: one compare-and-swap frees the word if it names t with no
	// waiter; else t either does not hold the lock or hands it off.
	if !l.word.CompareAndSwap(wordOf(t), 0) {
		if l.holderID() != t.ID() {
			l.releaseNotHeld(t)
			return
		}
		l.handOff(t)
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
// costs three plain atomic loads. A non-daemon thread still running once the
// runtime is finalizing (Finalize gave up waiting for it) keeps the lock:
// Yield returns nil, and its Release still works. Yield may stop t as
// Acquire does, and returns Acquire's error. It panics if t is nil, a thread
// of another runtime, or does not hold the lock, whether or not a drop was
// asked. A thread stopped by finalization ([lifecycle.Thread.Stopped]) is
// excused, as in Release: its stop gave the lock back, and a Yield in a
// deferred call run when the runtime is reaped stops it again, as Acquire
// would.
func (l *Lock) Yield(t *lifecycle.Thread) error {
	// The holder first, whatever is asked: only t's own goroutine makes t
	// the holder or stops it being one, so the test is stable.
	if t == nil || t.Runtime() != l.rt || l.holderID() != t.ID() {
		return l.yieldNotHeld(t)
	}
	finalizing := l.rt.Finalizing()
	if !finalizing && !l.dropRequest.Load() {
		return nil
	}
	if finalizing && !t.Daemon() {
		// A non-daemon thread still running after Finalize gave up on
		// it keeps the lock: its own Acquire would fail (ErrFinalizing),
		// leaving it without the lock its deferred Release expects, and
		// every other thread's Acquire fails or parks now anyway.
		return nil
	}
	l.unlock(t)
	schedpoint.Point("gil.yield.dropped")
	return l.Acquire(t)
}

// yieldNotHeld is Yield by a thread that does not hold the lock, or of
// another runtime (an ID is unique within a runtime only), or nil.
func (l *Lock) yieldNotHeld(t *lifecycle.Thread) error {
	l.check(t, "Yield")
	if t.Stopped() {
		return l.exitNow(t)
	}
	panic(fmt.Sprintf("gil: Yield by thread %q that does not hold the lock", t.Name()))
}

// drop gives up the lock t holds: to the head of the queue when threads
// wait, else to nobody. The word names t with the contended bit exactly
// when threads are queued, and waiters set that bit only with a
// compare-and-swap on a held word, so the one compare-and-swap of the
// uncontended case and a waiter's setting of the bit cannot both succeed:
// either the word is freed before the waiter looks (and the waiter takes it
// itself), or the bit is set first (and the compare-and-swap fails, so drop
// hands off). No waiter is ever left queued behind a free lock.
func (l *Lock) drop(t *lifecycle.Thread) {
	if !l.word.CompareAndSwap(wordOf(t), 0) {
		l.handOff(t)
	}
}

// handOff is drop when the contended bit was set: under mu, it gives the
// lock word to the head of the queue, with the contended bit if others are
// still queued. t holds the lock, and under mu nobody else writes the word
// (Acquire's compare-and-swap from 0 cannot succeed on a held word), so
// an atomic store, with no compare-and-swap, suffices. The queue may have emptied meanwhile (its waiters
// were stopped by finalization and left, clearing the bit): the word is
// then freed.
func (l *Lock) handOff(t *lifecycle.Thread) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 {
		l.dropRequest.Store(false)
		l.word.Store(0)
		return
	}
	// Shift rather than reslice, so that the backing array is reused and
	// a hand-off allocates nothing; the queue holds one waiter per
	// thread, so the copy is short. slices.Delete clears the vacated
	// slot, as in dequeue.
	w := l.queue[0]
	l.queue = slices.Delete(l.queue, 0, 1)
	next := wordOf(w.t)
	if len(l.queue) > 0 {
		next |= contended
	}
	l.word.Store(next)
	l.switches++
	if l.dropRequest.Swap(false) {
		l.forced++
	}
	schedpoint.Point("gil.drop.handoff")
	w.ready <- struct{}{} // never blocks: one send per queued waiter, and the waiter's channel is empty while it is queued
}
