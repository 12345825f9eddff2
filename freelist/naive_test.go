//go:build !race

package freelist_test

import (
	"testing"
	"time"

	"github.com/paddock-go/paddock/internal/naive"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

// TestDetectorCatchesNaiveList shows that detectOwners fails on the port of
// PyO3's original unsynchronized list, so its silence on freelist.List means
// something. It races by design, hence !race. Under -tags schedtest the
// scheduling points in the port's pop and insert windows yield half the
// time, which makes detection certain in the first round. Without them it
// relies on real parallelism (the window is a few instructions wide), so it
// repeats short rounds on fresh lists, before the list corrupts itself into
// panicking on every Get, for up to 10 s; on 2 cores it usually detects in
// the first round.
func TestDetectorCatchesNaiveList(t *testing.T) {
	if schedpoint.Enabled {
		defer schedpoint.Set(schedpoint.Policy{Seed: 1, P: 0.5, Action: schedpoint.ActionYield, Filter: "naive.freelist."})()
	}
	budget := time.Now().Add(10 * time.Second)
	for round := 1; ; round++ {
		l := naive.NewFreeList[item](8, nil)
		v := detectOwners(l, 8, 1000, 1)
		if v.twoOwners.Load()+v.torn.Load() > 0 {
			t.Logf("round %d: detected %v", round, v)
			return
		}
		if time.Now().After(budget) {
			t.Fatalf("detectOwners saw no second owner in %d rounds on the unsynchronized list (%s)", round, schedpoint.Describe())
		}
	}
}

// TestNaiveListKeepsCapacityMinusOne pins down PyO3's off-by-one that
// freelist fixes: a list of capacity N keeps N-1.
func TestNaiveListKeepsCapacityMinusOne(t *testing.T) {
	for _, capacity := range []int{1, 2, 5} {
		l := naive.NewFreeList[item](capacity, nil)
		kept := 0
		for i := 0; i < capacity+2; i++ {
			if l.Put(new(item)) {
				kept++
			}
		}
		if kept != capacity-1 || l.Len() != capacity-1 {
			t.Errorf("naive capacity %d: kept %d, Len %d; want %d (PyO3's N-1)", capacity, kept, l.Len(), capacity-1)
		}
	}
}
