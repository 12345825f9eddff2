package executor

import (
	"errors"
	"fmt"

	"github.com/paddock-go/paddock/lifecycle"
)

// Sentinel errors; compare with errors.Is.
var (
	// ErrShutdown is returned by [Submit] and [Executor.Go] once Shutdown or
	// ShutdownNow began (CPython's "cannot schedule new futures after
	// shutdown").
	ErrShutdown = errors.New("executor: cannot schedule new futures after shutdown")

	// ErrFinalizing is returned by [Submit] and [Executor.Go] once the
	// executor's lifecycle.Runtime began finalizing (CPython's "cannot
	// schedule new futures after interpreter shutdown"). errors.Is reports
	// it as [ErrShutdown] and as lifecycle.ErrFinalizing too, since it is
	// both.
	ErrFinalizing error = finalizingError{}

	// ErrBroken is returned, wrapping the initializer's error, by the
	// submissions that follow a failed initializer, and is the error of
	// every future that was queued when the pool broke (CPython's
	// BrokenThreadPool).
	ErrBroken = errors.New("executor: a worker initializer failed, the pool is not usable anymore")

	// ErrRejected is returned when the bounded queue is full and the
	// rejection policy is [Abort].
	ErrRejected = errors.New("executor: queue full, task rejected")

	// ErrInvalidState is returned when a final state is set on a future
	// that already has one (CPython's InvalidStateError).
	ErrInvalidState = errors.New("executor: future already in a final state")

	// ErrCancelled is the error of a cancelled future (CPython's
	// CancelledError).
	ErrCancelled = errors.New("executor: future cancelled")
)

type finalizingError struct{}

func (finalizingError) Error() string {
	return "executor: cannot schedule new futures after runtime finalization began"
}

// Unwrap makes errors.Is(ErrFinalizing, ErrShutdown) and
// errors.Is(ErrFinalizing, lifecycle.ErrFinalizing) true.
func (finalizingError) Unwrap() []error { return []error{ErrShutdown, lifecycle.ErrFinalizing} }

// A PanicError is the error of a future whose task panicked: the panic value
// and the stack of the panicking goroutine. The worker survives the panic.
// A *PanicError is immutable and safe to share.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // runtime/debug.Stack() at the recover
}

// Error returns "executor: task panicked: ", the panic value, a blank line
// and the stack.
func (p *PanicError) Error() string {
	return fmt.Sprintf("executor: task panicked: %v\n\n%s", p.Value, p.Stack)
}

// Unwrap returns the panic value when it is an error, else nil.
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}
