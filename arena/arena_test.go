package arena_test

import (
	"errors"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/paddock-go/paddock/arena"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg            arena.Config
		field, allowed string // "" means valid
	}{
		{arena.Config{}, "", ""},
		{arena.Config{Alignment: 128, BlockSize: 4096, BlocksMax: arena.MaxBlocksMax, MaxInUseBytes: 1, Poison: true}, "", ""},
		{arena.Config{Alignment: 3}, "Alignment is 3", "power of two (1 to 128)"},
		{arena.Config{Alignment: -8}, "Alignment is -8", "from 1 to 128"},
		{arena.Config{Alignment: 256}, "Alignment is 256", "from 1 to 128"},
		{arena.Config{BlockSize: 100}, "BlockSize is 100", "multiple of 4096"},
		{arena.Config{BlockSize: -4096}, "BlockSize is -4096", "greater than 0 (a multiple of 4096)"},
		{arena.Config{BlocksMax: -1}, "BlocksMax is -1", "(0 to 134217727)"},
		{arena.Config{BlocksMax: arena.MaxBlocksMax + 1}, "BlocksMax is 134217728", "(0 to 134217727)"},
		{arena.Config{MaxInUseBytes: -1}, "MaxInUseBytes is -1", "0 (no cap) or more"},
	}
	for _, tt := range tests {
		_, err := arena.New(tt.cfg)
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("New(%+v) = %v, want no error", tt.cfg, err)
		case tt.field != "" && (err == nil || !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.allowed)):
			t.Errorf("New(%+v) = %v, want an error with %q and the range %q", tt.cfg, err, tt.field, tt.allowed)
		}
	}
}

func TestGetPutReuse(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 4})
	b, err := a.Get(100)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b.Bytes()); got != 100 {
		t.Fatalf("len(Bytes()) = %d, want 100", got)
	}
	b.Bytes()[7] = 42
	a.Put(b)
	b2, err := a.Get(50)
	if err != nil {
		t.Fatal(err)
	}
	if b2 != b {
		t.Errorf("Get after Put returned a new block, want the cached one")
	}
	if got := b2.Bytes()[7]; got != 42 {
		t.Errorf("dirty reused block byte 7 = %d, want 42 (Get does not clear)", got)
	}
	b2.Bytes()[7] = 42
	a.Put(b2)
	b3, err := a.GetZeroed(100)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range b3.Bytes() {
		if c != 0 {
			t.Fatalf("GetZeroed byte %d = %d, want 0", i, c)
		}
	}
	a.Put(b3)
	st := a.Stats()
	if st.AllocatedBlocks != 1 || st.ReusedBlocks != 2 || st.BlocksCached != 1 || st.InUseBlocks != 0 {
		t.Errorf("got %+v, want allocated 1, reused 2, cached 1, in use 0", st)
	}
	checkConserved(t, st)
}

func TestGetGrowsSmallCachedBlock(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 1})
	b, _ := a.Get(10)
	a.Put(b)
	b, err := a.Get(1000)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b.Bytes()); got != 1000 {
		t.Errorf("len(Bytes()) = %d, want 1000", got)
	}
	st := a.Stats()
	if st.ReusedBlocks != 1 || st.ReallocatedBlocks != 1 || st.InUseBytes != 1000 {
		t.Errorf("got %+v, want reused 1, reallocated 1, in use bytes 1000", st)
	}
	a.Put(b)
	if _, err := a.Get(-1); err == nil {
		t.Errorf("Get(-1) returned no error")
	}
}

func TestBlocksMaxKeptExactly(t *testing.T) {
	t.Parallel()
	for _, max := range []int{0, 1, 5, 64} {
		a := mustNew(t, arena.Config{BlocksMax: max})
		var bs []*arena.Block
		for range max + 3 {
			b, _ := a.Get(64)
			bs = append(bs, b)
		}
		for _, b := range bs {
			a.Put(b)
		}
		st := a.Stats()
		if st.BlocksCached != int64(max) || st.FreedBlocks != 3 {
			t.Errorf("BlocksMax %d, %d blocks put: got cached %d, freed %d; want cached %d, freed 3",
				max, max+3, st.BlocksCached, st.FreedBlocks, max)
		}
		checkConserved(t, st)
	}
}

func TestOversizedBlockIsFreed(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlockSize: 4096, BlocksMax: 8})
	b, _ := a.Get(4097)
	a.Put(b)
	if st := a.Stats(); st.BlocksCached != 0 || st.FreedBlocks != 1 {
		t.Errorf("got cached %d, freed %d; want cached 0, freed 1", st.BlocksCached, st.FreedBlocks)
	}
}

func TestSetBlocksMaxTrims(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 10})
	var bs []*arena.Block
	for range 10 {
		b, _ := a.Get(8)
		bs = append(bs, b)
	}
	for _, b := range bs {
		a.Put(b)
	}
	for _, tt := range []struct{ max, cached, freed int64 }{{3, 3, 7}, {20, 3, 7}, {0, 0, 10}} {
		if err := a.SetBlocksMax(int(tt.max)); err != nil {
			t.Fatal(err)
		}
		st := a.Stats()
		if st.BlocksCached != tt.cached || st.FreedBlocks != tt.freed {
			t.Errorf("SetBlocksMax(%d): got cached %d, freed %d; want %d, %d",
				tt.max, st.BlocksCached, st.FreedBlocks, tt.cached, tt.freed)
		}
		checkConserved(t, st)
	}
}

func TestPutMisusePanics(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 2})
	other := mustNew(t, arena.Config{})
	tests := []struct {
		name string
		want string
		f    func()
	}{
		{"nil", "arena: Put of a nil Block", func() { a.Put(nil) }},
		{"zero Block", "arena: Put of a Block that did not come from this arena", func() { a.Put(&arena.Block{}) }},
		{"other arena", "arena: Put of a Block that did not come from this arena", func() {
			b, _ := other.Get(1)
			a.Put(b)
		}},
		{"twice, cached", "arena: block returned twice", func() {
			b, _ := a.Get(1)
			a.Put(b)
			a.Put(b)
		}},
		{"twice, dropped", "arena: block returned twice", func() {
			b, _ := other.Get(1) // other caches nothing
			other.Put(b)
			other.Put(b)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { mustPanic(t, tt.want, tt.f) })
	}
}

// TestConcurrentDoublePut: of two goroutines putting the same block, exactly
// one succeeds and the other panics, every time: with a cache that keeps
// the block, and with none, where the first Put drops it. Under -race the
// second case failed with a data race before Put read the block's size under
// the shard's lock (the drop clears it there).
func TestConcurrentDoublePut(t *testing.T) {
	t.Parallel()
	for _, blocksMax := range []int{4, 0} {
		a := mustNew(t, arena.Config{BlocksMax: blocksMax})
		for range 200 {
			b, _ := a.Get(16)
			var panics atomic.Int32
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					defer func() {
						if recover() != nil {
							panics.Add(1)
						}
					}()
					a.Put(b)
				})
			}
			wg.Wait()
			if got := panics.Load(); got != 1 {
				t.Fatalf("BlocksMax %d: two concurrent Puts of one block: %d panicked, want exactly 1", blocksMax, got)
			}
		}
		st := a.Stats()
		if st.BlocksCached > int64(blocksMax) {
			t.Errorf("BlocksCached = %d, want at most %d", st.BlocksCached, blocksMax)
		}
		checkConserved(t, st)
	}
}

func TestMaxInUseBytes(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{MaxInUseBytes: 1000, BlocksMax: 4})
	b1, err := a.Get(600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(600); !errors.Is(err, arena.ErrExhausted) {
		t.Errorf("Get(600) with 600 of 1000 in use: %v, want ErrExhausted", err)
	}
	if _, err := a.NewArray(2, 300); !errors.Is(err, arena.ErrExhausted) {
		t.Errorf("NewArray(2, 300) with 600 of 1000 in use: %v, want ErrExhausted", err)
	}
	a.Put(b1)
	b2, err := a.Get(1000)
	if err != nil {
		t.Fatalf("Get(1000) with nothing in use: %v", err)
	}
	a.Put(b2)
	st := a.Stats()
	if st.InUseBytes != 0 || st.PeakInUseBytes != 1000 {
		t.Errorf("got in use %d, peak %d; want 0, 1000", st.InUseBytes, st.PeakInUseBytes)
	}
}

func TestPoisonCatchesWriteAfterPut(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 1, Poison: true})
	b, _ := a.Get(32)
	stale := b.Bytes()
	a.Put(b)
	if stale[0] != 0xDD || stale[31] != 0xDD {
		t.Errorf("returned block holds %#x..%#x, want 0xdd", stale[0], stale[31])
	}
	b, _ = a.Get(32) // untouched: no panic
	a.Put(b)
	stale[5] = 1 // a write after Put
	mustPanic(t, "arena: block written after Put: byte 5 of 32 is 0x1, want 0xdd", func() { a.Get(32) })
}

// TestPoisonCatchesWriteToReleasedRow: a row kept past Release and written
// is reported when its block goes into the next image.
func TestPoisonCatchesWriteToReleasedRow(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 4, BlockSize: 4096, Poison: true})
	img, _ := a.NewArray(8, 1024) // two blocks of 4 rows
	stale := img.Row(5)
	img.Release()
	clean, _ := a.NewArray(8, 1024) // untouched: no panic, zeroed
	if got := clean.Row(5)[0]; got != 0 {
		t.Errorf("NewArray with Poison: row 5 byte 0 = %#x, want 0", got)
	}
	clean.Release()
	stale[0] = 1
	defer func() {
		p, _ := recover().(string)
		if !strings.HasPrefix(p, "arena: block written after Put: byte 1024 of 4096 is 0x1") {
			t.Errorf("panic %q, want a write after Put at byte 1024", p)
		}
	}()
	a.NewArray(8, 1024)
}

func TestArrayLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		align, blockSize, lines, linesize, blocks int
	}{
		{1, 4096, 256, 1024, 64},
		{1, 4096, 16, 8192, 16}, // rows wider than a block: one each
		{16, 4096, 100, 100, 3}, // stride 112: 36 rows a block
		{128, 8192, 7, 2, 1},
		{1, 16 << 20, 2048, 8192, 1},
		{4, 16 << 20, 2048, 8192, 2}, // Pillow keeps align-1 bytes of slack: 2047 rows fit
		{8, 4096, 3, 4090, 3},
		{128, 4096, 5, 4000, 5}, // 4096 + 127 bytes for one row: over BlockSize, one row a block
		{2, 4096, 4096, 2, 3},   // 2047 rows of stride 2 fit in 4096-1 bytes
	}
	for _, tt := range tests {
		a := mustNew(t, arena.Config{Alignment: tt.align, BlockSize: tt.blockSize, BlocksMax: 4})
		img, err := a.NewArray(tt.lines, tt.linesize)
		if err != nil {
			t.Fatal(err)
		}
		if got := img.BlockCount(); got != tt.blocks {
			t.Errorf("%+v: BlockCount() = %d, want %d", tt, got, tt.blocks)
		}
		// A block is at most BlockSize, unless one row (with its alignment
		// slack) is larger: then the block holds exactly that one row.
		stride := (tt.linesize + tt.align - 1) &^ (tt.align - 1)
		oneRow := stride + tt.align - 1
		for i, n := range arena.BlockLens(img) {
			if oneRow <= tt.blockSize && n > tt.blockSize || oneRow > tt.blockSize && n != oneRow {
				t.Errorf("%+v: block %d has %d bytes, want at most BlockSize, or one row of %d", tt, i, n, oneRow)
			}
		}
		for i := range tt.lines {
			row := img.Row(i)
			if len(row) != tt.linesize || cap(row) != tt.linesize {
				t.Fatalf("%+v: Row(%d) has len %d cap %d, want %d", tt, i, len(row), cap(row), tt.linesize)
			}
			if addr := uintptr(unsafe.Pointer(&row[0])); addr%uintptr(tt.align) != 0 {
				t.Fatalf("%+v: Row(%d) at %#x, not aligned to %d", tt, i, addr, tt.align)
			}
			row[0], row[len(row)-1] = byte(i), byte(i>>8)
		}
		for i := range tt.lines { // no two rows overlap
			row := img.Row(i)
			if row[0] != byte(i) || row[len(row)-1] != byte(i>>8) {
				t.Fatalf("%+v: Row(%d) overwritten by another row", tt, i)
			}
		}
		img.Release()
		checkConserved(t, a.Stats())
	}
}

func TestArrayMisuse(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{})
	img, _ := a.NewArray(2, 8)
	mustPanic(t, "arena: Row(2) out of range [0, 2)", func() { img.Row(2) })
	img.Release()
	mustPanic(t, "arena: Row of a released Array", func() { img.Row(0) })
	mustPanic(t, "arena: Array released twice", img.Release)
	if _, err := a.NewArray(-1, 8); err == nil {
		t.Errorf("NewArray(-1, 8) returned no error")
	}
	empty, err := a.NewArray(3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(empty.Row(2)); got != 0 || empty.BlockCount() != 0 {
		t.Errorf("NewArray(3, 0): len(Row(2)) = %d, blocks %d; want 0, 0", got, empty.BlockCount())
	}
	empty.Release()
}

func TestNewArrayZeroesReusedBlocks(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 4, BlockSize: 4096})
	img, _ := a.NewArray(4, 1024)
	img.Row(3)[9] = 7
	img.Release()
	dirty, _ := a.NewArrayDirty(4, 1024)
	if got := dirty.Row(3)[9]; got != 7 {
		t.Errorf("NewArrayDirty row 3 byte 9 = %d, want the old 7", got)
	}
	dirty.Release()
	clean, _ := a.NewArray(4, 1024)
	if got := clean.Row(3)[9]; got != 0 {
		t.Errorf("NewArray row 3 byte 9 = %d, want 0", got)
	}
	clean.Release()
	if st := a.Stats(); st.ReusedBlocks != 2 || st.AllocatedBlocks != 1 {
		t.Errorf("got reused %d, allocated %d; want 2, 1", st.ReusedBlocks, st.AllocatedBlocks)
	}
}

func TestResetStatsRestartsPeak(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{MaxInUseBytes: 1 << 20})
	b, _ := a.Get(500)
	c, _ := a.Get(100)
	a.Put(b)
	a.ResetStats()
	if st := a.Stats(); st.PeakInUseBytes != 100 || st.InUseBytes != 100 || st.InUseBlocks != 1 {
		t.Errorf("got %+v, want peak 100, in use 100 bytes in 1 block", st)
	}
	a.Put(c)
}

func TestDefault(t *testing.T) {
	t.Parallel()
	first, second := arena.Default(), arena.Default()
	if first != second {
		t.Fatal("Default() returned two arenas")
	}
	b, err := arena.Default().Get(10)
	if err != nil {
		t.Fatal(err)
	}
	arena.Default().Put(b)
}

// TestPeakExactWithHugeCap: MaxInUseBytes = MaxInt64 gives an exact peak
// with no practical cap, as the Stats doc promises.
func TestPeakExactWithHugeCap(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{MaxInUseBytes: math.MaxInt64, BlocksMax: 2})
	var bs []*arena.Block
	for _, n := range []int{100, 200, 300} {
		b, err := a.Get(n)
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	for _, b := range bs {
		a.Put(b)
	}
	if st := a.Stats(); st.PeakInUseBytes != 600 || st.InUseBytes != 0 {
		t.Errorf("got peak %d, in use %d; want 600, 0", st.PeakInUseBytes, st.InUseBytes)
	}
}
