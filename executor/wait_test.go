package executor_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

func names(fs []executor.Waitable, of map[executor.Waitable]string) []string {
	var out []string
	for _, f := range fs {
		out = append(out, of[f])
	}
	slices.Sort(out)
	return out
}

// TestWait is CPython's WaitTests: first completed, first exception, all
// completed, duplicates and timeout, with futures in every state.
func TestWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		futures     []string // states (see futureIn); "late" is set 2 ms in
		mode        executor.WaitMode
		timeout     time.Duration
		wantDone    []string
		wantNotDone []string
		wantErr     error
	}{
		{"first completed", []string{"late", "pending"}, executor.FirstCompleted, 0, []string{"late"}, []string{"pending"}, nil},
		{"first completed already", []string{"returned", "cancelled", "pending"}, executor.FirstCompleted, 0, []string{"cancelled", "returned"}, []string{"pending"}, nil},
		{"first exception", []string{"returned", "late-raised", "pending"}, executor.FirstException, 0, []string{"late-raised", "returned"}, []string{"pending"}, nil},
		{"first exception none raise", []string{"returned", "cancelled", "late"}, executor.FirstException, 0, []string{"cancelled", "late", "returned"}, nil, nil},
		{"first exception already", []string{"raised", "pending"}, executor.FirstException, 0, []string{"raised"}, []string{"pending"}, nil},
		{"all completed", []string{"returned", "raised", "cancelled", "late"}, executor.AllCompleted, 0, []string{"cancelled", "late", "raised", "returned"}, nil, nil},
		{"timeout", []string{"returned", "pending"}, executor.AllCompleted, 5 * time.Millisecond, []string{"returned"}, []string{"pending"}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			of := map[executor.Waitable]string{}
			var fs []executor.Waitable
			for _, st := range tt.futures {
				var f *executor.Future[int]
				switch st {
				case "late", "late-raised":
					p := executor.NewPromise[int]()
					go func() {
						time.Sleep(2 * time.Millisecond)
						if st == "late" {
							_ = p.SetResult(1)
						} else {
							_ = p.SetError(errors.New("late"))
						}
					}()
					f = p.Future()
				default:
					f = futureIn(t, st)
				}
				of[f] = st
				fs = append(fs, f, f) // every future twice: counted once
			}
			ctx := testCtx(t)
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			done, notDone, err := executor.Wait(ctx, fs, tt.mode)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got err %v, want %v", err, tt.wantErr)
			}
			if got := names(done, of); !slices.Equal(got, tt.wantDone) {
				t.Errorf("got done %v, want %v", got, tt.wantDone)
			}
			if got := names(notDone, of); !slices.Equal(got, tt.wantNotDone) {
				t.Errorf("got not done %v, want %v", got, tt.wantNotDone)
			}
		})
	}
}

// TestWaitManyFutures is test_pending_calls_race's cousin, CPython's
// test_many_futures with a tiny switch interval: many tasks finishing while
// Wait subscribes.
func TestWaitManyFutures(t *testing.T) {
	t.Parallel()
	e := newExecutor(t)
	var fs []executor.Waitable
	for i := range 2000 {
		fs = append(fs, must[*executor.Future[int]](t)(executor.Submit(e, func(context.Context) (int, error) { return i, nil })))
	}
	done, notDone, err := executor.Wait(testCtx(t), fs, executor.AllCompleted)
	if err != nil || len(done) != len(fs) || len(notDone) != 0 {
		t.Fatalf("got %d done, %d not done, %v; want %d, 0, nil", len(done), len(notDone), err, len(fs))
	}
}

// TestAsCompleted is CPython's AsCompletedTests: finished futures first,
// then completion order, duplicates once, and the timeout message.
func TestAsCompleted(t *testing.T) {
	t.Parallel()
	t.Run("order", func(t *testing.T) {
		t.Parallel()
		p1, p2 := executor.NewPromise[int](), executor.NewPromise[int]()
		done := futureIn(t, "returned")
		cancelled := futureIn(t, "cancelled")
		fs := []executor.Waitable{p1.Future(), p2.Future(), done, cancelled, p1.Future(), done}
		var got []executor.Waitable
		for f, err := range executor.AsCompleted(testCtx(t), fs) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, f)
			// Finish the pending ones only once AsCompleted has
			// subscribed (it yielded the already-final ones), from
			// another goroutine, p2 first.
			switch len(got) {
			case 2:
				go func() { _ = p2.SetResult(2) }()
			case 3:
				go func() { _ = p1.SetResult(1) }()
			}
		}
		want := []executor.Waitable{done, cancelled, p2.Future(), p1.Future()}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		fs := []executor.Waitable{futureIn(t, "returned"), futureIn(t, "pending"), futureIn(t, "raised"), futureIn(t, "pending"), futureIn(t, "running")}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		defer cancel()
		var yielded int
		var last error
		for f, err := range executor.AsCompleted(ctx, fs) {
			if err != nil {
				last = err
				if f != nil {
					t.Errorf("got future %v with the error, want nil", f)
				}
				continue
			}
			yielded++
		}
		if yielded != 2 || last == nil || last.Error() != "3 (of 5) futures unfinished" || !errors.Is(last, context.DeadlineExceeded) {
			t.Fatalf("got %d yielded, %v; want 2 and %q wrapping DeadlineExceeded", yielded, last, "3 (of 5) futures unfinished")
		}
	})
	t.Run("stop early", func(t *testing.T) {
		t.Parallel()
		p := executor.NewPromise[int]()
		fs := []executor.Waitable{futureIn(t, "returned"), p.Future()}
		for range executor.AsCompleted(testCtx(t), fs) {
			break
		}
		// The waiter was removed: setting the future later finds no
		// stale listener to block on.
		if err := p.SetResult(1); err != nil {
			t.Fatal(err)
		}
	})
}

// finalThenCtxEnd runs rounds in which the first of a set of promises
// becomes final and then ctx ends, in two ways (-tags schedtest holds the
// goroutines at the points named). "both ready": while the waiter is still
// subscribing to 200 promises (each listen sleeps up to 1 ms), so that when
// it first selects, the future's notification and ctx.Done() are both
// ready. "not yet notified": the waiter waits on 2 promises, and ctx ends
// after the first is final (IsDone) but before its notification was sent
// (notify sleeps up to 20 ms). wrong reports whether the waiter treated
// that future as unfinished.
func finalThenCtxEnd(t *testing.T, wrong func(ctx context.Context, fs []executor.Waitable) bool) {
	if !schedpoint.Enabled {
		t.Skip("needs -tags schedtest to hold the waiter and the notification")
	}
	for _, c := range []struct {
		name, point string
		max         time.Duration
		futures     int
	}{
		{"both ready", "executor.future.listen.afterFlag", time.Millisecond, 200},
		{"not yet notified", "executor.future.notify", 20 * time.Millisecond, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer schedpoint.Set(schedpoint.Policy{Seed: 1, P: 1, Action: schedpoint.ActionSleep, Max: c.max, Filter: c.point})()
			const rounds = 10
			bad := 0
			for range rounds {
				ps := make([]*executor.Promise[int], c.futures)
				fs := make([]executor.Waitable, len(ps))
				for i := range ps {
					ps[i] = executor.NewPromise[int]()
					fs[i] = ps[i].Future()
				}
				ctx, cancel := context.WithCancel(context.Background())
				set := make(chan struct{})
				go func() {
					defer close(set)
					time.Sleep(5 * time.Millisecond) // the waiter is subscribing, or waiting
					go ps[0].SetResult(1)            // stores the state, then notifies
					for !fs[0].IsDone() {
						time.Sleep(10 * time.Microsecond)
					}
					cancel() // strictly after the future became final
				}()
				if wrong(ctx, fs) {
					bad++
				}
				<-set
			}
			if bad > 0 {
				t.Fatalf("%d of %d rounds: a future final before ctx ended was treated as unfinished", bad, rounds)
			}
		})
	}
}

// TestWaitCountsFutureFinalBeforeCtxEnd: a future that became final before
// ctx ended is done, and as it satisfies FirstCompleted, Wait returns no
// error, as CPython's wait puts whatever its waiter collected in done. Wait
// once picked at random between the ready notification and ctx.Done(), and
// then looked only at notifications already sent: each failed about half
// the "both ready" rounds and every "not yet notified" one.
func TestWaitCountsFutureFinalBeforeCtxEnd(t *testing.T) {
	finalThenCtxEnd(t, func(ctx context.Context, fs []executor.Waitable) bool {
		done, notDone, err := executor.Wait(ctx, fs, executor.FirstCompleted)
		if !slices.Contains(done, fs[0]) || slices.Contains(notDone, fs[0]) || err != nil {
			t.Logf("got %d done (the final future in done: %v), err %v; want it done and no error", len(done), slices.Contains(done, fs[0]), err)
			return true
		}
		return false
	})
}

// TestAsCompletedYieldsFutureFinalBeforeCtxEnd: AsCompleted yields a future
// that became final before ctx ended, then the error, which counts the
// others unfinished. It once reported "200 (of 200) futures unfinished" in about
// half the "both ready" rounds, and in every "not yet notified" one, never
// yielding the final one.
func TestAsCompletedYieldsFutureFinalBeforeCtxEnd(t *testing.T) {
	finalThenCtxEnd(t, func(ctx context.Context, fs []executor.Waitable) bool {
		var got []executor.Waitable
		var ue *executor.UnfinishedError
		for f, err := range executor.AsCompleted(ctx, fs) {
			if err != nil {
				if !errors.As(err, &ue) {
					t.Errorf("got error %v, want an *UnfinishedError", err)
				}
				break
			}
			got = append(got, f)
		}
		if !slices.Contains(got, fs[0]) || ue == nil || ue.Unfinished != len(fs)-len(got) {
			t.Logf("got %d yielded (the final future among them: %v), error %v; want it yielded, then the rest unfinished", len(got), slices.Contains(got, fs[0]), ue)
			return true
		}
		return false
	})
}

// TestNilFuturePanics: a nil future among the futures given to Wait or
// AsCompleted is misuse and panics with the package's message, whether it
// is alone or not (alone, it once skipped the check and panicked with a nil
// dereference).
func TestNilFuturePanics(t *testing.T) {
	t.Parallel()
	p := executor.NewPromise[int]()
	p.SetResult(1)
	for _, fs := range [][]executor.Waitable{{nil}, {p.Future(), nil}} {
		for name, call := range map[string]func(){
			"Wait": func() { executor.Wait(context.Background(), fs, executor.AllCompleted) },
			"AsCompleted": func() {
				for range executor.AsCompleted(context.Background(), fs) {
				}
			},
		} {
			got := func() (v any) {
				defer func() { v = recover() }()
				call()
				return nil
			}()
			if got != "executor: nil future" {
				t.Errorf("%s of %d futures, one nil: got panic %v, want \"executor: nil future\"", name, len(fs), got)
			}
		}
	}
}

// TestWaitNoFutures: Wait of no futures returns at once in every mode, as
// CPython's does. FirstCompleted once waited for one to finish, until ctx
// ended ("context deadline exceeded" after the test's whole timeout).
func TestWaitNoFutures(t *testing.T) {
	t.Parallel()
	for _, mode := range []executor.WaitMode{executor.AllCompleted, executor.FirstCompleted, executor.FirstException} {
		done, notDone, err := executor.Wait(testCtx(t), nil, mode)
		if err != nil || len(done) != 0 || len(notDone) != 0 {
			t.Errorf("%v: got %v, %v, %v; want nothing at once", mode, done, notDone, err)
		}
	}
}

// TestWaitInvalidModePanics: a mode that is none of the three is misuse
// (CPython raises ValueError); it was taken for AllCompleted.
func TestWaitInvalidModePanics(t *testing.T) {
	t.Parallel()
	got := func() (v any) {
		defer func() { v = recover() }()
		executor.Wait(testCtx(t), nil, executor.WaitMode(7))
		return nil
	}()
	if want := "executor: Wait with an invalid mode, WaitMode(7)"; got != want {
		t.Errorf("got panic %v, want %q", got, want)
	}
}

// TestWaitManyFuturesTinySwitchInterval is CPython's test_pending_calls_race
// (issue 14406, run with sys.setswitchinterval(1e-6)): 100 tasks blocked on
// one event, released together while Wait subscribes; under -tags schedtest
// every future protocol point yields. Wait must return on its own: the
// context is only a watchdog. TestWaitManyFutures cannot see a lost wakeup:
// when its 10 s ctx ends, Wait looks at the states, finds every future
// final and returns a nil error.
func TestWaitManyFuturesTinySwitchInterval(t *testing.T) {
	overSchedSeeds(t, func(seed uint64) schedpoint.Policy {
		return schedpoint.Policy{Seed: seed, P: 0.5, Action: schedpoint.ActionYield, Filter: "executor.future."}
	}, func(t *testing.T) {
		e := newExecutor(t, executor.WithMaxWorkers(8))
		event := make(chan struct{})
		var fs []executor.Waitable
		for range 100 {
			fs = append(fs, must[*executor.Future[struct{}]](t)(e.Go(func(context.Context) error { <-event; return nil })))
		}
		ctx, cancel := context.WithTimeoutCause(context.Background(), 5*time.Second, errors.New("watchdog"))
		defer cancel()
		go close(event)
		done, notDone, err := executor.Wait(ctx, fs, executor.AllCompleted)
		if ctx.Err() != nil || err != nil || len(done) != 100 || len(notDone) != 0 {
			t.Fatalf("got %d done, %d not done, err %v, ctx %v; want Wait to return on its own with 100 done", len(done), len(notDone), err, context.Cause(ctx))
		}
	})
}

// TestAsCompletedMessageCountsDuplicatesOnce: M in "N (of M) futures
// unfinished" counts a future given twice once, as CPython's set does.
func TestAsCompletedMessageCountsDuplicatesOnce(t *testing.T) {
	t.Parallel()
	done, pending := futureIn(t, "returned"), futureIn(t, "pending")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	var last error
	for _, err := range executor.AsCompleted(ctx, []executor.Waitable{done, pending, done, pending}) {
		if err != nil {
			last = err
		}
	}
	if last == nil || last.Error() != "1 (of 2) futures unfinished" {
		t.Fatalf("got %v, want %q", last, "1 (of 2) futures unfinished")
	}
}

// TestWaitCountsEveryFinalFuture: two futures become final one right after
// the other while Wait(FirstCompleted) waits; both are done, as in
// CPython, where every future finished before the waiter is removed is.
// With one P, the second is set before Wait's goroutine runs again. It
// failed when Wait returned as soon as the first notice satisfied the
// mode: "notDone holds <Future ... state=finished returned int>".
// Not parallel: it changes GOMAXPROCS.
func TestWaitCountsEveryFinalFuture(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for i := range 50 {
		a, b := executor.NewPromise[int](), executor.NewPromise[int]()
		type sets struct{ done, notDone []executor.Waitable }
		ch := make(chan sets)
		go func() {
			done, notDone, _ := executor.Wait(testCtx(t), []executor.Waitable{a.Future(), b.Future()}, executor.FirstCompleted)
			ch <- sets{done, notDone}
		}()
		time.Sleep(time.Millisecond) // Wait subscribes and blocks, most of the time
		if err := a.SetResult(1); err != nil {
			t.Fatal(err)
		}
		if err := b.SetResult(2); err != nil {
			t.Fatal(err)
		}
		r := <-ch
		if len(r.done) != 2 || len(r.notDone) != 0 {
			t.Fatalf("round %d: got done %v, not done %v; want both done", i, r.done, r.notDone)
		}
	}
}
