package lifecycle

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// ErrFinalizing is returned by [Runtime.Go], [Runtime.GoDaemon],
// [Runtime.AtExit] and [Runtime.BeforeJoin] once [Runtime.Finalize] has
// begun: like CPython's "can't create new thread at interpreter shutdown",
// nothing new is accepted.
var ErrFinalizing = errors.New("lifecycle: runtime is finalizing")

// hook is one registered AtExit or BeforeJoin function.
type hook struct {
	fn func(context.Context) error
}

// A Runtime tracks the goroutines of a program (daemon or not), its exit
// hooks, and finalizes them in CPython's order; see the package doc.
//
// The zero value is not usable: use [New] or [Default]. A Runtime must not
// be copied. All methods are safe for concurrent use.
//
// Memory model: a successful Go or GoDaemon synchronizes before the
// Finalize that joins or stops that goroutine; the end of every non-daemon
// goroutine happens before the first AtExit hook runs; and the AtExit hooks
// return before the finalizing flag is set.
type Runtime struct {
	_ noCopy

	mu         sync.Mutex                           // guards the fields below up to finDone
	nonDaemon  map[*Thread]struct{}                 // running non-daemon threads
	daemons    map[*Thread]struct{}                 // running daemon threads
	byID       map[uint64]*Thread                   // every running thread, by ID
	lastID     uint64                               // the last ID given
	atExit     []*hook                              // in registration order
	beforeJoin []*hook                              // in registration order; an unregistered one is removed
	onStop     []func(*Thread)                      // in registration order
	locks      atomic.Pointer[[]func(*Thread) bool] // holder probes of registered locks; replaced (never changed) under mu
	finErr     error                                // Finalize's result, once finDone is closed
	finDone    chan struct{}                        // closed when Finalize has finished
	begun      atomic.Bool                          // written under mu only; read anywhere
	finalizing atomic.Bool                          // written once by Finalize, read by safe points
	stopping   chan struct{}                        // closed by Finalize when daemons are marked
	reap       chan struct{}                        // closed by Reap: parked daemons end
	reapOnce   sync.Once                            // guards closing reap and starting the waiter of allEnded
	allEnded   chan struct{}                        // closed once every goroutine started has ended; made by the first Reap
	stopped    atomic.Int64                         // daemons parked at a safe point; written by them
	all        sync.WaitGroup                       // every goroutine started; waited by Reap
}

// noCopy makes go vet's copylocks check report copies.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// New returns a fresh Runtime, independent of [Default].
func New() *Runtime {
	return &Runtime{
		nonDaemon: make(map[*Thread]struct{}),
		daemons:   make(map[*Thread]struct{}),
		byID:      make(map[uint64]*Thread),
		finDone:   make(chan struct{}),
		stopping:  make(chan struct{}),
		reap:      make(chan struct{}),
	}
}

var defaultRuntime = sync.OnceValue(New)

// Default returns the process-wide Runtime, the one [Run] finalizes.
func Default() *Runtime { return defaultRuntime() }

// Go starts fn in a new non-daemon goroutine named name: Finalize waits for
// it to end before running the AtExit hooks. It returns [ErrFinalizing],
// starting nothing, once Finalize has begun. A panic in fn is not recovered:
// as for any goroutine, it ends the program.
func (r *Runtime) Go(name string, fn func(*Thread)) error { return r.start(name, false, fn) }

// GoDaemon starts fn in a new daemon goroutine named name: Finalize does
// not wait for it, and once the runtime is finalizing it is stopped at its
// next safe point ([Thread.CheckExit], [Thread.Sleep], gil.Lock.Acquire).
// It returns [ErrFinalizing], starting nothing, once Finalize has begun.
func (r *Runtime) GoDaemon(name string, fn func(*Thread)) error { return r.start(name, true, fn) }

func (r *Runtime) start(name string, daemon bool, fn func(*Thread)) error {
	if fn == nil {
		panic("lifecycle: nil thread function")
	}
	t := &Thread{rt: r, name: name, daemon: daemon, done: make(chan struct{})}
	// Registration and the begun check share r.mu with Finalize's marking of
	// begun: either Finalize's snapshot contains t, or this call sees begun.
	r.mu.Lock()
	if r.begun.Load() {
		r.mu.Unlock()
		return ErrFinalizing
	}
	set := r.nonDaemon
	if daemon {
		set = r.daemons
	}
	set[t] = struct{}{}
	r.lastID++
	t.id = r.lastID
	r.byID[t.id] = t
	r.all.Add(1)
	r.mu.Unlock()
	schedpoint.Point("lifecycle.go.afterRegister")
	go r.run(t, set, fn)
	return nil
}

func (r *Runtime) run(t *Thread, set map[*Thread]struct{}, fn func(*Thread)) {
	defer r.all.Done()
	defer func() {
		// The OnStop hooks give back a lock the goroutine still holds, as
		// CPython's exiting thread drops the GIL. For a stopped daemon,
		// ended by Reap, they already ran before it parked.
		if !t.Stopped() {
			for _, h := range r.stopHooks() {
				h(t)
			}
		}
		// done closes first: once Thread(id) reports the goroutine gone,
		// Finalize's join finds it ended.
		close(t.done)
		r.mu.Lock()
		delete(set, t)
		delete(r.byID, t.id)
		r.mu.Unlock()
	}()
	fn(t)
}

// AtExit registers fn to run during Finalize, after every non-daemon
// goroutine ended; hooks run last-in first-out with Finalize's context. It
// returns [ErrFinalizing] once Finalize has begun, also to a non-daemon
// goroutine that Finalize is waiting for (CPython's atexit.register still
// accepts a hook then). fn must not call Finalize (see [Runtime.Finalize]).
// Hooks have no [Thread], so they cannot take a lock such as a gil.Lock
// that needs one: state that daemon goroutines touch under such a lock must
// be guarded some other way until the daemons stop (Finalize's step 5).
func (r *Runtime) AtExit(fn func(context.Context) error) error {
	if fn == nil {
		panic("lifecycle: nil AtExit hook")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.begun.Load() {
		return ErrFinalizing
	}
	r.atExit = append(r.atExit, &hook{fn: fn})
	return nil
}

// BeforeJoin registers fn to run during Finalize before the non-daemon
// goroutines are joined: the place of CPython's threading._register_atexit,
// where concurrent.futures shuts its executors down so that their workers
// can be joined. Hooks run last-in first-out, as CPython runs
// _threading_atexits in reverse order. unregister removes the hook (an
// executor shut down by its owner calls it); calling it again, or after
// Finalize began, does nothing. It returns [ErrFinalizing] once Finalize has
// begun. fn must not call Finalize (see [Runtime.Finalize]).
func (r *Runtime) BeforeJoin(fn func(context.Context) error) (unregister func(), err error) {
	if fn == nil {
		panic("lifecycle: nil BeforeJoin hook")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.begun.Load() {
		return func() {}, ErrFinalizing
	}
	h := &hook{fn: fn}
	r.beforeJoin = append(r.beforeJoin, h)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.begun.Load() {
			return
		}
		for i, x := range r.beforeJoin {
			if x == h {
				r.beforeJoin = append(r.beforeJoin[:i], r.beforeJoin[i+1:]...)
				return
			}
		}
	}, nil
}

// OnStop registers fn to run on a daemon's own goroutine when finalization
// stops it at a safe point, before it parks, and on the goroutine of any
// other thread of r when its function ends (it returns, panics or calls
// runtime.Goexit), before Finalize's join can see it ended: once per
// thread either way. A lock implementation (gil.New registers one) uses it
// to give back a lock the thread still holds, since a goroutine parked or
// gone while holding a lock would leave every other thread waiting for it
// forever. fn must not block and must not reach a safe point. Registration
// is accepted at any time and lasts as long as r.
func (r *Runtime) OnStop(fn func(*Thread)) {
	if fn == nil {
		panic("lifecycle: nil OnStop hook")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onStop = append(r.onStop, fn)
}

// RegisterLock registers a lock of r whose holding makes a thread ATTACHED,
// without [Thread.Attach] and [Thread.Detach]: holds reports whether t holds
// the lock now. gil.New registers its lock, so that an uncontended
// Acquire and Release touch the lock word and nothing else of the thread.
//
// The lock's part of the contract, which makes Finalize's release of a
// daemon's state safe (see the package doc): it makes t its holder with a
// sequentially consistent atomic write (a compare-and-swap) and then loads
// the finalizing flag, giving the lock back and stopping t (or failing) if
// it is set; and after a write that stops naming t as its holder, it calls
// [Thread.Unlocked] on t's goroutine. holds must be a single atomic load,
// must not block, and is called with no lock of r held. Registration is
// accepted at any time and lasts as long as r.
func (r *Runtime) RegisterLock(holds func(t *Thread) bool) {
	if holds == nil {
		panic("lifecycle: nil lock probe")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var probes []func(*Thread) bool
	if p := r.locks.Load(); p != nil {
		probes = slices.Clone(*p)
	}
	probes = append(probes, holds)
	r.locks.Store(&probes)
}

// holdsLock reports whether t holds a lock registered with RegisterLock.
func (r *Runtime) holdsLock(t *Thread) bool {
	if p := r.locks.Load(); p != nil {
		for _, holds := range *p {
			if holds(t) {
				return true
			}
		}
	}
	return false
}

func (r *Runtime) stopHooks() []func(*Thread) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.onStop)
}

// Thread returns the running thread whose [Thread.ID] is id, or nil when
// no running goroutine of r has it (its goroutine ended, or never existed).
func (r *Runtime) Thread(id uint64) *Thread {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// Begun reports whether Finalize has begun: from then on nothing new is
// accepted.
func (r *Runtime) Begun() bool { return r.begun.Load() }

// Finalizing reports whether the finalizing flag is set: the AtExit hooks
// have run and daemon threads must exit at their next safe point.
func (r *Runtime) Finalizing() bool { return r.finalizing.Load() }

// Stopped returns how many daemon goroutines finalization stopped at a safe
// point: parked until Reap ends them, and still counted after. Finalize does
// not wait for daemons to reach their safe points, so the count may still
// grow after it returned, as running daemons get to theirs.
func (r *Runtime) Stopped() int { return int(r.stopped.Load()) }

// Reap ends the daemon goroutines parked at a safe point, with
// runtime.Goexit (their deferred calls run then), and waits until every
// goroutine the runtime started has ended, or ctx ends. It is meant for
// tests and for programs that go on after finalizing a runtime of their own;
// a program that exits after [Run] never needs it. It panics if Finalize has
// not finished. It must not be called from a goroutine r started, which it
// would wait for until ctx ends.
func (r *Runtime) Reap(ctx context.Context) error {
	select {
	case <-r.finDone:
	default:
		panic("lifecycle: Reap before Finalize finished")
	}
	// One waiter for all calls: a Reap whose ctx ends leaves it behind
	// only while some goroutine of r is still running, and the next Reap
	// waits on it again.
	r.reapOnce.Do(func() {
		close(r.reap)
		r.allEnded = make(chan struct{})
		go func() {
			r.all.Wait()
			close(r.allEnded)
		}()
	})
	select {
	case <-r.allEnded:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
