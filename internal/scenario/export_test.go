package scenario

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/lifecycle"
)

// ShrinkTimings makes the quick timings of the gil and executor scenarios
// tiny so that tests can run them across many seeds, with hangAt the time
// daemons get to end or stop after finalization (and Finalize gets to
// return), and returns a function restoring them. It must not be called
// while a scenario runs.
func ShrinkTimings(hangAt time.Duration) (restore func()) {
	savedGIL, savedExec := gilQuick, execQuick
	gilQuick = gilTiming{maxSleep: 2 * time.Millisecond, hold: 50 * time.Microsecond, delay: 2 * time.Millisecond, hangAt: hangAt,
		finalizeWork: 100 * time.Microsecond}
	execQuick = execTiming{taskSleep: 500 * time.Microsecond, exitJitter: 3 * time.Millisecond,
		gInterval: 200 * time.Microsecond, gExit: 3 * time.Millisecond, window: time.Millisecond, gWindow: 4 * time.Millisecond, hangAt: max(hangAt, 5*time.Second)}
	return func() { gilQuick, execQuick = savedGIL, savedExec }
}

// BrokenPaddock lists the scenarios whose paddock side BreakPaddock can
// break, with the violation kind the break must show.
var BrokenPaddock = map[string]string{
	"arena":    KindLostBlocks,
	"freelist": KindOverCap,
	"gil":      KindReleasedUse,
}

// BreakPaddock makes the paddock side of scenario name a broken
// implementation with its seed's bug, made race-free so that it runs under
// -race too, and returns a function restoring it. It must not be called
// while a scenario runs.
//   - arena: every 16th image is never released, so its blocks are lost:
//     neither cached nor freed (Pillow's lost block_A).
//   - freelist: a list under a mutex that keeps every object put, with no
//     bound (a capacity check lost).
//   - gil: a lock that checks "must exit" only before waiting, the state
//     of CPython's take_gil before bpo-39877's fixes.
func BreakPaddock(name string) (restore func()) {
	savedArena, savedList, savedGIL := newPaddockArena, newPaddockList, paddockGILSystem
	restore = func() { newPaddockArena, newPaddockList, paddockGILSystem = savedArena, savedList, savedGIL }
	switch name {
	case "arena":
		newPaddockArena = func() (imageArena, error) {
			ar, err := savedArena()
			return &leakyArena{imageArena: ar}, err
		}
	case "freelist":
		newPaddockList = func() (objectList, error) { return &unboundedList{}, nil }
	case "gil":
		paddockGILSystem = singleCheckGIL
	default:
		panic("scenario: BreakPaddock: no broken " + name)
	}
	return restore
}

type leakyArena struct {
	imageArena
	n atomic.Int64
}

func (a *leakyArena) newImage(lines, linesize int) (image2D, error) {
	img, err := a.imageArena.newImage(lines, linesize)
	if err != nil || a.n.Add(1)%16 != 0 {
		return img, err
	}
	return neverReleased{img}, nil
}

type neverReleased struct{ image2D }

func (neverReleased) Release() {}

type unboundedList struct {
	mu   sync.Mutex
	objs []*pooled
}

func (l *unboundedList) Get() *pooled {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.objs); n > 0 {
		x := l.objs[n-1]
		l.objs = l.objs[:n-1]
		return x
	}
	return new(pooled)
}

func (l *unboundedList) Put(x *pooled) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.objs = append(l.objs, x)
	return true
}

func (l *unboundedList) Cap() int { return freelistCapacity }

// singleCheckGIL is paddock's runtime with a mutex for a lock that checks
// "must exit" once, before waiting: a daemon waiting when finalization
// begins is given the lock with its state released.
func singleCheckGIL(finalizeWork time.Duration) (gilSystem[*lifecycle.Thread], error) {
	sys, err := paddockGIL(finalizeWork)
	if err != nil {
		return sys, err
	}
	var mu sync.Mutex
	var holder atomic.Pointer[lifecycle.Thread]
	sys.acquire = func(t *lifecycle.Thread) error {
		if t.MustExit() {
			return errors.New("must exit")
		}
		mu.Lock()
		holder.Store(t)
		return nil
	}
	sys.release = func(*lifecycle.Thread) {
		holder.Store(nil)
		mu.Unlock()
	}
	sys.heldByDaemon = func() bool { return holder.Load() != nil }
	return sys, nil
}
