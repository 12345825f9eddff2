//go:build !race

package arena_test

// These tests run the detectors of stress_test.go against internal/naive's
// port of Pillow's original, unlocked arena and require them to fire. They
// cannot run under -race: the port races by design.

import (
	"strings"
	"testing"

	"github.com/paddock-go/paddock/internal/naive"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

type naiveImages struct{ a *naive.Arena }

func (n naiveImages) newImage(lines, linesize int) (image, error) {
	img, err := n.a.NewArray(lines, linesize)
	if err != nil {
		return nil, err
	}
	return img, nil
}

func (n naiveImages) counts() (allocated, inUse, cached, freed, blocksMax int64) {
	st := n.a.Stats()
	return st.AllocatedBlocks, 0, st.BlocksCached, st.FreedBlocks, 96
}

func newNaive() naiveImages {
	return naiveImages{naive.NewArena(naive.ArenaConfig{BlockSize: 4096, BlocksMax: 96})}
}

// TestDetectorCatchesNaiveArena: with the race window between reading and
// writing blocks_cached widened by a yield at the port's scheduling points,
// the seed loop reports blocks handed to two callers and blocks not
// conserved (lost, or counted twice), every run.
func TestDetectorCatchesNaiveArena(t *testing.T) {
	if !schedpoint.Enabled {
		t.Skip("needs -tags schedtest; TestDetectorCatchesNaiveArenaPlain covers plain builds")
	}
	defer schedpoint.Set(schedpoint.Policy{Seed: 1, P: 0.5, Action: schedpoint.ActionYield, Filter: "naive.arena."})()
	loop := seedLoop{workers: 24, rounds: 20, sides: seedSides}
	violations := loop.run(newNaive(), nil)
	if len(violations) == 0 {
		t.Fatalf("the seed loop found nothing wrong with Pillow's unlocked arena (%s)", schedpoint.Describe())
	}
	var shared, unconserved bool
	for _, v := range violations {
		t.Logf("detected: %s", v)
		shared = shared || strings.Contains(v, "another caller holds the same memory")
		unconserved = unconserved || strings.Contains(v, "conservation")
	}
	if !shared || !unconserved {
		t.Errorf("detected a block held twice: %v, blocks not conserved: %v; want both", shared, unconserved)
	}
}

// TestDetectorCatchesNaiveArenaPlain: without scheduling points the window
// is a few instructions wide, but two cores running 24 workers hit it in
// most runs; the test allows several attempts and fails if none detects.
func TestDetectorCatchesNaiveArenaPlain(t *testing.T) {
	loop := seedLoop{workers: 24, rounds: 100, sides: seedSides}
	for attempt := 1; attempt <= 10; attempt++ {
		violations := loop.run(newNaive(), nil)
		if len(violations) > 0 {
			for _, v := range violations {
				t.Logf("attempt %d detected: %s", attempt, v)
			}
			return
		}
	}
	t.Fatal("the seed loop found nothing wrong with Pillow's unlocked arena in 10 attempts")
}
