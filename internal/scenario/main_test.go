package scenario_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: the scenarios
// join their workers, reap paddock's parked daemons, and release the naive
// ports' stuck goroutines (the gil scenario frees the naive GIL until every
// daemon met its fate).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
