//go:build !race

package executor_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// The naive port races by design, so these tests cannot run under -race.

// TestDetectorsCatchNaiveWindow shows the detectors catch Python 3.8's
// executor when its window between submit's check and the thread start is
// widened by a pause (the port's Window hook; no build tag needed). Each
// seed catches it with a probability of about a third (measured: 7 to 13
// of 20), so a run of 20 seeds misses with a probability below 1e-3.
func TestDetectorsCatchNaiveWindow(t *testing.T) {
	for _, r := range reproducers {
		t.Run(r.name, func(t *testing.T) {
			const seeds = 20
			caught := 0
			for seed := range uint64(seeds) {
				window := func() { time.Sleep(300 * time.Microsecond) }
				bad := runSeed(t, r, seed, func(m *monitor, n int) subject { return naiveSubject(m, n, window) })
				if len(bad) > 0 {
					caught++
					if caught == 1 {
						t.Logf("seed %d: %s", seed, strings.Join(bad, "; "))
					}
				}
			}
			if caught == 0 {
				t.Fatalf("detectors never caught the naive executor in %d seeds", seeds)
			}
			t.Logf("caught in %d of %d seeds", caught, seeds)
		})
	}
}

// TestDetectorsCatchNaiveSchedtest does the same with the window widened
// only by -tags schedtest's scheduling points, across many seeds.
func TestDetectorsCatchNaiveSchedtest(t *testing.T) {
	if !schedpoint.Enabled {
		t.Skip("needs -tags schedtest")
	}
	for _, r := range reproducers {
		t.Run(r.name, func(t *testing.T) {
			const seeds = 30
			caught := 0
			for seed := range uint64(seeds) {
				restore := schedpoint.Set(schedPolicy(seed))
				bad := runSeed(t, r, seed, func(m *monitor, n int) subject { return naiveSubject(m, n, runtime.Gosched) })
				restore()
				if len(bad) > 0 {
					caught++
				}
			}
			if caught == 0 {
				t.Fatalf("detectors never caught the naive executor in %d seeds", seeds)
			}
			t.Logf("caught in %d of %d seeds", caught, seeds)
		})
	}
}
