//go:build schedtest

package arena_test

import (
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/paddock-go/paddock/arena"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

// TestSetBlockSizeDuringPutReclaim: a Put that lets go of its shard's lock
// to collect credits, while SetBlockSize lowers the size and frees the
// larger cached blocks, must not cache its larger block afterwards. It did
// (found by a review: "a Get reused a cached 1 MiB block", 3 runs of 3):
// cacheLocked read the size once, before the reclaim. The Put sleeps at
// arena.put.beforeReclaim while SetBlockSize runs.
func TestSetBlockSizeDuringPutReclaim(t *testing.T) {
	const big = 1 << 20
	a := mustNew(t, arena.Config{BlockSize: big, BlocksMax: 1})
	x, _ := a.Get(big)
	y, _ := a.Get(big)
	a.Put(x) // the cache is full: no credit left anywhere
	defer schedpoint.Set(schedpoint.Policy{Seed: 1, P: 1, Action: schedpoint.ActionSleep,
		Max: 2 * time.Second, Filter: "arena.put.beforeReclaim"})()
	done := make(chan struct{})
	go func() { defer close(done); a.Put(y) }() // reads BlockSize 1 MiB, then sleeps before the reclaim
	time.Sleep(100 * time.Millisecond)
	if err := a.SetBlockSize(4096); err != nil {
		t.Fatal(err)
	}
	<-done
	b, err := a.Get(16)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Put(b)
	if st := a.Stats(); st.ReusedBlocks > 0 || st.BlocksCached != 0 {
		t.Errorf("after SetBlockSize(4096) a 1 MiB block stayed cached: %+v", st)
	}
}

// TestPeakAfterResetStatsDuringGet: a Get that reserved before a Put and a
// ResetStats, and succeeds after them, must not bring the bytes put before
// the reset back into the peak. It did once the peak was raised after
// success to the total the Get had reserved ("PeakInUseBytes 110 after
// ResetStats, want 10"; found by a review); it is raised to what is
// reserved when the Get succeeds. The Get sleeps at arena.get.afterPop
// (seed 3's first sleep is about 1.9 s) while the Put and the reset run.
func TestPeakAfterResetStatsDuringGet(t *testing.T) {
	a := mustNew(t, arena.Config{MaxInUseBytes: math.MaxInt64})
	p, err := a.Get(100)
	if err != nil {
		t.Fatal(err)
	}
	restore := schedpoint.Set(schedpoint.Policy{Seed: 3, P: 1, Action: schedpoint.ActionSleep,
		Max: 2 * time.Second, Filter: "arena.get.afterPop"})
	done := make(chan *arena.Block)
	go func() {
		b, err := a.Get(10) // reserves up to 110, then sleeps
		if err != nil {
			t.Error(err)
		}
		done <- b
	}()
	time.Sleep(300 * time.Millisecond)
	restore()
	a.Put(p)       // 10 reserved
	a.ResetStats() // peak 10
	b := <-done
	defer a.Put(b)
	if st := a.Stats(); st.PeakInUseBytes != 10 {
		t.Errorf("PeakInUseBytes %d after ResetStats, want 10: never more than 10 bytes in use since", st.PeakInUseBytes)
	}
}

// TestPeakNotBelowSeenInUse: a Stats snapshot showed InUseBytes 150 (a Get
// of 100 had popped a cached block while 50 bytes were out); the 50 are
// then Put before the Get returns. With no ResetStats since, the peak must
// stay at least 150. It came out 100 (found by a review): the Get raises
// the peak to what is reserved when it succeeds, which the Put had
// lowered; Stats now raises the peak to what it sees in use, cap or not.
func TestPeakNotBelowSeenInUse(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // one shard: the Get pops the cached block
	a := mustNew(t, arena.Config{MaxInUseBytes: math.MaxInt64, BlocksMax: 4})
	b, _ := a.Get(50)
	c, _ := a.Get(100)
	a.Put(c)       // cached
	a.ResetStats() // peak 50
	restore := schedpoint.Set(schedpoint.Policy{Seed: 3, P: 1, Action: schedpoint.ActionSleep,
		Max: 2 * time.Second, Filter: "arena.get.afterPop"})
	done := make(chan *arena.Block)
	go func() {
		g, err := a.Get(100) // reserves up to 150, pops (in use 150), sleeps
		if err != nil {
			t.Error(err)
		}
		done <- g
	}()
	time.Sleep(300 * time.Millisecond)
	restore()
	mid := a.Stats()
	a.Put(b)
	g := <-done
	defer a.Put(g)
	end := a.Stats()
	if mid.InUseBytes != 150 {
		t.Fatalf("setup: InUseBytes %d while the Get sleeps, want 150", mid.InUseBytes)
	}
	if end.PeakInUseBytes < mid.InUseBytes {
		t.Errorf("PeakInUseBytes %d, below the InUseBytes %d an earlier Stats returned (no ResetStats since)", end.PeakInUseBytes, mid.InUseBytes)
	}
}
