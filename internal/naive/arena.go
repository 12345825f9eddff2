// This file is a faithful Go port of Pillow's ORIGINAL block arena
// (src/libImaging/Storage.c before Pillow 11 added a mutex): the process-wide
// ImagingDefaultArena whose memory_get_block and memory_return_block read and
// write blocks_cached and blocks_pool with no lock at all. It is racy by
// design. It exists so that paddock's arena tests and `paddock verify` can
// show that their detectors catch the race the seed document
// (shared/seeds/pillow-arena-race.txt) reports: two returns writing the same
// slot lose a block; two gets reading the same slot hand one block to two
// callers. Nothing public may import it, and its tests cannot run under
// -race.
//
// The C code loads blocks_cached once into a register and later stores the
// new value; the port does the same with a local variable, and puts a
// scheduling point (naive.arena.get.afterRead, naive.arena.return.afterRead)
// in the window between the load and the store, so that -tags schedtest can
// widen it. Blocks are pointers to immutable values, so a racing store to a
// slot writes one machine word and can lose a block but never tear one.
// When its counters are corrupted badly enough the port may panic (a nil
// block), where C would read freed memory; harnesses should recover.
//
// The file also ports the check-then-add byte cap of thanos' BytesPool
// ([InUseCap]), against which arena's MaxInUseBytes test shows that it can
// catch a cap that concurrent callers overshoot.

package naive

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// ArenaConfig mirrors paddock's arena.Config for the port.
type ArenaConfig struct {
	Alignment int // default 1
	BlockSize int // default 16 MiB
	BlocksMax int // default 0: no cache
}

// ArenaStats is Pillow's get_stats, with paddock's field names.
type ArenaStats struct {
	NewCount          int64
	AllocatedBlocks   int64
	ReusedBlocks      int64
	ReallocatedBlocks int64
	FreedBlocks       int64
	BlocksCached      int64
}

// memBlock is Pillow's ImagingMemoryBlock {ptr, size}. It is never changed
// after it is made; Pillow's realloc makes a new one.
type memBlock struct {
	buf []byte
}

// Arena is ImagingMemoryArena. No field is protected by anything.
type Arena struct {
	alignment    int
	blockSize    int
	blocksMax    int
	blocksCached int
	blocksPool   []*memBlock
	stats        ArenaStats
}

// NewArena returns an arena configured like Pillow's, with no validation
// beyond the defaults.
func NewArena(cfg ArenaConfig) *Arena {
	a := &Arena{alignment: cfg.Alignment, blockSize: cfg.BlockSize}
	if a.alignment == 0 {
		a.alignment = 1
	}
	if a.blockSize == 0 {
		a.blockSize = 16 << 20
	}
	a.SetBlocksMax(cfg.BlocksMax)
	return a
}

// SetBlocksMax is ImagingMemorySetBlocksMax: trim the cache, resize the pool.
func (a *Arena) SetBlocksMax(blocksMax int) {
	a.ClearCache(blocksMax)
	pool := make([]*memBlock, blocksMax)
	copy(pool, a.blocksPool)
	a.blocksPool = pool
	a.blocksMax = blocksMax
}

// ClearCache is ImagingMemoryClearCache.
func (a *Arena) ClearCache(newSize int) {
	for a.blocksCached > newSize {
		a.blocksCached--
		a.blocksPool[a.blocksCached] = nil
		a.stats.FreedBlocks++
	}
}

// Stats is get_stats.
func (a *Arena) Stats() ArenaStats {
	st := a.stats
	st.BlocksCached = int64(a.blocksCached)
	return st
}

// ResetStats is reset_stats: counters to zero, blocks_cached kept.
func (a *Arena) ResetStats() { a.stats = ArenaStats{} }

// getBlock is memory_get_block.
func (a *Arena) getBlock(requested int, dirty bool) *memBlock {
	cached := a.blocksCached
	schedpoint.Point("naive.arena.get.afterRead")
	if cached > 0 {
		cached--
		a.blocksCached = cached
		block := a.blocksPool[cached]
		if len(block.buf) != requested {
			block = realloc(block, requested)
		}
		if !dirty {
			clear(block.buf)
		}
		a.stats.ReusedBlocks++
		if block != a.blocksPool[cached] {
			a.stats.ReallocatedBlocks++
		}
		return block
	}
	a.stats.AllocatedBlocks++
	return &memBlock{buf: make([]byte, requested)}
}

// returnBlock is memory_return_block.
func (a *Arena) returnBlock(block *memBlock) {
	cached := a.blocksCached
	schedpoint.Point("naive.arena.return.afterRead")
	if cached < a.blocksMax {
		if len(block.buf) > a.blockSize {
			block = realloc(block, a.blockSize)
		}
		a.blocksPool[cached] = block
		a.blocksCached = cached + 1
	} else {
		a.stats.FreedBlocks++
	}
}

// realloc is C's realloc: a block of the new size holding the old contents.
func realloc(b *memBlock, size int) *memBlock {
	nb := &memBlock{buf: make([]byte, size)}
	copy(nb.buf, b.buf)
	return nb
}

// ArenaArray is an Imaging instance's array storage: its blocks and the
// row pointers im->image[y].
type ArenaArray struct {
	arena  *Arena
	blocks []*memBlock
	rows   [][]byte
}

// NewArray is ImagingNewPrologue's new_count plus ImagingAllocateArray
// (dirty = 0: blocks are zeroed).
func (a *Arena) NewArray(lines, linesize int) (*ArenaArray, error) {
	if lines < 0 || linesize < 0 {
		return nil, fmt.Errorf("naive: NewArray(%d, %d): negative size", lines, linesize)
	}
	a.stats.NewCount++
	im := &ArenaArray{arena: a, rows: make([][]byte, lines)}
	if lines == 0 || linesize == 0 {
		return im, nil
	}
	align := a.alignment
	aligned := (linesize + align - 1) &^ (align - 1)
	perBlock := (a.blockSize - (align - 1)) / aligned
	if perBlock == 0 {
		perBlock = 1
	}
	var block *memBlock
	var base int
	lineInBlock := 0
	for y := range lines {
		if lineInBlock == 0 {
			remaining := min(perBlock, lines-y)
			block = a.getBlock(remaining*aligned+align-1, false)
			im.blocks = append(im.blocks, block)
			base = alignOffset(block.buf, align)
		}
		off := base + aligned*lineInBlock
		im.rows[y] = block.buf[off : off+linesize : off+linesize]
		lineInBlock++
		if lineInBlock >= perBlock {
			lineInBlock = 0
		}
	}
	return im, nil
}

// Row returns row y.
func (im *ArenaArray) Row(y int) []byte { return im.rows[y] }

// Release is ImagingDestroyArray: every block back, no lock.
func (im *ArenaArray) Release() {
	for _, b := range im.blocks {
		im.arena.returnBlock(b)
	}
	im.blocks, im.rows = nil, nil
}

// alignOffset is how many bytes past the start of buf the first address
// aligned to align (a power of two) lies: Pillow's aligned_ptr.
func alignOffset(buf []byte, align int) int {
	return int(-uintptr(unsafe.Pointer(unsafe.SliceData(buf))) & uintptr(align-1))
}

// InUseCap is the byte cap of thanos' pool.BytesPool (pkg/pool/pool.go,
// maxTotal and usedTotal), the check-then-add design that issue 2 names for
// arena.Config.MaxInUseBytes to avoid: Get loads the bytes in use
// atomically, compares them with the cap, and adds its request with a
// second atomic operation later. Each step is atomic, so the race detector
// is silent, but two callers can pass the check on the same old value and
// both add: the cap is overshot. The scheduling point
// naive.cap.reserve.afterCheck sits in that window.
//
// Unlike thanos it tracks the highest total it reached (Peak) so that a
// detector can see the overshoot; that bookkeeping is a CAS loop and is not
// part of the race.
type InUseCap struct {
	max  int64
	used atomic.Int64 // written by Reserve (Add) and Release (Add)
	peak atomic.Int64 // written by Reserve (CAS)
}

// NewInUseCap returns a cap of max bytes (0: no cap, as in thanos).
func NewInUseCap(max int64) *InUseCap { return &InUseCap{max: max} }

// ErrCapExhausted is thanos' ErrPoolExhausted.
var ErrCapExhausted = errors.New("naive: pool exhausted")

// Reserve takes n bytes of the cap, or returns ErrCapExhausted: check, then
// add.
func (c *InUseCap) Reserve(n int64) error {
	used := c.used.Load()
	if c.max > 0 && used+n > c.max {
		return ErrCapExhausted
	}
	schedpoint.Point("naive.cap.reserve.afterCheck")
	now := c.used.Add(n)
	for p := c.peak.Load(); now > p && !c.peak.CompareAndSwap(p, now); p = c.peak.Load() {
	}
	return nil
}

// Release gives n bytes back.
func (c *InUseCap) Release(n int64) { c.used.Add(-n) }

// Peak returns the highest total of reserved bytes seen.
func (c *InUseCap) Peak() int64 { return c.peak.Load() }
