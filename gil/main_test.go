package gil_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paddock-go/paddock/lifecycle"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// finalize finalizes rt and reaps its parked daemons, failing t on a hang.
func finalize(t testing.TB, rt *lifecycle.Runtime) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := rt.Finalize(ctx)
	if rerr := rt.Reap(ctx); rerr != nil {
		t.Fatalf("Reap: %v", rerr)
	}
	return err
}
