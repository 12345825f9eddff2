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
// which goleak checks when the tests end.
func TestRun(t *testing.T) {
	if err := run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	if err := lifecycle.Default().Finalize(context.Background()); err != nil {
		t.Fatalf("Finalize: %v", err)
	}
}
