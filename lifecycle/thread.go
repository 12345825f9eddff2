package lifecycle

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// State is the state of a [Thread]'s thread state, named as CPython names
// them (_Py_THREAD_DETACHED, _Py_THREAD_ATTACHED, _Py_THREAD_SHUTTING_DOWN).
type State int32

// The states of a thread. A thread starts DETACHED; it is ATTACHED while it
// holds a lock of the runtime (a lock registered with [Runtime.RegisterLock],
// such as gil.Lock, or one that calls [Thread.Attach]); Finalize marks daemon
// threads SHUTTING_DOWN.
const (
	Detached     State = iota // running, holding no lock of the runtime
	Attached                  // holding a lock of the runtime (see Runtime.RegisterLock, Thread.Attach)
	ShuttingDown              // a daemon stopped, or about to stop, by Finalize
)

// The states under the names the issue and CPython give them, for code
// ported from CPython or written against those names; each is the same
// value as its Go-style twin above.
const (
	DETACHED      = Detached
	ATTACHED      = Attached
	SHUTTING_DOWN = ShuttingDown
)

// String returns CPython's name for the state: "DETACHED", "ATTACHED" or
// "SHUTTING_DOWN".
func (s State) String() string {
	switch s {
	case Detached:
		return "DETACHED"
	case Attached:
		return "ATTACHED"
	case ShuttingDown:
		return "SHUTTING_DOWN"
	}
	return fmt.Sprintf("State(%d)", int32(s))
}

// Bits of Thread.bits.
const (
	bitAttached     = 1 << iota // set by Attach, cleared by Detach
	bitShuttingDown             // set by Finalize on daemon threads
	bitReleased                 // set once the thread state is released
	bitStopped                  // set when the thread is stopped at a safe point
)

// A Thread is the thread state of one goroutine started by [Runtime.Go] or
// [Runtime.GoDaemon]: its name, whether it is a daemon, and its state.
//
// The zero value is not usable; threads are made only by a Runtime and
// handed to the goroutine's function. A *Thread is shared, never copied.
// Its methods are safe for concurrent use, but the stopping ones
// ([Thread.CheckExit], [Thread.Sleep], and gil.Lock.Acquire) must be called
// from the thread's own goroutine, since they may stop it.
//
// Memory model: Finalize's setting of the finalizing flag happens before any
// [Thread.MustExit] that reports true, and marking a thread SHUTTING_DOWN
// happens before a waiter woken by [Thread.Stopping] observes it.
type Thread struct {
	rt     *Runtime // immutable; a safe point reads only rt, never the state
	id     uint64   // immutable; unique within rt, never 0
	name   string   // immutable
	daemon bool     // immutable
	bits   atomic.Int32
	done   chan struct{} // closed when the goroutine has ended
}

// Name returns the name the thread was started with.
func (t *Thread) Name() string { return t.name }

// ID returns the thread's identifier: unique within its runtime, never 0,
// so that a lock can name its holder with one machine word.
func (t *Thread) ID() uint64 { return t.id }

// Daemon reports whether the thread was started by [Runtime.GoDaemon].
func (t *Thread) Daemon() bool { return t.daemon }

// Runtime returns the runtime that started the thread.
func (t *Thread) Runtime() *Runtime { return t.rt }

// State returns the thread's state. Reading it is allowed after the state was
// released (it then stays SHUTTING_DOWN); see [Thread.Released].
func (t *Thread) State() State {
	b := t.bits.Load()
	switch {
	case b&bitShuttingDown != 0:
		return ShuttingDown
	case b&bitAttached != 0 || t.rt.holdsLock(t):
		return Attached
	}
	return Detached
}

// Released reports whether Finalize has released the thread state. After
// that, [Thread.Attach] refuses and [Thread.Detach] panics.
func (t *Thread) Released() bool { return t.bits.Load()&bitReleased != 0 }

// Stopped reports whether the thread was stopped at a safe point by
// finalization: its goroutine is parked, or (after [Runtime.Reap]) running
// its deferred calls on the way out.
func (t *Thread) Stopped() bool { return t.bits.Load()&bitStopped != 0 }

// MustExit reports whether the thread must stop at its next safe point: it is
// a daemon and the runtime is finalizing. Like CPython's tstate_must_exit
// after bpo-39877, it reads only the runtime's atomic flag and the thread's
// immutable fields, never the (possibly released) thread state.
func (t *Thread) MustExit() bool { return t.daemon && t.rt.finalizing.Load() }

// CheckExit is a safe point: when the thread must exit, it is stopped there
// and CheckExit does not return (see the package doc: the goroutine parks
// and its deferred calls do not run). Otherwise it returns at once.
func (t *Thread) CheckExit() {
	if t.MustExit() {
		t.stop()
	}
}

// Sleep pauses the thread for d, and is a safe point before and after the
// pause; finalization wakes a daemon thread early and stops it.
func (t *Thread) Sleep(d time.Duration) {
	t.CheckExit()
	if d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
		case <-t.Stopping():
			timer.Stop()
		}
	}
	t.CheckExit()
}

// Stopping returns a channel closed when Finalize marks the daemon threads
// SHUTTING_DOWN, so that a thread waiting for something can wake and call
// [Thread.CheckExit]. For a non-daemon thread it returns nil (never ready).
func (t *Thread) Stopping() <-chan struct{} {
	if !t.daemon {
		return nil
	}
	return t.rt.stopping
}

// Attach records that the thread took a lock of the runtime that does not
// register itself with [Runtime.RegisterLock] (gil.Lock registers, and does
// not call Attach). It is the one atomic step that both checks and uses the
// thread state: it reports false, changing nothing, when the thread is
// SHUTTING_DOWN (its state may already be released), and the caller must
// then give the lock back and stop the thread. It panics if the thread is
// already attached, by Attach or by holding a registered lock.
func (t *Thread) Attach() bool {
	// Only the thread's own goroutine makes it a lock's holder (a lock may
	// hand itself to the thread only while the thread waits for it), so
	// this test is stable.
	if t.rt.holdsLock(t) {
		panic("lifecycle: thread " + t.name + " attached twice")
	}
	if t.bits.CompareAndSwap(0, bitAttached) { // the common case
		return true
	}
	return t.attachSlow()
}

func (t *Thread) attachSlow() bool {
	for {
		b := t.bits.Load()
		switch {
		case b&bitShuttingDown != 0:
			return false
		case b&bitAttached != 0:
			panic("lifecycle: thread " + t.name + " attached twice")
		}
		if t.bits.CompareAndSwap(b, b|bitAttached) {
			return true
		}
	}
}

// Detach records that the thread gave the runtime's lock back. When the
// thread is SHUTTING_DOWN, this is the moment its thread state is released
// (Finalize leaves an attached thread's state to its holder), unless the
// thread still holds a lock registered with [Runtime.RegisterLock], whose
// giving back releases it then. It panics if the thread is not attached or
// its state was released.
func (t *Thread) Detach() {
	if !t.bits.CompareAndSwap(bitAttached, 0) { // the common case, inlined
		t.detachSlow()
	}
}

func (t *Thread) detachSlow() {
	for {
		b := t.bits.Load()
		switch {
		case b&bitReleased != 0:
			t.panicReleased("Detach")
		case b&bitAttached == 0:
			panic("lifecycle: thread " + t.name + " detached but not attached")
		}
		nb := b &^ bitAttached
		// Only this goroutine makes t a registered lock's holder, so the
		// probe is stable here.
		if nb&bitShuttingDown != 0 && !t.rt.holdsLock(t) {
			nb |= bitReleased
		}
		if t.bits.CompareAndSwap(b, nb) {
			return
		}
	}
}

func (t *Thread) panicReleased(op string) {
	panic(fmt.Sprintf("lifecycle: %s on thread %q: use of released thread state (Finalize released it)", op, t.name))
}

// markShuttingDown sets SHUTTING_DOWN; Finalize calls it.
func (t *Thread) markShuttingDown() { t.bits.Or(bitShuttingDown) }

// Unlocked is called by a lock registered with [Runtime.RegisterLock] on
// the thread's own goroutine, right after the lock stopped naming the thread
// as its holder (by a sequentially consistent atomic write). When the thread
// is SHUTTING_DOWN, Finalize may have seen it holding the lock and left its
// state to this call, which releases it; a state already released is left
// as it is. See the package doc for why one of the two always releases it.
// Otherwise Unlocked is one atomic load.
func (t *Thread) Unlocked() {
	if t.bits.Load()&bitShuttingDown != 0 {
		t.release()
	}
}

// release releases the thread state unless the thread holds a lock (by
// Attach, or a registered one), in which case the lock's Detach or Unlocked
// releases it. Both Finalize and Unlocked call it, possibly at once: the
// compare-and-swap that sets bitReleased succeeds once, and a call that finds
// it set does nothing.
func (t *Thread) release() {
	for {
		b := t.bits.Load()
		if b&bitAttached != 0 || b&bitReleased != 0 {
			return
		}
		// After the SHUTTING_DOWN mark (Finalize's Or, or what Unlocked
		// loaded), before the release: see the package doc.
		if t.rt.holdsLock(t) {
			return
		}
		schedpoint.Point("lifecycle.release.afterProbe")
		if t.bits.CompareAndSwap(b, b|bitReleased) {
			return
		}
	}
}

// stop parks the calling goroutine until the runtime is reaped, then ends it
// with runtime.Goexit. See the package doc for why it parks. Before parking,
// the OnStop hooks give back any lock the thread still holds, so that a
// parked goroutine never holds one; only then is it counted as stopped.
func (t *Thread) stop() {
	schedpoint.Point("lifecycle.thread.stop")
	if t.bits.Or(bitStopped)&bitStopped == 0 { // once, even if a deferred call reaches a safe point again
		for _, h := range t.rt.stopHooks() {
			h(t)
		}
		t.rt.stopped.Add(1)
	}
	<-t.rt.reap
	runtime.Goexit()
}
