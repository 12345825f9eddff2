//go:build schedtest

package arena_test

import (
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
