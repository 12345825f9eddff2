package exechook_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/internal/exechook"
	"github.com/paddock-go/paddock/lifecycle"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestHooksSeeTheProtocol installs hooks on an executor and checks that
// each fires at its edge, in order: the worker is spawned and starts, and
// after the shutdown began it stops counting. Spawn runs in the submitter
// after the runtime started the goroutine, and WorkerStart first thing in
// that goroutine, so either may come first (a CI run saw start first); both
// come before the shutdown, which follows the task's end.
func TestHooksSeeTheProtocol(t *testing.T) {
	rt := lifecycle.New()
	e, err := executor.New(executor.WithMaxWorkers(1), executor.WithRuntime(rt), executor.WithName("hooked"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		events []string
	)
	record := func(ev string) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
	}
	exechook.Install(e, exechook.Hooks{
		Spawn:         func(name string) { record("spawn " + name) },
		WorkerStart:   func(name string) { record("start " + name) },
		WorkerExit:    func(name string) { record("exit " + name) },
		ShutdownBegin: func() { record("shutdown") },
	})
	f, err := e.Go(func(context.Context) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Err(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rt.Finalize(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"spawn hooked_0", "start hooked_0", "shutdown", "exit hooked_0"}
	startFirst := []string{"start hooked_0", "spawn hooked_0", "shutdown", "exit hooked_0"}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(events, want) && !slices.Equal(events, startFirst) {
		t.Errorf("got events %q, want %q (or its first two swapped)", events, want)
	}
}
