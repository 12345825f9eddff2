package arena_test

// Ports of the behaviours of Pillow's Tests/test_core_resources.py. Pillow
// asserts ">= 64" where Python's garbage collector may lag; Go releases
// deterministically, so these assert the exact figures.

import (
	"reflect"
	"strings"
	"testing"

	"github.com/paddock-go/paddock/arena"
)

// newImage makes and releases a width x height image at Pillow's 4 bytes a
// pixel for "RGB", as Image.new does when the image is collected at once.
func newImage(t *testing.T, a *arena.Arena, width, height int) {
	t.Helper()
	img, err := a.NewArray(height, width*4)
	if err != nil {
		t.Fatalf("NewArray(%d, %d): %v", height, width*4, err)
	}
	img.Release()
}

func TestGetStatsKeys(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{})
	newImage(t, a, 10, 10)
	st := a.Stats()
	if st.NewCount != 1 || st.AllocatedBlocks != 1 || st.FreedBlocks != 1 {
		t.Errorf("after one 10x10 image: got %+v, want new 1, allocated 1, freed 1", st)
	}
	want := []string{"NewCount", "AllocatedBlocks", "ReusedBlocks", "ReallocatedBlocks", "FreedBlocks",
		"BlocksCached", "InUseBlocks", "InUseBytes", "CachedBytes", "PeakInUseBytes"}
	var got []string
	typ := reflect.TypeFor[arena.Stats]()
	for i := range typ.NumField() {
		got = append(got, typ.Field(i).Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Stats fields: got %v, want %v", got, want)
	}
}

// TestDefaults: Pillow's get_alignment, get_block_size and get_blocks_max
// on a fresh arena (Pillow asserts > 0, >= 4096, >= 0; these are its exact
// defaults).
func TestDefaults(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{})
	if a.Alignment() != 1 || a.BlockSize() != 16<<20 || a.BlocksMax() != 0 {
		t.Errorf("got alignment %d, block size %d, blocks max %d; want 1, %d, 0",
			a.Alignment(), a.BlockSize(), a.BlocksMax(), 16<<20)
	}
}

func TestResetStats(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 4, BlockSize: 4096})
	newImage(t, a, 256, 16) // 4 blocks of 4 rows x 1024 bytes
	a.ResetStats()
	got := a.Stats()
	want := arena.Stats{BlocksCached: 4, CachedBytes: got.CachedBytes}
	if got != want {
		t.Errorf("after ResetStats: got %+v, want %+v", got, want)
	}
}

func TestSetAlignment(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{})
	for _, n := range []int{1, 2, 4, 8, 16, 32, 64, 128} {
		if err := a.SetAlignment(n); err != nil {
			t.Fatalf("SetAlignment(%d): %v", n, err)
		}
		if got := a.Alignment(); got != n {
			t.Errorf("Alignment() = %d, want %d", got, n)
		}
		newImage(t, a, 10, 10)
	}
	tests := []struct {
		n    int
		want string
	}{
		{0, "alignment should be from 1 to 128"},
		{-1, "alignment should be from 1 to 128"},
		{3, "alignment should be power of two"},
		{256, "alignment should be from 1 to 128"},
	}
	for _, tt := range tests {
		err := a.SetAlignment(tt.n)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "Alignment") {
			t.Errorf("SetAlignment(%d) = %v, want an error naming Alignment and %q", tt.n, err, tt.want)
		}
	}
	if got := a.Alignment(); got != 128 {
		t.Errorf("Alignment() after rejected sets = %d, want 128", got)
	}
}

func TestSetBlockSize(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{})
	if got := a.BlockSize(); got != 16<<20 {
		t.Errorf("default BlockSize() = %d, want %d", got, 16<<20)
	}
	for _, n := range []int{4096, 2 * 4096, 3 * 4096} {
		if err := a.SetBlockSize(n); err != nil {
			t.Fatalf("SetBlockSize(%d): %v", n, err)
		}
		if got := a.BlockSize(); got != n {
			t.Errorf("BlockSize() = %d, want %d", got, n)
		}
		newImage(t, a, 10, 10)
	}
	tests := []struct {
		n    int
		want string
	}{
		{0, "block_size should be greater than 0"},
		{-1, "block_size should be greater than 0"},
		{4000, "block_size should be multiple of 4096"},
	}
	for _, tt := range tests {
		err := a.SetBlockSize(tt.n)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "BlockSize") {
			t.Errorf("SetBlockSize(%d) = %v, want an error naming BlockSize and %q", tt.n, err, tt.want)
		}
	}
}

func TestSetBlockSizeStats(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 0, BlockSize: 4096})
	newImage(t, a, 256, 256)
	st := a.Stats()
	if st.NewCount != 1 || st.AllocatedBlocks != 64 || st.FreedBlocks != 64 {
		t.Errorf("got %+v, want new 1, allocated 64, freed 64", st)
	}
	checkConserved(t, st)
}

func TestSetBlocksMax(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{})
	for _, n := range []int{0, 1, 10} {
		if err := a.SetBlocksMax(n); err != nil {
			t.Fatalf("SetBlocksMax(%d): %v", n, err)
		}
		if got := a.BlocksMax(); got != n {
			t.Errorf("BlocksMax() = %d, want %d", got, n)
		}
		newImage(t, a, 10, 10)
	}
	tests := []struct {
		n    int
		want string
	}{
		{-1, "blocks_max should be greater than 0"},
		{arena.MaxBlocksMax + 1, "blocks_max is too large"},
	}
	for _, tt := range tests {
		err := a.SetBlocksMax(tt.n)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "BlocksMax") {
			t.Errorf("SetBlocksMax(%d) = %v, want an error naming BlocksMax and %q", tt.n, err, tt.want)
		}
	}
}

// TestSetBlocksMaxStats: two arrays of 256 rows x 1024 bytes (a 256x256 RGB
// image) in 4 KiB blocks with BlocksMax 128: the second reuses the first's
// 64 blocks and nothing is freed.
func TestSetBlocksMaxStats(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 128, BlockSize: 4096})
	newImage(t, a, 256, 256)
	newImage(t, a, 256, 256)
	st := a.Stats()
	want := arena.Stats{NewCount: 2, AllocatedBlocks: 64, ReusedBlocks: 64, BlocksCached: 64,
		CachedBytes: 64 * 4096, PeakInUseBytes: st.PeakInUseBytes}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	checkConserved(t, st)
}

func TestClearCacheStats(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlockSize: 4096})
	if err := a.ClearCache(0); err != nil {
		t.Fatal(err)
	}
	if err := a.SetBlocksMax(128); err != nil {
		t.Fatal(err)
	}
	newImage(t, a, 256, 256)
	newImage(t, a, 256, 256)
	if err := a.ClearCache(16); err != nil { // keep 16 blocks
		t.Fatal(err)
	}
	st := a.Stats()
	if st.NewCount != 2 || st.AllocatedBlocks != 64 || st.ReusedBlocks != 64 ||
		st.FreedBlocks != 48 || st.BlocksCached != 16 {
		t.Errorf("got %+v, want new 2, allocated 64, reused 64, freed 48, cached 16", st)
	}
	checkConserved(t, st)
	if err := a.ClearCache(-1); err == nil || !strings.Contains(err.Error(), "keep") {
		t.Errorf("ClearCache(-1) = %v, want an error naming keep", err)
	}
}

// TestLargeImages: rows wider than a block get one block each.
func TestLargeImages(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 0, BlockSize: 4096})
	img, err := a.NewArray(16, 2048*4)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.BlockCount(); got != 16 {
		t.Errorf("BlockCount() = %d, want 16 (one 8 KiB row per 4 KiB block)", got)
	}
	img.Release()
	if err := a.ClearCache(0); err != nil {
		t.Fatal(err)
	}
	st := a.Stats()
	if st.NewCount != 1 || st.AllocatedBlocks != 16 || st.BlocksCached != 0 || st.FreedBlocks != 16 {
		t.Errorf("got %+v, want new 1, allocated 16, cached 0, freed 16", st)
	}
}
