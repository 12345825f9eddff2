package gil

import (
	"time"

	"github.com/paddock-go/paddock/internal/schedpoint"
	"github.com/paddock-go/paddock/lifecycle"
)

// wait queues t and blocks until the lock is handed to it (true) or t must
// exit (false: t is out of the queue and does not hold the lock). It is the
// slow path of Acquire, the counterpart of CPython's take_gil loop.
func (l *Lock) wait(t *lifecycle.Thread) bool {
	start := time.Now()
	w := &waiter{t: t, ready: make(chan struct{})}
	// Count ourselves, then try the lock word once more: a drop that freed
	// it before seeing the count is answered here (see drop). Both under
	// mu, so a drop that saw the count finds us queued.
	l.mu.Lock()
	l.waiters.Add(1)
	if l.holder.CompareAndSwap(0, t.ID()) {
		l.waiters.Add(-1)
		l.mu.Unlock()
		return true
	}
	l.queue = append(l.queue, w)
	switches := l.switches
	l.mu.Unlock()
	schedpoint.Point("gil.wait.queued")

	timer := time.NewTimer(l.SwitchInterval())
	defer timer.Stop()
	for {
		select {
		case <-w.ready:
			l.noteWait(time.Since(start))
			return true
		case <-t.Stopping():
			// Check 2, while waiting: finalization woke us.
			schedpoint.Point("gil.wait.stopping")
			if l.dequeue(w) {
				return false
			}
			// The lock was handed to us meanwhile: give it on.
			<-w.ready
			l.unlock(t)
			return false
		case <-timer.C:
			// A whole interval with no switch: ask the holder to drop.
			l.mu.Lock()
			if l.switches == switches && !l.dropRequest.Load() {
				l.dropRequest.Store(true)
				l.drops++
			}
			switches = l.switches
			l.mu.Unlock()
			timer.Reset(l.SwitchInterval())
		}
	}
}

// dequeue removes w from the queue; false means it was already handed the
// lock.
func (l *Lock) dequeue(w *waiter) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, x := range l.queue {
		if x == w {
			l.queue = append(l.queue[:i], l.queue[i+1:]...)
			l.waiters.Add(-1)
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
