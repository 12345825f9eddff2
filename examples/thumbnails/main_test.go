package main

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/paddock-go/paddock/lifecycle"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the program's body as lifecycle.Run would and finalizes the
// default runtime after it: the executor's workers must be joined by then,
// which goleak checks when the tests end. The default runtime can be
// finalized once per process, so with -count above 1 the later runs skip.
func TestRun(t *testing.T) {
	if lifecycle.Default().Begun() {
		t.Skip("the default runtime is already finalized: run the program once per process")
	}
	if err := run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	if err := lifecycle.Default().Finalize(context.Background()); err != nil {
		t.Fatalf("Finalize: %v", err)
	}
}
