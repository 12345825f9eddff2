package executor

import (
	"context"
	"iter"
)

// MapOptions configures [Map]. The zero value submits every input at once.
type MapOptions struct {
	// BufferSize, when greater than 0, bounds the tasks submitted and not
	// yet consumed: Map then submits lazily, BufferSize ahead of the loop,
	// starting when the loop starts. When 0, Map submits every input
	// before it returns, as CPython's Executor.map does, even if the
	// result is never ranged over.
	BufferSize int
}

// Map runs fn on every element of in on e and yields the results in input
// order. A failed element yields its error, with what its task returned
// beside it (the zero value when it panicked or was cancelled), as
// [Future.Result] does, and the loop may go on. When ctx ends, Map submits nothing more, yields in order the
// results that finished without an error up to the first that did not,
// then context.Cause(ctx) once, cancels the futures not started and stops;
// a task whose turn comes after ctx ended returns context.Cause(ctx)
// without calling fn. Stopping the loop early (a break, or a panic in the
// loop body) cancels the futures not started. A submission error (such as
// [ErrShutdown]) is yielded at its element, and ends the sequence. Map
// panics at once, before any submission, if e, in or fn is nil.
func Map[T, R any](ctx context.Context, e *Executor, in iter.Seq[T], fn func(context.Context, T) (R, error), opts MapOptions) iter.Seq2[R, error] {
	switch {
	case e == nil:
		panic("executor: Map with a nil executor")
	case in == nil:
		panic("executor: Map with a nil input sequence")
	case fn == nil:
		panic("executor: Map with a nil function")
	}
	submit := func(x T) (*Future[R], error) {
		return Submit(e, func(tctx context.Context) (R, error) {
			if ctx.Err() != nil {
				var zero R
				return zero, context.Cause(ctx)
			}
			return fn(tctx, x)
		})
	}
	if opts.BufferSize <= 0 {
		var fs []*Future[R]
		var serr error
		for x := range in {
			if ctx.Err() != nil {
				serr = context.Cause(ctx) // submit nothing more
				break
			}
			f, err := submit(x)
			if err != nil {
				serr = err
				break
			}
			fs = append(fs, f)
		}
		return func(yield func(R, error) bool) {
			consume(ctx, fs, yield, serr)
		}
	}
	return func(yield func(R, error) bool) {
		next, stop := iter.Pull(in)
		defer stop()
		window := make([]*Future[R], 0, opts.BufferSize)
		var serr error
		exhausted, ctxEnded := false, false
		fill := func() {
			for serr == nil && !exhausted && len(window) < opts.BufferSize {
				if ctx.Err() != nil {
					ctxEnded = true // submit nothing more
					return
				}
				x, ok := next()
				if !ok {
					exhausted = true
					return
				}
				f, err := submit(x)
				if err != nil {
					serr = err
					return
				}
				window = append(window, f)
			}
		}
		defer func() { cancelAll(window) }()
		for fill(); len(window) > 0; fill() {
			f := window[0]
			window = window[1:]
			v, err := f.Result(ctx)
			if err != nil && ctx.Err() != nil {
				f.Cancel()
				yield(v, context.Cause(ctx))
				return
			}
			if !yield(v, err) {
				return
			}
		}
		var zero R
		switch {
		case serr != nil:
			yield(zero, serr)
		case ctxEnded:
			yield(zero, context.Cause(ctx)) // the rest of the input was not submitted
		}
	}
}

// consume yields the results of fs in order, then serr if not nil. However
// it stops (the loop's break, ctx's end, a panic in the loop body), it
// cancels the futures it has not yielded.
func consume[R any](ctx context.Context, fs []*Future[R], yield func(R, error) bool, serr error) {
	next := 0 // fs[next:] are not yielded yet
	defer func() { cancelAll(fs[next:]) }()
	for next < len(fs) {
		f := fs[next]
		v, err := f.Result(ctx)
		if err != nil && ctx.Err() != nil {
			yield(v, context.Cause(ctx))
			return
		}
		next++
		if !yield(v, err) {
			return
		}
	}
	if serr != nil {
		var zero R
		yield(zero, serr)
	}
}

func cancelAll[R any](fs []*Future[R]) {
	for _, f := range fs {
		f.Cancel()
	}
}
