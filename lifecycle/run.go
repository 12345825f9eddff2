package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// DefaultFinalizeTimeout is how long [Run] lets Finalize take.
const DefaultFinalizeTimeout = 15 * time.Second

// Exit codes returned by [Run].
const (
	ExitOK        = 0   // main and Finalize succeeded
	ExitError     = 1   // main or Finalize returned an error
	ExitInterrupt = 130 // a signal stopped the program (128 + SIGINT)
)

// Options configure [RunWith]. The zero value is what [Run] uses.
type Options struct {
	// Runtime is the runtime to finalize; nil means Default().
	Runtime *Runtime
	// FinalizeTimeout is the timeout of Finalize's context, which starts
	// when Finalize does: it bounds the join of non-daemon goroutines and
	// is the hooks' deadline (Finalize still waits for a hook that ignores
	// its context). After a signal it also bounds, separately, the wait for
	// main to return, so that Run never hangs on a main that ignores its
	// context (a second signal exits at once). 0 means
	// DefaultFinalizeTimeout. It must not be negative.
	FinalizeTimeout time.Duration
	// Logger receives Run's messages; nil means slog.Default().
	Logger *slog.Logger
	// Exit ends the process at once on a second signal; nil means os.Exit.
	Exit func(code int)
}

// Run is the recommended main of a paddock program:
//
//	func main() { os.Exit(lifecycle.Run(run)) }
//
// It runs main with a context cancelled on SIGINT or SIGTERM (its
// [context.Cause] names the signal). When main returns, or a signal comes
// (main then gets up to [DefaultFinalizeTimeout] to return), it finalizes
// [Default], with a timeout of DefaultFinalizeTimeout of its own that starts
// with Finalize. A second signal exits the process at once with code 130.
// Run returns the exit code: 0, 1 when main or Finalize failed (or main
// called runtime.Goexit), 130 after a signal. It logs through log/slog.
// Finalize runs on a goroutine of its own, so that a hook calling
// runtime.Goexit cannot end the goroutine that called Run.
func Run(main func(ctx context.Context) error) int { return RunWith(Options{}, main) }

// RunWith is [Run] with options. An invalid option is logged and gives
// exit code 1 without running main.
func RunWith(opts Options, main func(ctx context.Context) error) int {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.FinalizeTimeout < 0 {
		log.Error("lifecycle: invalid options", "err",
			fmt.Errorf("lifecycle: Options.FinalizeTimeout = %v, want >= 0", opts.FinalizeTimeout))
		return ExitError
	}
	timeout := opts.FinalizeTimeout
	if timeout == 0 {
		timeout = DefaultFinalizeTimeout
	}
	rt := opts.Runtime
	if rt == nil {
		rt = Default()
	}
	exit := opts.Exit
	if exit == nil {
		exit = os.Exit
	}

	// One registration, one channel: the watcher cancels ctx on the first
	// signal and exits at once on the second, so both count the same
	// signals. (With signal.NotifyContext beside a channel of our own, a
	// signal that came between the two registrations reached one only.)
	ctx, interrupt := context.WithCancelCause(context.Background())
	defer interrupt(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var watcher sync.WaitGroup
	done := make(chan struct{})
	defer func() { close(done); watcher.Wait() }()
	watcher.Go(func() { watchSignals(sigs, done, interrupt, log, exit) })

	mainErr := goResult(func() error { return main(ctx) }, func() error {
		return errors.New("lifecycle: main ended without returning (runtime.Goexit)")
	})
	interrupted, err := awaitMain(ctx, mainErr, timeout, log)
	// Finalize's timeout starts now, so that the time main took to return
	// after a signal does not come out of it.
	fctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Finalize runs on a goroutine of its own: a hook that calls
	// runtime.Goexit ends the goroutine Finalize runs on, which here,
	// under Run, would be the program's main, and it would never exit.
	// Finalize completes its steps as that goroutine unwinds, and a second
	// call then returns the same result at once.
	ferrc := goResult(func() error { return rt.Finalize(fctx) }, func() error {
		return rt.Finalize(context.Background())
	})
	if ferr := <-ferrc; ferr != nil {
		err = errors.Join(err, ferr)
	}
	if err != nil {
		log.Error("lifecycle: exiting", "err", err)
	}
	if interrupted {
		return ExitInterrupt
	}
	if err != nil {
		return ExitError
	}
	return ExitOK
}

// awaitMain waits for main's result, or for a signal (ctx's end); after a
// signal, it gives main up to timeout more to return, so that Run never
// hangs on a main that ignores ctx. interrupted reports whether a signal
// came; main's context.Canceled, or ctx's cause, is then no error, since we
// asked it to stop.
func awaitMain(ctx context.Context, mainErr <-chan error, timeout time.Duration, log *slog.Logger) (interrupted bool, err error) {
	returned := false
	select {
	case err = <-mainErr:
		returned = true
	case <-ctx.Done():
	}
	// A signal counts even when main saw it first and has already returned:
	// both cases of the select above can be ready at once. It is judged
	// once, so the log and the exit code agree.
	if ctx.Err() == nil {
		return false, err
	}
	log.Info("lifecycle: signal received, finalizing", "timeout", timeout)
	if !returned {
		wait := time.NewTimer(timeout)
		defer wait.Stop()
		select {
		case err = <-mainErr:
		case <-wait.C:
			err = fmt.Errorf("lifecycle: main did not return within %v of the signal", timeout)
		}
	}
	if errors.Is(err, context.Canceled) || err == context.Cause(ctx) {
		err = nil // main stopped because we asked it to (it may return the cause)
	}
	return true, err
}

// watchSignals cancels main's context on the first signal, with a cause
// naming it (as signal.NotifyContext does), and exits at once on the second.
func watchSignals(sigs <-chan os.Signal, done <-chan struct{}, interrupt context.CancelCauseFunc, log *slog.Logger, exit func(int)) {
	first := true
	for {
		select {
		case s := <-sigs:
			if first {
				first = false
				interrupt(fmt.Errorf("lifecycle: %v signal received", s))
				continue
			}
			log.Error("lifecycle: second signal, exiting now", "signal", s.String())
			exit(ExitInterrupt)
			return
		case <-done:
			return
		}
	}
}

// goResult runs fn on a goroutine of its own and delivers its result on
// the returned channel (buffered, so the goroutine never blocks on it).
// When fn calls runtime.Goexit instead of returning, ifGoexit's result is
// delivered as the goroutine unwinds. (A panic goes on and ends the
// program; ifGoexit then runs too, to no effect.)
func goResult(fn, ifGoexit func() error) <-chan error {
	res := make(chan error, 1)
	go func() {
		returned := false
		defer func() {
			if !returned {
				res <- ifGoexit()
			}
		}()
		err := fn()
		returned = true
		res <- err
	}()
	return res
}
