package scenario

import (
	"fmt"
	"testing"
)

// TestRNGStreams: a (seed, round, worker) triple always gives the same
// stream, and the main goroutine's stream (worker -1) differs from round to
// round and from every worker's.
func TestRNGStreams(t *testing.T) {
	t.Parallel()
	first := func(seed uint64, round, worker int) uint64 { return rng(seed, round, worker).Uint64() }
	a, b := rng(7, 3, 2), rng(7, 3, 2)
	for i := range 100 {
		if x, y := a.Uint64(), b.Uint64(); x != y {
			t.Fatalf("two rng(7, 3, 2) differ at draw %d: %#x, %#x", i, x, y)
		}
	}
	seen := map[uint64]string{}
	for round := range 4 {
		for worker := -1; worker < 4; worker++ {
			v := first(7, round, worker)
			if prev, ok := seen[v]; ok {
				t.Errorf("rng(7, %d, %d) starts like %s", round, worker, prev)
			}
			seen[v] = fmt.Sprintf("rng(7, %d, %d)", round, worker)
		}
	}
}
