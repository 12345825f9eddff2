package gil

import (
	"slices"
	"time"

	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// wait queues t and blocks until the lock is handed to it (true) or t must
// exit (false: t is out of the queue and does not hold the lock). It is the
// slow path of Acquire, the counterpart of CPython's take_gil loop.
func (l *Lock) wait(t *lifecycle.Thread) bool {
	start := time.Now()
	w := waiterPool.Get().(*waiter)
	w.t = t
	// Each return below gives w back (putWaiter) only where handOff can no
	// longer reach it: never queued, dequeued before it was handed the
	// lock, or its one hand-off received. Not deferred: were wait ever to
	// unwind with w still queued, w would be lost, never reused.
	//
	// Under mu, either take the free word or mark it contended, each with
	// a compare-and-swap: a holder freeing the word at the same moment
	// makes ours fail, and we look again. Once the bit is set, the holder's
	// uncontended compare-and-swap fails and it hands off under mu, after
	// we are queued (see drop).
	l.mu.Lock()
	for {
		old := l.word.Load()
		schedpoint.Point("gil.wait.afterLoad")
		if old == 0 {
			if l.word.CompareAndSwap(0, wordOf(t)) {
				l.mu.Unlock()
				putWaiter(w)
				return true
			}
			continue
		}
		if old&contended != 0 || l.word.CompareAndSwap(old, old|contended) {
			break
		}
	}
	l.queue = append(l.queue, w)
	switches := l.switches
	l.mu.Unlock()
	schedpoint.Point("gil.wait.queued")

	if w.timer == nil {
		w.timer = time.NewTimer(l.SwitchInterval())
	} else {
		w.timer.Reset(l.SwitchInterval())
	}
	for {
		select {
		case <-w.ready:
			putWaiter(w)
			l.noteWait(time.Since(start))
			return true
		case <-t.Stopping():
			// Check 2, while waiting: finalization woke us.
			schedpoint.Point("gil.wait.stopping")
			if l.dequeue(w) {
				putWaiter(w)
				return false
			}
			// The lock was handed to us meanwhile: give it on.
			<-w.ready
			putWaiter(w)
			l.unlock(t)
			return false
		case <-w.timer.C:
			// A whole interval with no switch: ask the holder to drop.
			l.mu.Lock()
			if l.switches == switches && !l.dropRequest.Load() {
				l.dropRequest.Store(true)
				l.drops++
			}
			switches = l.switches
			l.mu.Unlock()
			w.timer.Reset(l.SwitchInterval())
		}
	}
}

// putWaiter stops w's timer and gives w back to waiterPool. The drain
// after Stop matters only to a program built with GODEBUG=asynctimerchan=1
// (or a main module older than Go 1.23), where a fired timer's value can
// stay in its channel after Stop and would end the next wait's first
// interval at once.
func putWaiter(w *waiter) {
	if w.timer != nil && !w.timer.Stop() {
		select {
		case <-w.timer.C:
		default:
		}
	}
	w.t = nil
	waiterPool.Put(w)
}

// dequeue removes w from the queue; false means it was already handed the
// lock.
func (l *Lock) dequeue(w *waiter) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, x := range l.queue {
		if x == w {
			l.queue = slices.Delete(l.queue, i, i+1) // clears the vacated slot: no stale waiter behind len
			if len(l.queue) == 0 {
				// No one waits any more: the holder may free the word
				// with its uncontended compare-and-swap, and no drop
				// request stands.
				l.word.And(^uint64(contended))
				l.dropRequest.Store(false)
			}
			return true
		}
	}
	return false
}

func (l *Lock) noteWait(d time.Duration) {
	l.mu.Lock()
	if d > l.longest {
		l.longest = d
	}
	l.mu.Unlock()
}
