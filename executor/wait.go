package executor

import (
	"context"
	"fmt"
	"iter"
)

// WaitMode says when [Wait] returns.
type WaitMode int

const (
	// AllCompleted returns when every future is final (the default).
	AllCompleted WaitMode = iota
	// FirstCompleted returns when any future is final.
	FirstCompleted
	// FirstException returns when any future finishes with an error, or
	// when every future is final. Cancelled futures do not count as errors.
	FirstException
)

// String returns the mode's name, as in "FirstCompleted".
func (m WaitMode) String() string {
	switch m {
	case AllCompleted:
		return "AllCompleted"
	case FirstCompleted:
		return "FirstCompleted"
	case FirstException:
		return "FirstException"
	}
	return fmt.Sprintf("WaitMode(%d)", int(m))
}

// dedupe returns fs without repeats, in first-seen order.
func dedupe(fs []Waitable) []Waitable {
	if len(fs) < 2 {
		if len(fs) == 1 && fs[0] == nil {
			panic("executor: nil future")
		}
		return fs
	}
	seen := make(map[*core]struct{}, len(fs))
	out := make([]Waitable, 0, len(fs))
	for _, f := range fs {
		if f == nil {
			panic("executor: nil future")
		}
		c := f.futureCore()
		if _, ok := seen[c]; !ok {
			seen[c] = struct{}{}
			out = append(out, f)
		}
	}
	return out
}

// raised reports whether a final future finished with an error.
func raised(c *core) bool { return c.state.Load() == stateFinished && c.x != nil }

// subscription listens on a set of futures: each one that becomes final is
// sent once on ch, which has room for all of them.
type subscription struct {
	ch      chan Waitable
	pending []Waitable
}

// subscribe splits fs into those already final and those it listens on.
func subscribe(fs []Waitable) (final []Waitable, s *subscription) {
	s = &subscription{ch: make(chan Waitable, len(fs))}
	for _, f := range fs {
		c := f.futureCore()
		if isFinal(c.state.Load()) || !c.listen(func(l *listeners) { l.waiters = append(l.waiters, waiter{ch: s.ch, w: f}) }) {
			final = append(final, f)
			continue
		}
		s.pending = append(s.pending, f)
	}
	return final, s
}

// cancel stops listening, so that no stale waiter stays on a future.
func (s *subscription) cancel() {
	for _, f := range s.pending {
		f.futureCore().removeWaiter(s.ch)
	}
}

// Wait waits until the futures satisfy mode (see [WaitMode]) or ctx ends,
// and returns those final and those not; a future given twice counts once.
// Every future found final as Wait returns is among the done ones, also one
// that became final after mode was satisfied (as in CPython, where every
// future that finished before the waiter was removed is done). When ctx ends
// first it returns the sets at that moment and context.Cause(ctx), or a nil
// error if the done futures satisfy mode after all. Like CPython's wait, it
// returns at once when the condition already holds, and so at once for no
// futures, whatever the mode. It panics for a mode that is none of the three
// (CPython raises ValueError).
func Wait(ctx context.Context, fs []Waitable, mode WaitMode) (done, notDone []Waitable, err error) {
	if mode < AllCompleted || mode > FirstException {
		panic(fmt.Sprintf("executor: Wait with an invalid mode, %v", mode))
	}
	fs = dedupe(fs)
	final, s := subscribe(fs)
	defer s.cancel()
	done = final
	got := make(map[Waitable]bool, len(s.pending))
	anyRaised := false
	add := func(f Waitable) {
		got[f] = true
		done = append(done, f)
		anyRaised = anyRaised || raised(f.futureCore())
	}
	for _, f := range final {
		anyRaised = anyRaised || raised(f.futureCore())
	}
	satisfied := func() bool {
		switch mode {
		case FirstCompleted:
			return len(done) > 0 || len(fs) == 0
		case FirstException:
			if anyRaised {
				return true
			}
		}
		return len(done) == len(fs)
	}
waiting:
	for !satisfied() {
		select {
		case f := <-s.ch:
			add(f)
		case <-ctx.Done():
			break waiting
		}
	}
	// A future final by now may not have been sent on ch yet (its notify
	// runs after the state is stored), or sent and not read: go by the
	// state, as CPython counts every future finished before its waiter
	// was removed.
	for _, f := range s.pending {
		if !got[f] && isFinal(f.futureCore().state.Load()) {
			add(f)
		}
	}
	if !satisfied() {
		err = context.Cause(ctx)
	}
	for _, f := range s.pending {
		if !got[f] {
			notDone = append(notDone, f)
		}
	}
	return done, notDone, err
}

// AsCompleted yields each future once it is final: first those already
// final, then the others in the order they complete; a future given twice
// is yielded once. When ctx ends before all are final it yields the
// futures that became final before that and were not yielded yet, then a
// nil future and an error "N (of M) futures unfinished" wrapping
// context.Cause(ctx), and stops. Stopping the loop early is fine.
func AsCompleted(ctx context.Context, fs []Waitable) iter.Seq2[Waitable, error] {
	return func(yield func(Waitable, error) bool) {
		fs := dedupe(fs)
		final, s := subscribe(fs)
		defer s.cancel()
		for _, f := range final {
			if !yield(f, nil) {
				return
			}
		}
		yielded := make(map[*core]bool)
		for left := len(s.pending); left > 0; left-- {
			select {
			case f := <-s.ch:
				yielded[f.futureCore()] = true
				if !yield(f, nil) {
					return
				}
			case <-ctx.Done():
				// As in Wait: go by the state, not by what ch holds.
				for _, f := range s.pending {
					if c := f.futureCore(); !yielded[c] && isFinal(c.state.Load()) {
						yielded[c] = true
						left--
						if !yield(f, nil) {
							return
						}
					}
				}
				if left > 0 {
					yield(nil, &UnfinishedError{Unfinished: left, Total: len(fs), Err: context.Cause(ctx)})
				}
				return
			}
		}
	}
}

// UnfinishedError is the error of [AsCompleted] when its context ends
// before every future is final (CPython's TimeoutError message).
type UnfinishedError struct {
	Unfinished, Total int
	Err               error // context.Cause of the context that ended
}

// Error returns CPython's message, "N (of M) futures unfinished".
func (e *UnfinishedError) Error() string {
	return fmt.Sprintf("%d (of %d) futures unfinished", e.Unfinished, e.Total)
}

// Unwrap returns the context's cause, so errors.Is(err,
// context.DeadlineExceeded) works.
func (e *UnfinishedError) Unwrap() error { return e.Err }
