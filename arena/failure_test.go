package arena_test

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/paddock-go/paddock/arena"
)

// Tests that a Get or NewArray that fails, by error or by panic, leaves the
// arena as it was: no block lost, nothing counted in use, no reserved byte
// kept, and later calls served. Each failed on the code before the fix, as
// its comment says.

// checkIdle fails t unless the arena has nothing in use and conserves its
// blocks.
func checkIdle(t *testing.T, a *arena.Arena) arena.Stats {
	t.Helper()
	st := a.Stats()
	if st.InUseBlocks != 0 || st.InUseBytes != 0 {
		t.Errorf("in use after the failure: %d blocks, %d bytes; want none (%+v)", st.InUseBlocks, st.InUseBytes, st)
	}
	checkConserved(t, st)
	return st
}

// Before: the block count (lines+perBlock-1)/perBlock overflowed and
// make([]*Block, negative) panicked "makeslice: len out of range".
func TestNewArrayHugeIsAnError(t *testing.T) {
	a := mustNew(t, arena.Config{})
	for _, lines := range []int{math.MaxInt, math.MaxInt - 1<<20} {
		if r, err := a.NewArray(lines, 1); err == nil {
			r.Release()
			t.Errorf("NewArray(%d, 1): no error", lines)
		}
	}
	checkIdle(t, a)
}

// Before: a Get too large for the runtime to allocate, with a smaller block
// cached, panicked in make after the pop had counted the block reused and
// in use: the block was lost and InUseBytes stayed at MaxInt.
func TestGetTooLargeForTheRuntime(t *testing.T) {
	for _, cached := range []bool{true, false} {
		a := mustNew(t, arena.Config{BlocksMax: 1, MaxInUseBytes: math.MaxInt64})
		if cached {
			b, err := a.Get(10)
			if err != nil {
				t.Fatal(err)
			}
			a.Put(b)
		}
		b, err := a.Get(math.MaxInt)
		var re runtime.Error
		if err == nil || !errors.As(err, &re) || !strings.HasPrefix(err.Error(), "arena: cannot allocate") {
			t.Fatalf("cached %v: Get(MaxInt): got %v, %v; want an arena error wrapping the runtime's", cached, b, err)
		}
		st := checkIdle(t, a)
		if cached && st.BlocksCached != 1 {
			t.Errorf("cached %v: the cached block was lost: %+v", cached, st)
		}
		// The reservation of MaxInt bytes was given back.
		if b, err := a.Get(1); err != nil {
			t.Errorf("cached %v: Get(1) after the failure: %v", cached, err)
		} else {
			a.Put(b)
		}
	}
}

// Before: when Poison caught a write after Release, NewArray panicked with
// the blocks it had taken counted in use and their bytes reserved, so that
// with a cap the arena refused every later Get.
func TestPoisonPanicGivesBlocksBack(t *testing.T) {
	const bs = 4096
	a := mustNew(t, arena.Config{BlockSize: bs, BlocksMax: 8, Poison: true, MaxInUseBytes: 4 * bs})
	img, err := a.NewArray(4, bs-1) // one row a block, four blocks
	if err != nil {
		t.Fatal(err)
	}
	row := img.Row(3)
	img.Release()
	row[0] = 1 // a write after Release
	mustPanicPrefix(t, "arena: block written after Put", func() { a.NewArray(4, bs-1) })
	if st := checkIdle(t, a); st.BlocksCached != 4 {
		t.Errorf("blocks cached after the panic: %d, want 4 (%+v)", st.BlocksCached, st)
	}
	// The four blocks are usable again, and poisoned afresh: the full cap
	// can be taken, and no second panic comes.
	img, err = a.NewArray(4, bs-1)
	if err != nil {
		t.Fatalf("NewArray after the panic: %v", err)
	}
	img.Release()

	// The same for a single Get.
	b, err := a.Get(bs)
	if err != nil {
		t.Fatal(err)
	}
	mem := b.Bytes()
	a.Put(b)
	mem[0] = 1
	mustPanicPrefix(t, "arena: block written after Put", func() {
		for range 8 { // whichever cached block it gets first
			if b, err := a.Get(bs); err == nil {
				defer a.Put(b)
			}
		}
	})
	checkIdle(t, a)
	if b, err := a.Get(4 * bs); err != nil {
		t.Errorf("Get of the whole cap after the panic: %v", err)
	} else {
		a.Put(b)
	}
}

// Before: SetBlockSize kept the larger cached blocks and NewArray handed
// them out again, a 16 KiB image holding 4 MiB.
func TestSetBlockSizeFreesLargerBlocks(t *testing.T) {
	a := mustNew(t, arena.Config{BlockSize: 1 << 20, BlocksMax: 8})
	img, err := a.NewArray(4, 1<<20-1)
	if err != nil {
		t.Fatal(err)
	}
	img.Release()
	small, err := a.Get(100)
	if err != nil {
		t.Fatal(err)
	}
	a.Put(small) // reuses one of the big blocks: 1 MiB of memory
	if err := a.SetBlockSize(4096); err != nil {
		t.Fatal(err)
	}
	st := checkIdle(t, a)
	if st.BlocksCached != 0 || st.FreedBlocks != 4 {
		t.Errorf("after SetBlockSize(4096): cached %d, freed %d; want 0 and 4", st.BlocksCached, st.FreedBlocks)
	}
	img, err = a.NewArray(4, 4096-1)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range arena.BlockLens(img) {
		if n > a.BlockSize() {
			t.Errorf("block %d holds %d bytes, BlockSize is %d", i, n, a.BlockSize())
		}
	}
	img.Release()
	// The freed blocks' credits went back: the cache still keeps BlocksMax.
	img, err = a.NewArray(8, 4096-1)
	if err != nil {
		t.Fatal(err)
	}
	img.Release()
	if st := a.Stats(); st.BlocksCached != 8 {
		t.Errorf("after caching 8 blocks: %d cached, want 8", st.BlocksCached)
	}
}

// mustPanicPrefix runs f and fails t unless it panics with a string that
// starts with prefix.
func mustPanicPrefix(t *testing.T, prefix string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		got := recover()
		if s, _ := got.(string); !strings.HasPrefix(s, prefix) {
			t.Errorf("panic %v, want one starting %q", got, prefix)
		}
	}()
	f()
}

// Before: Bytes had the capacity of the whole buffer, so after GetZeroed a
// reslice past n showed an earlier owner's bytes (and an append wrote over
// them in place).
func TestBytesEndsAtN(t *testing.T) {
	a := mustNew(t, arena.Config{BlocksMax: 1})
	b, err := a.Get(64)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b.Bytes() {
		b.Bytes()[i] = 0xAB
	}
	a.Put(b)
	b, err = a.GetZeroed(16) // the same block, reused for fewer bytes
	if err != nil {
		t.Fatal(err)
	}
	defer a.Put(b)
	mem := b.Bytes()
	if len(mem) != 16 || cap(mem) != 16 {
		t.Fatalf("Bytes: len %d, cap %d; want 16 and 16", len(mem), cap(mem))
	}
	if got := append(mem, 1); &got[0] == &mem[0] {
		t.Error("append to Bytes wrote into the block past n")
	}
}

// Before: a Get that failed left PeakInUseBytes at the bytes it had
// reserved (MaxInt), because the reservation raised the peak before the
// allocation failed (found by a review).
func TestFailedGetLeavesPeak(t *testing.T) {
	a := mustNew(t, arena.Config{BlockSize: 4096, MaxInUseBytes: math.MaxInt64})
	if _, err := a.Get(math.MaxInt); err == nil {
		t.Fatal("Get(MaxInt): no error")
	}
	if st := a.Stats(); st.PeakInUseBytes != 0 {
		t.Errorf("PeakInUseBytes %d after a failed Get, want 0", st.PeakInUseBytes)
	}
	if _, err := a.NewArray(1<<58, 1); err == nil { // 2^46 blocks: no slice holds them
		t.Fatal("NewArray(1<<58, 1): no error")
	}
	if st := a.Stats(); st.PeakInUseBytes != 0 {
		t.Errorf("PeakInUseBytes %d after a failed NewArray, want 0", st.PeakInUseBytes)
	}
	b, err := a.Get(100)
	if err != nil {
		t.Fatal(err)
	}
	a.Put(b)
	if st := a.Stats(); st.PeakInUseBytes != 100 {
		t.Errorf("PeakInUseBytes %d after a Get of 100, want 100", st.PeakInUseBytes)
	}
}

// Before: NewArray whose block count no slice can hold (2^46 blocks here)
// passed the byte-count checks and panicked in make (found by a review).
func TestNewArrayTooManyBlocksIsAnError(t *testing.T) {
	a := mustNew(t, arena.Config{BlockSize: 4096})
	if r, err := a.NewArray(1<<58, 1); err == nil {
		r.Release()
		t.Fatal("NewArray(1<<58, 1): no error")
	}
	checkIdle(t, a)
}

// The zero Arena's methods that need shards panic naming the mistake; they
// failed with "index out of range [0] with length 0" (Get, NewArray) and
// "integer divide by zero" (SetBlocksMax), found by a new-user review.
func TestZeroArenaPanics(t *testing.T) {
	var a arena.Arena
	const want = "arena: Arena not made by New"
	mustPanic(t, want, func() { a.Get(10) })
	mustPanic(t, want, func() { a.NewArray(2, 2) })
	mustPanic(t, want, func() { a.SetBlocksMax(4) })
}

// TestNewCountOfFailedNewArray: a NewArray that got past its size checks
// counts once in NewCount whichever way it then fails, as Pillow counts
// new_count before it allocates; one that fails a size check does not
// count. It failed when only a failure while readying blocks counted: the
// cap's ErrExhausted left NewCount at 0.
func TestNewCountOfFailedNewArray(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name            string
		cfg             arena.Config
		lines, linesize int
		want            int64
	}{
		{"size check", arena.Config{}, 1, math.MaxInt, 0},
		{"cap", arena.Config{MaxInUseBytes: 1 << 20}, 1024, 2048, 1},
		{"block", arena.Config{}, 1, math.MaxInt/2 - 200, 1},
	} {
		a := mustNew(t, c.cfg)
		if r, err := a.NewArray(c.lines, c.linesize); err == nil {
			r.Release()
			t.Fatalf("%s: NewArray(%d, %d): no error", c.name, c.lines, c.linesize)
		}
		if st := checkIdle(t, a); st.NewCount != c.want {
			t.Errorf("%s: got NewCount %d after the failed NewArray, want %d", c.name, st.NewCount, c.want)
		}
	}
}
