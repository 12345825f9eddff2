package bench_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no benchmark or test leaves a goroutine behind. ants
// starts a default pool with two service goroutines when it is imported;
// they are its own and live for the whole process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/panjf2000/ants/v2.(*poolCommon).purgeStaleWorkers"),
		goleak.IgnoreAnyFunction("github.com/panjf2000/ants/v2.(*poolCommon).ticktock"),
	)
}
