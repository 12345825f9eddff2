package executor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

// futureIn returns a future in the named state, CPython's test_futures
// PENDING_FUTURE, RUNNING_FUTURE, CANCELLED_FUTURE, EXCEPTION_FUTURE and
// SUCCESSFUL_FUTURE.
func futureIn(t *testing.T, state string) *executor.Future[int] {
	t.Helper()
	p := executor.NewPromise[int]()
	switch state {
	case "pending":
	case "running":
		p.SetRunning()
	case "cancelled":
		p.Future().Cancel()
	case "raised":
		if err := p.SetError(errors.New("oops")); err != nil {
			t.Fatal(err)
		}
	case "returned":
		if err := p.SetResult(42); err != nil {
			t.Fatal(err)
		}
	}
	return p.Future()
}

// TestFutureStateTable is CPython's test_done, test_running, test_cancel,
// test_cancelled and test_repr, as one table.
func TestFutureStateTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state                      string
		cancelled, running, isDone bool
		cancel                     bool // what Cancel returns
		repr                       string
	}{
		{"pending", false, false, false, true, `state=pending`},
		{"running", false, true, false, false, `state=running`},
		{"cancelled", true, false, true, true, `state=cancelled`},
		{"raised", false, false, true, false, `state=finished raised \*errors\.errorString`},
		{"returned", false, false, true, false, `state=finished returned int`},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			t.Parallel()
			f := futureIn(t, tt.state)
			if ok, _ := regexp.MatchString(`^<Future at 0x[0-9a-f]+ `+tt.repr+`>$`, f.String()); !ok {
				t.Errorf("got String %q, want %s", f, tt.repr)
			}
			if got := f.Cancelled(); got != tt.cancelled {
				t.Errorf("got Cancelled %v, want %v", got, tt.cancelled)
			}
			if got := f.Running(); got != tt.running {
				t.Errorf("got Running %v, want %v", got, tt.running)
			}
			if got := f.IsDone(); got != tt.isDone {
				t.Errorf("got IsDone %v, want %v", got, tt.isDone)
			}
			if got := f.Cancel(); got != tt.cancel {
				t.Errorf("got Cancel %v, want %v", got, tt.cancel)
			}
		})
	}
}

// TestFutureResult is CPython's test_result_with_timeout,
// test_result_with_success, test_result_with_cancel and
// test_exception_with_*: Result and Err per state, with a short timeout.
func TestFutureResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state   string
		want    int
		wantErr string
	}{
		{"pending", 0, context.DeadlineExceeded.Error()},
		{"running", 0, context.DeadlineExceeded.Error()},
		{"cancelled", 0, executor.ErrCancelled.Error()},
		{"raised", 0, "oops"},
		{"returned", 42, ""},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			t.Parallel()
			f := futureIn(t, tt.state)
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			v, err := f.Result(ctx)
			if v != tt.want || errString(err) != tt.wantErr {
				t.Errorf("got %v, %v, want %v, %q", v, err, tt.want, tt.wantErr)
			}
			if err := f.Err(ctx); errString(err) != tt.wantErr {
				t.Errorf("got Err %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestResultWaitsForSetter is test_result_with_success: a Result blocked on
// a pending future returns once another goroutine sets it.
func TestResultWaitsForSetter(t *testing.T) {
	t.Parallel()
	p := executor.NewPromise[string]()
	go func() {
		time.Sleep(time.Millisecond)
		_ = p.SetResult("done")
	}()
	if v, err := p.Future().Result(testCtx(t)); v != "done" || err != nil {
		t.Fatalf("got %v, %v, want done, nil", v, err)
	}
	select {
	case <-p.Future().Done():
	default:
		t.Fatal("Done not closed after Result returned")
	}
}

// TestSetFinalStateTwice: setting a final state twice is ErrInvalidState
// (CPython's test_multiple_set_result and test_multiple_set_exception).
func TestSetFinalStateTwice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		first, then func(*executor.Promise[int]) error
	}{
		{"result then result", setResult(1), setResult(2)},
		{"result then error", setResult(1), setError},
		{"error then result", setError, setResult(2)},
		{"error then error", setError, setError},
		{"cancel then result", func(p *executor.Promise[int]) error { p.Future().Cancel(); return nil }, setResult(2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := executor.NewPromise[int]()
			if err := tt.first(p); err != nil {
				t.Fatal(err)
			}
			before := p.Future().String()
			if err := tt.then(p); !errors.Is(err, executor.ErrInvalidState) {
				t.Fatalf("got %v, want ErrInvalidState", err)
			}
			if after := p.Future().String(); after != before {
				t.Fatalf("got %s after the second set, want %s", after, before)
			}
		})
	}
}

func setResult(v int) func(*executor.Promise[int]) error {
	return func(p *executor.Promise[int]) error { return p.SetResult(v) }
}

func setError(p *executor.Promise[int]) error { return p.SetError(errors.New("e")) }

// TestDoneCallbacks is CPython's test_done_callback_with_result,
// _with_exception, _with_cancel and _already_successful.
func TestDoneCallbacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		finish func(*executor.Promise[int])
		want   string
	}{
		{"result", func(p *executor.Promise[int]) { _ = p.SetResult(5) }, "5 <nil> false"},
		{"error", func(p *executor.Promise[int]) { _ = p.SetError(errors.New("bad")) }, "0 bad false"},
		{"cancel", func(p *executor.Promise[int]) { p.Future().Cancel() }, "0 executor: future cancelled true"},
	}
	for _, tt := range tests {
		for _, already := range []bool{false, true} {
			p := executor.NewPromise[int]()
			var got []string
			record := func(f *executor.Future[int]) {
				v, err := f.Result(context.Background())
				got = append(got, fmt.Sprintf("%d %v %v", v, err, f.Cancelled()))
			}
			if already {
				tt.finish(p)
				p.Future().AddDoneCallback(record)
			} else {
				p.Future().AddDoneCallback(record)
				p.Future().AddDoneCallback(record)
				if len(got) != 0 {
					t.Fatalf("%s: callback ran before the future was done", tt.name)
				}
				tt.finish(p)
			}
			wantN := 2
			if already {
				wantN = 1
			}
			if len(got) != wantN || got[0] != tt.want {
				t.Errorf("%s (already done %v): got %q, want %d x %q", tt.name, already, got, wantN, tt.want)
			}
		}
	}
}

// TestPanickingCallback is test_done_callback_raises: the panic is logged
// and the other callbacks still run. It replaces slog's default logger, so
// it does not run in parallel.
func TestPanickingCallback(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)

	p := executor.NewPromise[int]()
	ran := 0
	p.Future().AddDoneCallback(func(*executor.Future[int]) { ran++ })
	p.Future().AddDoneCallback(func(*executor.Future[int]) { panic("doh!") })
	p.Future().AddDoneCallback(func(*executor.Future[int]) { ran++ })
	_ = p.SetResult(1)
	if ran != 2 {
		t.Fatalf("got %d callbacks run, want 2", ran)
	}
	if out := buf.String(); !strings.Contains(out, "done callback panicked") || !strings.Contains(out, "doh!") {
		t.Fatalf("got log %q, want the panic logged", out)
	}
}

// TestCallbacksAfterGoexitCallbackRun: a done-callback that calls
// runtime.Goexit ends the goroutine that runs it, but the callbacks added
// after it still run, whether a worker or a Promise setter makes the future
// final. They used to be skipped: notify's loop was abandoned (found by
// review).
func TestCallbacksAfterGoexitCallbackRun(t *testing.T) {
	t.Parallel()
	for name, finish := range map[string]func(t *testing.T) *executor.Future[int]{
		"worker": func(t *testing.T) *executor.Future[int] {
			e := newExecutor(t, executor.WithMaxWorkers(1))
			started, release := make(chan struct{}), make(chan struct{})
			f := must[*executor.Future[int]](t)(executor.Submit(e, func(context.Context) (int, error) { close(started); <-release; return 7, nil }))
			<-started                            // running: the executor's cleanup cannot cancel it
			t.Cleanup(func() { close(release) }) // after the callbacks are added
			return f
		},
		"promise": func(t *testing.T) *executor.Future[int] {
			p := executor.NewPromise[int]()
			t.Cleanup(func() { go p.SetResult(7) }) // the setter's goroutine ends at the Goexit
			return p.Future()
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ran := make(chan int, 2)
			var f *executor.Future[int]
			t.Run("add", func(t *testing.T) {
				f = finish(t)
				f.AddDoneCallback(func(*executor.Future[int]) { ran <- 1; runtime.Goexit() })
				f.AddDoneCallback(func(*executor.Future[int]) { ran <- 2 })
			}) // its cleanup makes f final
			ctx := testCtx(t)
			for want := 1; want <= 2; want++ {
				select {
				case got := <-ran:
					if got != want {
						t.Fatalf("callback %d ran, want %d", got, want)
					}
				case <-ctx.Done():
					t.Fatalf("callback %d of %v never ran (callback 1 called runtime.Goexit)", want, f)
				}
			}
		})
	}
}

// TestPromiseSetWhilePendingNeverRunning: a Promise set while pending (never
// given SetRunning) is pending until its result is stored and finished
// after, and never reads as running, as CPython's set_result on a PENDING
// future. The setter is held between its claim and its store (-tags
// schedtest); it used to read as running there.
func TestPromiseSetWhilePendingNeverRunning(t *testing.T) {
	if !schedpoint.Enabled {
		t.Skip("needs -tags schedtest to hold the setter")
	}
	defer schedpoint.Set(schedpoint.Policy{Seed: 1, P: 1, Action: schedpoint.ActionSleep, Max: 20 * time.Millisecond, Filter: "executor.promise.claimed"})()
	p := executor.NewPromise[int]()
	f := p.Future()
	set := make(chan error)
	go func() { set <- p.SetResult(1) }()
	for {
		select {
		case err := <-set:
			if err != nil || !f.IsDone() {
				t.Fatalf("SetResult: %v, future %v", err, f)
			}
			return
		default:
		}
		if f.Running() || strings.Contains(f.String(), "running") {
			t.Fatalf("a promise set while pending reads as running: %v", f)
		}
	}
}

// TestDoneSameChannel: Done returns the same channel before and after the
// future becomes final, as context's Done does, so it can key a map or be
// told apart in a select. It failed when a final future's Done returned a
// shared closed channel instead of the one made while it was pending.
func TestDoneSameChannel(t *testing.T) {
	t.Parallel()
	p := executor.NewPromise[int]()
	before := p.Future().Done()
	if err := p.SetResult(1); err != nil {
		t.Fatal(err)
	}
	if after := p.Future().Done(); after != before {
		t.Fatalf("got %v once final, want the channel Done returned while pending, %v", after, before)
	}
	<-before // closed
	q := executor.NewPromise[int]()
	if err := q.SetResult(1); err != nil {
		t.Fatal(err)
	}
	if first, second := q.Future().Done(), q.Future().Done(); first != second {
		t.Fatal("two Done calls on a future final from the start returned two channels")
	}
}
