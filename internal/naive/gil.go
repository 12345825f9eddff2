// This file is a faithful Go port of CPython's take_gil as it stood after
// bpo-39877's first fix (commit eb4e2ae2, March 2020): "must exit" is
// checked once, BEFORE waiting for the GIL, and neither while waiting nor
// after taking it (shared/seeds/cpython-gil-daemon-finalization.txt; the
// later fixes 9229eeee and a36adfa6 added the other two checks). With it
// comes a naive runtime that does what Py_FinalizeEx did: set the atomic
// finalizing flag while holding the GIL as the main thread, release the daemon
// threads' states (poisoned with 0xdd bytes, as CPython's debug allocator
// fills freed memory), and drop the GIL again. A daemon that passed the
// single check and was waiting for the GIL then takes it and touches its
// released state; the port panics there where C would crash or corrupt
// memory. It is racy by design (the poisoning is a plain write, as free()
// is), so its tests cannot run under -race. Nothing public imports it.
//
// Scheduling points naive.gil.take.afterCheck (between the check and the
// wait) and naive.gil.take.afterWait widen the window under -tags schedtest.
// drop_gil's FORCE_SWITCHING wait is left out, as before Python 3.2's new
// GIL: a thread that drops the GIL at a drop request takes it back at once,
// before the woken waiter runs. gil's fairness test uses that to show that
// its bounds catch starvation.

package naive

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// deadState is what CPython's debug allocator writes over freed memory.
const deadState = 0xdddddddddddddddd

// liveState marks a thread state that was not released.
const liveState = 0x5eed

// gilThreadState is the port's PyThreadState: one word that release
// overwrites with the dead pattern.
type gilThreadState struct {
	interp uint64 // tstate->interp; deadState once released
}

// GILThread mirrors lifecycle.Thread for the port.
type GILThread struct {
	rt     *GILRuntime
	name   string
	daemon bool
	ts     *gilThreadState
}

// Name returns the thread's name.
func (t *GILThread) Name() string { return t.name }

// Sleep is time.sleep: a plain pause. The GIL is retaken by Acquire, where
// the single check is.
func (t *GILThread) Sleep(d time.Duration) { time.Sleep(d) }

// touch is what take_gil does with tstate after taking the lock.
func (t *GILThread) touch(where string) {
	if v := t.ts.interp; v != liveState {
		panic(fmt.Sprintf("naive: %s: thread %q used a released thread state (tstate->interp = %#x)", where, t.name, v))
	}
}

// GILRuntime mirrors lifecycle.Runtime for the port.
type GILRuntime struct {
	// FinalizeWork, if set before Finalize, is how long Finalize holds the
	// GIL as the main thread before it sets the finalizing flag: the part of
	// Py_FinalizeEx that runs without honouring drop requests. Daemons that
	// queue for the GIL in that time passed the single check and are the
	// ones that wake to a released state. Like the sleep(1) bpo-39877 added
	// at Py_RunMain's exit, it widens the window at the seed's time scale;
	// it changes no step of the port.
	FinalizeWork time.Duration

	finalizing atomic.Bool // _PyRuntime._finalizing, atomic since 7b3c252d
	mu         sync.Mutex  // guards threads, begun, gil
	begun      bool
	threads    []*GILThread
	gil        *GIL
	nonDaemon  sync.WaitGroup
	main       *GILThread
}

// NewGILRuntime returns a fresh naive runtime.
func NewGILRuntime() *GILRuntime {
	rt := &GILRuntime{}
	rt.main = &GILThread{rt: rt, name: "main", ts: &gilThreadState{interp: liveState}}
	return rt
}

// Go starts a non-daemon thread; Finalize joins it.
func (rt *GILRuntime) Go(name string, fn func(*GILThread)) error { return rt.start(name, false, fn) }

// GoDaemon starts a daemon thread.
func (rt *GILRuntime) GoDaemon(name string, fn func(*GILThread)) error {
	return rt.start(name, true, fn)
}

func (rt *GILRuntime) start(name string, daemon bool, fn func(*GILThread)) error {
	t := &GILThread{rt: rt, name: name, daemon: daemon, ts: &gilThreadState{interp: liveState}}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.begun {
		return fmt.Errorf("naive: can't create new thread at interpreter shutdown")
	}
	rt.threads = append(rt.threads, t)
	if !daemon {
		rt.nonDaemon.Add(1)
	}
	go func() {
		if !daemon {
			defer rt.nonDaemon.Done()
		}
		fn(t)
	}()
	return nil
}

// Finalize does what Py_FinalizeEx does: join the non-daemon threads, take
// the GIL as the main thread, set the finalizing flag, release every daemon
// thread's state, and drop the GIL (the slow_exit patch of bpo-39877 keeps
// the process alive after that, which the caller does).
func (rt *GILRuntime) Finalize(ctx context.Context) error {
	rt.mu.Lock()
	rt.begun = true
	g := rt.gil
	rt.mu.Unlock()
	joined := make(chan struct{})
	go func() { rt.nonDaemon.Wait(); close(joined) }()
	select {
	case <-joined:
	case <-ctx.Done():
		return ctx.Err()
	}
	// The main thread holds the GIL through finalization, as in CPython.
	if g != nil {
		if err := g.Acquire(rt.main); err != nil {
			return err
		}
	}
	time.Sleep(rt.FinalizeWork)
	rt.finalizing.Store(true)
	rt.mu.Lock()
	for _, t := range rt.threads {
		if t.daemon {
			t.ts.interp = deadState // free(tstate): a plain, racy write
		}
	}
	rt.mu.Unlock()
	schedpoint.Point("naive.gil.finalize.released")
	if g != nil {
		g.Release(rt.main)
	}
	return nil
}

// GIL is the port of CPython's struct _gil_runtime_state and take_gil.
type GIL struct {
	rt           *GILRuntime
	mu           sync.Mutex // gil->mutex; guards the fields below
	locked       bool
	holder       *GILThread
	switchNumber uint64
	changed      chan struct{} // gil->cond, broadcast by closing
	interval     time.Duration
	dropRequest  atomic.Bool // eval_breaker's gil_drop_request
}

// NewGIL returns the runtime's GIL.
func NewGIL(rt *GILRuntime) *GIL {
	g := &GIL{rt: rt, changed: make(chan struct{}), interval: 5 * time.Millisecond}
	rt.mu.Lock()
	rt.gil = g
	rt.mu.Unlock()
	return g
}

// SetSwitchInterval sets the interval (no validation, as the port is only
// driven by tests).
func (g *GIL) SetSwitchInterval(d time.Duration) error { g.interval = d; return nil }

// Holder returns the thread holding the GIL, or nil.
func (g *GIL) Holder() *GILThread {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.holder
}

// Acquire is take_gil with the single check before waiting.
func (g *GIL) Acquire(t *GILThread) error {
	if t.daemon && g.rt.finalizing.Load() { // tstate_must_exit: the only check
		runtime.Goexit() // PyThread_exit_thread
	}
	schedpoint.Point("naive.gil.take.afterCheck")
	g.mu.Lock()
	for g.locked {
		saved := g.switchNumber
		ch := g.changed
		g.mu.Unlock()
		timer := time.NewTimer(g.interval)
		timedOut := false
		select {
		case <-ch:
		case <-timer.C:
			timedOut = true
		}
		timer.Stop()
		g.mu.Lock()
		if timedOut && g.locked && g.switchNumber == saved {
			g.dropRequest.Store(true)
		}
	}
	schedpoint.Point("naive.gil.take.afterWait")
	g.locked = true
	g.holder = t
	g.switchNumber++
	g.dropRequest.Store(false)
	g.mu.Unlock()
	t.touch("take_gil") // tstate->... after taking the GIL, with no check
	return nil
}

// Release is drop_gil.
func (g *GIL) Release(t *GILThread) {
	g.mu.Lock()
	if g.holder != t {
		g.mu.Unlock()
		panic("naive: drop_gil by a thread that does not hold the GIL")
	}
	g.locked = false
	g.holder = nil
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

// Yield drops and retakes the GIL when a drop was requested.
func (g *GIL) Yield(t *GILThread) error {
	if !g.dropRequest.Load() {
		return nil
	}
	g.Release(t)
	return g.Acquire(t)
}

// ForceUnlock frees the GIL whoever holds it, so that a test can let the
// threads stuck behind a thread that died holding it run (and reach their
// own fate) before the test ends.
func (g *GIL) ForceUnlock() {
	g.mu.Lock()
	if g.locked {
		g.locked = false
		g.holder = nil
		close(g.changed)
		g.changed = make(chan struct{})
	}
	g.mu.Unlock()
}
