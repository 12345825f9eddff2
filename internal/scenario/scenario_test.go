package scenario_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/paddock-go/paddock/internal/scenario"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	names := scenario.Names()
	for _, name := range names {
		s, ok := scenario.Lookup(name)
		if !ok || s.Name != name {
			t.Errorf("Lookup(%q) = %q, %v; want the scenario", name, s.Name, ok)
		}
		if !slices.Contains(s.Kinds, scenario.KindHang) || !slices.Contains(s.Kinds, scenario.KindPanic) {
			t.Errorf("scenario %q kinds %v: want hang and panic among them", name, s.Kinds)
		}
	}
	if _, ok := scenario.Lookup("nope"); ok {
		t.Errorf("Lookup(%q) found a scenario", "nope")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	s, _ := scenario.Lookup("freelist")
	for _, cfg := range []scenario.Config{
		{Impl: "other"},
		{Workers: -1},
		{Rounds: -1},
		{Deadline: -1},
	} {
		if _, err := s.Run(context.Background(), cfg); err == nil {
			t.Errorf("Run(%+v): got no error, want one", cfg)
		}
	}
}

// TestResultShape: a run reports one count per kind, in the scenario's
// order, and the settings it ran with (defaults filled in).
func TestResultShape(t *testing.T) {
	t.Parallel()
	s, _ := scenario.Lookup("freelist")
	res, err := s.Run(context.Background(), scenario.Config{Rounds: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	kinds := make([]string, len(res.Violations))
	for i, c := range res.Violations {
		kinds[i] = c.Kind
	}
	if !slices.Equal(kinds, s.Kinds) {
		t.Errorf("kinds %v, want %v", kinds, s.Kinds)
	}
	if res.Impl != scenario.Paddock || res.Rounds != 1 || res.Seed != 7 || res.Workers == 0 || res.Ops == 0 {
		t.Errorf("got %+v, want impl paddock, 1 round, seed 7, workers and ops filled in", res)
	}
}

// paddockSeeds is how many seeds TestPaddockManySeeds runs each scenario
// on paddock, each seed a small run (ShrinkTimings makes the gil and
// executor sleeps tiny). Every scenario draws its interleaving from the
// seed: the gil and executor sleeps, the arena's size rotation and start
// stagger, the freelist workers' yields. Under -race, or with -short,
// the count is cut by ten to stay within CI's time.
const paddockSeeds = 1000

// seedRuns are the per-seed settings of TestPaddockManySeeds.
var seedRuns = map[string]scenario.Config{
	"arena":    {Workers: 4, Rounds: 1},
	"freelist": {Workers: 4, Rounds: 1},
	"gil":      {Workers: 4, Rounds: 1},
	"executor": {Workers: 4, Rounds: 1},
}

// TestPaddockManySeeds runs every scenario on paddock across many seeds and
// requires no violation at all. naive_test.go runs the same scenarios, with
// the same detectors, against internal/naive's racy ports and requires them
// to fire: that is how we know this test can fail.
func TestPaddockManySeeds(t *testing.T) {
	defer scenario.ShrinkTimings(5 * time.Second)() // generous: paddock's daemons stop at once
	for _, s := range scenario.All() {
		run, ok := seedRuns[s.Name]
		if !ok {
			t.Fatalf("no seed plan for scenario %q", s.Name)
		}
		seeds := paddockSeeds
		if testing.Short() || raceEnabled {
			seeds /= 10
		}
		t.Run(s.Name, func(t *testing.T) {
			ran := 0
			defer func() { t.Logf("%d of %d seeds ran without a violation", ran, seeds) }()
			for seed := range uint64(seeds) {
				cfg := run
				cfg.Impl, cfg.Seed = scenario.Paddock, seed
				res, err := s.Run(context.Background(), cfg)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if res.Total() > 0 {
					t.Fatalf("seed %d (%s): %v: %v", seed, schedpoint.Describe(), res.Violations, res.Samples)
				}
				ran++
			}
		})
	}
}

// TestDetectorsCatchBrokenPaddock: the detectors that find nothing on
// paddock in TestPaddockManySeeds find the seed's bug when the paddock side
// of a scenario is swapped for an implementation that has it (see
// BreakPaddock), so their silence on paddock is not a check that cannot
// fail. The executor scenario's paddock side has no broken twin; its
// detectors are shown to fire on the naive port (naive_test.go).
func TestDetectorsCatchBrokenPaddock(t *testing.T) {
	defer scenario.ShrinkTimings(5 * time.Second)()
	for _, name := range scenario.Names() {
		want, ok := scenario.BrokenPaddock[name]
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			s, _ := scenario.Lookup(name)
			defer scenario.BreakPaddock(name)()
			res, err := s.Run(context.Background(), scenario.Config{Impl: scenario.Paddock, Rounds: 5, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Violations {
				if c.Kind == want && c.N > 0 {
					t.Logf("caught: %v", res.Violations)
					return
				}
			}
			t.Errorf("no %q in %v", want, res.Violations)
		})
	}
}
