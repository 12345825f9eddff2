package naive_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the ports' own tests leave no goroutine behind. The
// ports are exercised mostly from internal/scenario and the packages'
// naive-detection tests, which account for the goroutines a port strands.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
