//go:build !race

package scenario_test

// These tests run each scenario against its internal/naive port, the
// faithful Go port of the original racy design, and require the scenario's
// detectors to fire. They are what makes TestPaddockManySeeds mean
// something. The ports race by design, so the tests cannot run under -race.

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/paddock-go/paddock/internal/scenario"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

// naivePlans are the per-scenario settings of the detection tests: the
// scheduling points of the port (filter), a run small enough to repeat for
// every seed of schedSeeds, and the kinds that show the seed's race, one of
// which must fire. A hang alone does not count (a slow machine can cause
// one), nor, for the executor, a future never resolved: the seed's race is
// a worker started after the exit hook began. The freelist port's panic is
// PyO3's "FreeList is corrupt" (or the index out of range it guards).
var naivePlans = map[string]struct {
	filter string
	cfg    scenario.Config
	want   []string
}{
	"arena":    {"naive.arena.", scenario.Config{Rounds: 3}, []string{scenario.KindLostBlocks, scenario.KindTwoOwners}},
	"freelist": {"naive.freelist.", scenario.Config{Rounds: 20}, []string{scenario.KindTwoOwners, scenario.KindCorrupted, scenario.KindPanic}},
	"gil":      {"naive.gil.", scenario.Config{Rounds: 2}, []string{scenario.KindReleasedUse}},
	"executor": {"naive.executor.", scenario.Config{Rounds: 2}, []string{scenario.KindStartedAfter}},
}

// caught reports whether res shows one of the violations the plan for its
// scenario wants.
func caught(res scenario.Result) bool {
	for _, c := range res.Violations {
		if c.N > 0 && slices.Contains(naivePlans[res.Scenario].want, c.Kind) {
			return true
		}
	}
	return false
}

// schedSeeds are the fixed seeds of the schedtest detection test: each
// seeds both the scheduling policy and the workload, so a failure names a
// run that replays.
var schedSeeds = []uint64{1, 2, 3, 5, 8, 13, 21, 34}

// TestNaiveCaughtWithSchedPoints: with the ports' race windows widened by a
// yield at their scheduling points half of the time, every scenario catches
// its naive port for every seed of schedSeeds.
func TestNaiveCaughtWithSchedPoints(t *testing.T) {
	if !schedpoint.Enabled {
		t.Skip("needs -tags schedtest; TestNaiveCaughtQuick covers plain builds")
	}
	defer scenario.ShrinkTimings(100 * time.Millisecond)() // the naive daemons do hang
	for _, s := range scenario.All() {
		plan, ok := naivePlans[s.Name]
		if !ok {
			t.Fatalf("no naive plan for scenario %q", s.Name)
		}
		t.Run(s.Name, func(t *testing.T) {
			for _, seed := range schedSeeds {
				restore := schedpoint.Set(schedpoint.Policy{Seed: seed, P: 0.5, Action: schedpoint.ActionYield, Filter: plan.filter})
				cfg := plan.cfg
				cfg.Impl, cfg.Seed = scenario.Naive, seed
				res, err := s.Run(context.Background(), cfg)
				desc := schedpoint.Describe()
				restore()
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if !caught(res) {
					t.Errorf("seed %d (%s): %s did not catch the naive port: %v", seed, desc, s.Name, res.Violations)
				}
			}
		})
	}
}

// TestNaiveCaughtQuick: without scheduling points, with the quick settings
// `paddock verify` uses, every scenario catches its naive port. Measured on
// a 2-core machine, a single quick run catches each port in every one of 30
// to 40 runs (see the package doc); the test allows five attempts so that
// CI does not flake on the rare miss.
func TestNaiveCaughtQuick(t *testing.T) {
	if schedpoint.Enabled {
		t.Skip("covered by TestNaiveCaughtWithSchedPoints under -tags schedtest")
	}
	for _, s := range scenario.All() {
		t.Run(s.Name, func(t *testing.T) {
			const attempts = 5
			for attempt := 1; attempt <= attempts; attempt++ {
				res, err := s.Run(context.Background(), scenario.Config{Impl: scenario.Naive, Seed: uint64(attempt)})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("attempt %d: %v", attempt, res.Violations)
				if caught(res) {
					return
				}
			}
			t.Errorf("%s found nothing wrong with the naive port in %d quick runs", s.Name, attempts)
		})
	}
}
