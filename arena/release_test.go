package arena_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddock-go/paddock/arena"
)

// onePassBlocks is the size of the images of the one-pass tests: 64 rows of
// 4096 bytes, one block each with 4 KiB blocks.
const onePassBlocks = 64

// watchFreed runs cycle (make an image of onePassBlocks blocks and give it
// back) in one goroutine for up to budget, while another takes Stats
// snapshots. With the cache off, every block given back is freed, so a give
// back done in one critical section moves FreedBlocks by onePassBlocks at
// once; a snapshot that sees it elsewhere than a multiple caught a give back
// half done. It returns the first such figure, or "".
func watchFreed(a *arena.Arena, budget time.Duration, cycle func()) string {
	stop := make(chan struct{})
	var found atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(stop)
		for start := time.Now(); time.Since(start) < budget && !found.Load(); {
			cycle()
		}
	})
	defer wg.Wait()
	for {
		select {
		case <-stop:
			return ""
		default:
		}
		if f := a.Stats().FreedBlocks; f%onePassBlocks != 0 {
			found.Store(true)
			return fmt.Sprintf("FreedBlocks %d in a snapshot, not a multiple of %d", f, onePassBlocks)
		}
		runtime.Gosched()
	}
}

// TestReleaseIsOnePass: Array.Release gives all its blocks back in one
// critical section (one lock, not one per block), so no Stats snapshot sees
// an image half released.
//
// How we know it can fail: TestReleaseDetectorCatchesPerBlockPut runs the
// same watchFreed with the same 64 blocks given back by one Put each, and
// requires it to see a snapshot between two of them. And a mutation of the
// arena's release that locks once per block failed this test in 6 runs of
// 6 (one under -race), each within a second.
func TestReleaseIsOnePass(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlockSize: 4096, BlocksMax: 0})
	cycles := 0
	seen := watchFreed(a, 2*time.Second, func() {
		img, err := a.NewArray(onePassBlocks, 4096)
		if err != nil {
			panic(err)
		}
		img.Release()
		cycles++
	})
	if seen != "" {
		t.Errorf("Release of a %d-block image: %s", onePassBlocks, seen)
	}
	if st := a.Stats(); st.FreedBlocks != int64(cycles*onePassBlocks) || cycles == 0 {
		t.Errorf("%d images released: got freed %d, want %d", cycles, st.FreedBlocks, cycles*onePassBlocks)
	}
}

// TestReleaseDetectorCatchesPerBlockPut: giving back 64 blocks with 64 Puts
// takes 64 critical sections, and watchFreed sees a snapshot between two.
func TestReleaseDetectorCatchesPerBlockPut(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlockSize: 4096, BlocksMax: 0})
	blocks := make([]*arena.Block, onePassBlocks)
	seen := watchFreed(a, 20*time.Second, func() {
		for i := range blocks {
			b, err := a.Get(4096)
			if err != nil {
				panic(err)
			}
			blocks[i] = b
		}
		for _, b := range blocks {
			a.Put(b)
		}
	})
	if seen == "" {
		t.Fatal("in 20 s no snapshot caught 64 Puts half done")
	}
	t.Logf("detected: %s", seen)
}
