//go:build schedtest

package schedpoint

import "testing"

func TestDecisionsReplay(t *testing.T) {
	p := Policy{Seed: 42, P: 0.3, Action: ActionYield}
	q := p
	q.Seed = 43
	var same, acted int
	for i := uint64(1); i <= 10000; i++ {
		r1, a1 := decide(&p, i)
		r2, a2 := decide(&p, i)
		if r1 != r2 || a1 != a2 {
			t.Fatalf("decision %d differs between two runs of seed 42", i)
		}
		if a1 {
			acted++
		}
		if _, a3 := decide(&q, i); a3 == a1 {
			same++
		}
	}
	if acted < 2500 || acted > 3500 {
		t.Errorf("seed 42 with p=0.3 acted %d times in 10000, want about 3000", acted)
	}
	if same == 10000 {
		t.Errorf("seeds 42 and 43 made identical decisions")
	}
}

func TestSetRestores(t *testing.T) {
	before := Current()
	restore := Set(Policy{Seed: 5, P: 1, Action: ActionYield, Filter: "x."})
	if got := Current(); got.Seed != 5 || got.Filter != "x." {
		t.Fatalf("Current() = %+v after Set", got)
	}
	Point("x.y")
	Point("other")
	restore()
	if got := Current(); got != before {
		t.Fatalf("Current() = %+v after restore, want %+v", got, before)
	}
}

// TestSetRestartsDecisions: only points the filter matches draw a decision,
// and Set starts a fresh count, so a run that installs the same policy
// again replays decision 1, 2, ... whatever other points ran before it.
func TestSetRestartsDecisions(t *testing.T) {
	p := Policy{Seed: 9, P: 0.5, Action: ActionYield, Filter: "a.|b.c"}
	for range 2 {
		restore := Set(p)
		for range 10 {
			Point("a.x")
			Point("b.c.y")
			Point("b.d") // not matched: must not use up a decision
		}
		if got := current.Load().calls.Load(); got != 20 {
			t.Errorf("decisions drawn = %d after 20 matching and 10 other points, want 20", got)
		}
		restore()
		Point("a.x") // under the previous policy: not counted in the next Set
	}
}
