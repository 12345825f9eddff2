package lifecycle_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paddock-go/paddock/lifecycle"
)

const helperEnv = "LIFECYCLE_RUN_HELPER"

// runHelper runs one Run scenario when the test binary is re-executed by
// TestRun, and exits with Run's code.
func runHelper() bool {
	name := os.Getenv(helperEnv)
	if name == "" {
		return false
	}
	rt := lifecycle.Default()
	say := func(s string) { fmt.Println(s) }
	opts := lifecycle.Options{
		Logger:          slog.New(slog.NewTextHandler(os.Stderr, nil)),
		FinalizeTimeout: time.Minute,
	}
	var main func(ctx context.Context) error
	switch name {
	case "ok":
		main = func(ctx context.Context) error {
			_ = rt.AtExit(func(context.Context) error { say("atexit"); return nil })
			return rt.Go("worker", func(*lifecycle.Thread) { time.Sleep(20 * time.Millisecond); say("worker done") })
		}
	case "error":
		main = func(ctx context.Context) error { return errors.New("main failed") }
	case "signal", "signal-default":
		if name == "signal-default" {
			opts.FinalizeTimeout = 0 // DefaultFinalizeTimeout
		}
		main = func(ctx context.Context) error {
			_ = rt.AtExit(func(context.Context) error { say("atexit"); return nil })
			say("ready")
			<-ctx.Done()
			return ctx.Err()
		}
	case "second":
		main = func(ctx context.Context) error {
			_ = rt.AtExit(func(context.Context) error { say("atexit"); return nil })
			say("ready")
			select {} // ignores ctx: only a second signal ends the process
		}
	case "stuck":
		opts.FinalizeTimeout = 100 * time.Millisecond
		main = func(ctx context.Context) error {
			return rt.Go("stuck-worker", func(*lifecycle.Thread) { select {} })
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown helper", name)
		os.Exit(3)
	}
	os.Exit(lifecycle.RunWith(opts, main))
	return true
}

// TestRun re-executes the test binary for each scenario, since Run handles
// process signals and the exit code.
func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		helper     string
		sig        syscall.Signal
		signals    int
		wantCode   int
		wantOut    string // stdout after "ready", lines joined by '|'
		wantStderr string
	}{
		{"ok", "ok", 0, 0, 0, "worker done|atexit", ""},
		{"error", "error", 0, 0, 1, "", "main failed"},
		{"sigint", "signal", syscall.SIGINT, 1, 130, "atexit", "signal received, finalizing\" timeout=1m0s"},
		{"default-timeout", "signal-default", syscall.SIGINT, 1, 130, "atexit", "signal received, finalizing\" timeout=15s"},
		{"sigterm", "signal", syscall.SIGTERM, 1, 130, "atexit", "signal received"},
		{"second", "second", syscall.SIGINT, 2, 130, "", "second signal"},
		{"second-sigterm", "second", syscall.SIGTERM, 2, 130, "", "second signal"},
		{"stuck", "stuck", 0, 0, 1, "", "stuck-worker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+tt.helper)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr syncBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(stdout)
			if tt.signals > 0 {
				line, err := r.ReadString('\n')
				if err != nil || line != "ready\n" {
					t.Fatalf("got %q, %v from the helper, want ready", line, err)
				}
				for i := range tt.signals {
					if err := cmd.Process.Signal(tt.sig); err != nil {
						t.Fatal(err)
					}
					if i+1 < tt.signals {
						// Two signals sent before the first is handled
						// may reach the process as one: send the next
						// once Run has logged the first.
						waitForOutput(t, &stderr, "signal received")
					}
				}
			}
			rest, _ := io.ReadAll(r)
			err = cmd.Wait()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Errorf("got exit code %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if got := strings.Join(strings.Split(strings.TrimSpace(string(rest)), "\n"), "|"); got != tt.wantOut {
				t.Errorf("got output %q, want %q", got, tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("got stderr %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

// syncBuffer is a strings.Builder that the test reads while the helper
// process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitForOutput waits, generously, until buf contains want.
func waitForOutput(t *testing.T, buf *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(buf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the helper did not write %q within 30s; stderr:\n%s", want, buf.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunWithInvalidTimeout(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	ran := false
	code := lifecycle.RunWith(lifecycle.Options{
		Runtime:         lifecycle.New(),
		FinalizeTimeout: -time.Second,
		Logger:          slog.New(slog.NewTextHandler(&buf, nil)),
	}, func(context.Context) error { ran = true; return nil })
	if code != 1 || ran {
		t.Errorf("got code %d, ran %v; want 1 without running main", code, ran)
	}
	if !strings.Contains(buf.String(), "FinalizeTimeout") {
		t.Errorf("got log %q, want it to name FinalizeTimeout", buf.String())
	}
}

// RunWith in process, on a private runtime: main's error gives code 1 and
// the runtime is finalized.
func TestRunWithInProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"ok", nil, 0},
		{"error", errors.New("boom"), 1},
	}
	for _, tt := range tests {
		rt := lifecycle.New()
		code := lifecycle.RunWith(lifecycle.Options{
			Runtime: rt,
			Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		}, func(context.Context) error { return tt.err })
		if code != tt.want {
			t.Errorf("%s: got code %d, want %d", tt.name, code, tt.want)
		}
		if !rt.Finalizing() {
			t.Errorf("%s: got Finalizing()=false after RunWith, want true", tt.name)
		}
		if err := rt.Reap(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// After a signal, main takes a while to return; Finalize still gets the
// whole FinalizeTimeout, counted from when it starts, not from the signal.
// Not parallel: it signals the test process, and every RunWith running
// then would see the signal (the parallel tests start after it).
func TestRunWithFinalizeTimeoutStartsAfterMain(t *testing.T) {
	const timeout = 4 * time.Second
	const mainCleanup = 3 * time.Second // what main takes to return after the signal
	rt := lifecycle.New()
	var left time.Duration // Finalize's time left when its first hook runs
	atExitRan := false
	code := lifecycle.RunWith(lifecycle.Options{
		Runtime:         rt,
		FinalizeTimeout: timeout,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, func(ctx context.Context) error {
		if _, err := rt.BeforeJoin(func(fctx context.Context) error {
			if d, ok := fctx.Deadline(); ok {
				left = time.Until(d)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := rt.AtExit(func(context.Context) error { atExitRan = true; return nil }); err != nil {
			return err
		}
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
			return err
		}
		<-ctx.Done()
		time.Sleep(mainCleanup)
		return ctx.Err()
	})
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code != lifecycle.ExitInterrupt || !atExitRan {
		t.Errorf("got code %d, AtExit ran %v; want %d, true", code, atExitRan, lifecycle.ExitInterrupt)
	}
	// Generous: this allows 1.5 s between Finalize's start and its first
	// hook; with the time main took counted, at most timeout-mainCleanup
	// (1 s) would be left.
	if want := timeout - mainCleanup/2; left < want {
		t.Errorf("got %v left of Finalize's %v timeout when its first hook ran, want more than %v", left.Round(time.Millisecond), timeout, want)
	}
}

// In process: the first signal cancels main's context, with a cause naming
// it, and the second calls Exit with 130 at once. ctx's end means the
// watcher took the first signal (it cancels ctx itself), so the second is
// counted apart. Not parallel: it signals the test process.
func TestRunWithSignals(t *testing.T) {
	rt := lifecycle.New()
	exited := make(chan int, 1)
	var cause error
	code := lifecycle.RunWith(lifecycle.Options{
		Runtime: rt,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Exit:    func(code int) { exited <- code },
	}, func(ctx context.Context) error {
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
			return err
		}
		<-ctx.Done()
		cause = context.Cause(ctx)
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
			return err
		}
		select {
		case c := <-exited:
			exited <- c
		case <-time.After(20 * time.Second):
			return errors.New("no exit 20 s after the second signal")
		}
		return ctx.Err()
	})
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code != lifecycle.ExitInterrupt {
		t.Errorf("got code %d, want %d", code, lifecycle.ExitInterrupt)
	}
	if want := "interrupt signal received"; cause == nil || !strings.Contains(cause.Error(), want) {
		t.Errorf("got cause %v, want it to contain %q", cause, want)
	}
	select {
	case c := <-exited:
		if c != lifecycle.ExitInterrupt {
			t.Errorf("got Exit(%d), want Exit(%d)", c, lifecycle.ExitInterrupt)
		}
	default:
		t.Error("Exit was not called on the second signal")
	}
}

// runInterrupted runs RunWith on a runtime of its own with a main that
// signals the test process with SIGINT, waits for its context to end, and
// returns what stop makes of ctx's cause; it returns Run's exit code and
// log. Its callers are not parallel, as it signals the process.
func runInterrupted(t *testing.T, stop func(cause error) error) (int, string) {
	t.Helper()
	rt := lifecycle.New()
	var logs syncBuffer
	code := lifecycle.RunWith(lifecycle.Options{
		Runtime: rt,
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
	}, func(ctx context.Context) error {
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
			return err
		}
		<-ctx.Done()
		return stop(context.Cause(ctx))
	})
	if err := rt.Reap(context.Background()); err != nil {
		t.Fatal(err)
	}
	return code, logs.String()
}

// TestRunWithMainReturnsCause: a main that returns context.Cause(ctx) after
// the signal, as STYLE.md asks of code that stops on ctx, stopped because
// Run asked it to: exit 130 and no error logged. The cause does not wrap
// context.Canceled, and Run logged it as an error ("lifecycle: exiting").
func TestRunWithMainReturnsCause(t *testing.T) {
	code, logs := runInterrupted(t, func(cause error) error { return cause })
	if code != lifecycle.ExitInterrupt || strings.Contains(logs, "level=ERROR") {
		t.Errorf("got code %d and log:\n%s\nwant %d and no error", code, logs, lifecycle.ExitInterrupt)
	}
}

// TestRunWithLogsRealErrorBesideCause: main's own error joined with ctx's
// cause is still logged after a signal (exit 130 either way); matching the
// cause anywhere in the chain hid it.
func TestRunWithLogsRealErrorBesideCause(t *testing.T) {
	code, logs := runInterrupted(t, func(cause error) error {
		return errors.Join(errors.New("flush: disk full"), cause)
	})
	if code != lifecycle.ExitInterrupt || !strings.Contains(logs, "disk full") {
		t.Errorf("got code %d and log:\n%s\nwant %d and the error logged", code, logs, lifecycle.ExitInterrupt)
	}
}
