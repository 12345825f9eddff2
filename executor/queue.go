package executor

import "context"

// A task is a queued future, whatever its T.
type task interface {
	// run executes the task unless it was cancelled; see Future.run.
	run(ctx context.Context) (ran, failed bool)
	// Cancel is Future.Cancel. On a task taken out of the queue, which no
	// worker can run any more, it reports whether the task ends cancelled
	// (never started); the cancel lets go of the callable.
	Cancel() bool
	// fail finishes a queued task with err and reports whether it did.
	fail(err error) bool
	// abort finishes a running task with err: its function panicked or
	// called runtime.Goexit and will never return. It reports whether the
	// task counts as failed (see Future.abort).
	abort(err error) (failed bool)
}

// ring is a growable FIFO ring buffer of tasks. It is not safe for
// concurrent use: Executor.mu guards the executor's ring.
type ring struct {
	buf  []task // len(buf) is zero or a power of two
	head int    // index of the oldest task
	n    int    // number of tasks
}

func (r *ring) push(t task) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = t
	r.n++
}

func (r *ring) grow() {
	size := max(64, 2*len(r.buf))
	buf := make([]task, size)
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
	}
	r.buf, r.head = buf, 0
}

// pop removes and returns the oldest task, or nil.
func (r *ring) pop() task {
	if r.n == 0 {
		return nil
	}
	t := r.buf[r.head]
	r.buf[r.head] = nil // no stale reference from the buffer
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return t
}

// removeAt removes and returns the i-th oldest task, 0 <= i < r.n, keeping
// the order of the others: the i older ones move one place up.
func (r *ring) removeAt(i int) task {
	mask := len(r.buf) - 1
	t := r.buf[(r.head+i)&mask]
	for j := i; j > 0; j-- {
		r.buf[(r.head+j)&mask] = r.buf[(r.head+j-1)&mask]
	}
	r.buf[r.head] = nil
	r.head = (r.head + 1) & mask
	r.n--
	return t
}

// take moves every task out into the returned ring, leaving r empty.
func (r *ring) take() ring {
	out := *r
	*r = ring{}
	return out
}

// rings is a whole queue taken out at once: the workers' ring, then the
// submitters' ring, every task of the first older than every task of the
// second.
type rings [2]ring

// pop removes and returns the oldest task, or nil.
func (q *rings) pop() task {
	if t := q[0].pop(); t != nil {
		return t
	}
	return q[1].pop()
}

// len returns how many tasks q holds.
func (q *rings) len() int { return q[0].n + q[1].n }

// finishAll applies finish to every task of q (cancel or fail it), then
// calls done once with how many finish reported true. finish runs
// done-callbacks, and one that calls runtime.Goexit ends this goroutine:
// the deferred call then goes on with the rest of q, so that every task
// still reaches a final state and done still runs (the goroutine is ending
// then, and n leaves out the task whose callback called Goexit; Stats
// counts each cancel and failure before the callbacks run).
func (q *rings) finishAll(finish func(task) bool, done func(n int)) {
	n := 0
	defer func() { done(n) }() // after forEachPastGoexit's own deferred call
	forEachPastGoexit(func() (task, bool) {
		t := q.pop()
		return t, t != nil
	}, func(t task) {
		if finish(t) {
			n++
		}
	})
}

// joined moves every task into one ring, oldest first, and returns it. It
// copies the second ring's tasks (only a worker ended by runtime.Goexit
// needs this).
func (q *rings) joined() ring {
	r := q[0].take()
	for t := q[1].pop(); t != nil; t = q[1].pop() {
		r.push(t)
	}
	return r
}
