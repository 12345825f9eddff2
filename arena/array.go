package arena

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// Array is an image laid into arena blocks as Pillow's ImagingAllocateArray
// lays it: lines rows of linesize bytes, each row starting at a multiple of
// the arena's Alignment, as many whole rows per block as fit in BlockSize and
// at least one.
//
// The zero Array has no rows and must not be released. An Array must not be
// copied. It is not safe for concurrent Release; concurrent Row calls are
// fine, and rows may be written by different goroutines as any slices may.
// Release synchronizes before the NewArray that gets the same blocks.
type Array struct {
	_        noCopy // go vet reports copies: a one-block Array's blocks point into its own one
	arena    *Arena
	blocks   []*Block // nil once released
	one      [1]*Block
	lines    int
	linesize int
	stride   int // linesize rounded up to align
	perBlock int // rows per block
	align    int
	released bool
}

// NewArray returns a zeroed image of lines rows of linesize bytes. It takes
// the local cache's lock once for all the blocks it can reuse. It returns an
// error wrapping [ErrExhausted] if the image would exceed MaxInUseBytes, and
// an error for negative or overflowing sizes. 0 rows or 0 bytes a row give
// an Array with no blocks. A NewArray that fails, with an error or with
// Poison's panic, first gives back every block it took and the bytes it
// reserved.
func (a *Arena) NewArray(lines, linesize int) (*Array, error) {
	return a.newArray(lines, linesize, true)
}

// NewArrayDirty is NewArray without zeroing reused blocks: rows hold whatever
// their last owner wrote (0xDD with Poison). Fresh blocks are zero.
func (a *Arena) NewArrayDirty(lines, linesize int) (*Array, error) {
	return a.newArray(lines, linesize, false)
}

func (a *Arena) newArray(lines, linesize int, zero bool) (*Array, error) {
	if lines < 0 || linesize < 0 {
		return nil, fmt.Errorf("arena: NewArray(%d, %d): lines and linesize must be 0 or more", lines, linesize)
	}
	align := a.Alignment()
	r := &Array{arena: a, lines: lines, linesize: linesize, align: align}
	home, s := a.local()
	if lines == 0 || linesize == 0 {
		s.countNew()
		r.blocks = r.one[:0]
		return r, nil
	}
	if linesize > math.MaxInt/2-align {
		return nil, fmt.Errorf("arena: NewArray(%d, %d): linesize too large", lines, linesize)
	}
	r.stride = (linesize + align - 1) &^ (align - 1)
	r.perBlock = max(1, (a.BlockSize()-(align-1))/r.stride)
	if r.perBlock > lines {
		r.perBlock = lines
	}
	nblocks := lines / r.perBlock
	if lines%r.perBlock != 0 {
		nblocks++ // not (lines+perBlock-1)/perBlock, which overflows near MaxInt
	}
	if r.stride > (math.MaxInt-align)/r.perBlock {
		return nil, fmt.Errorf("arena: NewArray(%d, %d): block too large", lines, linesize)
	}
	full := r.perBlock*r.stride + align - 1
	last := (lines-(nblocks-1)*r.perBlock)*r.stride + align - 1
	size := func(i int) int {
		if i == nblocks-1 {
			return last
		}
		return full
	}
	if int64(nblocks) > math.MaxInt64/int64(full) {
		return nil, fmt.Errorf("arena: NewArray(%d, %d): image too large", lines, linesize)
	}
	total := int64(full)*int64(nblocks-1) + int64(last)
	// The cap first: a request above it fails here, before any memory.
	// From here on every request counts in NewCount, as Pillow counts
	// new_count before it allocates: a failure counts here, a success (and
	// a failure while readying blocks) below, under the lock taken anyway.
	if err := a.reserve(total); err != nil {
		s.countNew()
		return nil, err
	}
	if nblocks == 1 {
		r.blocks = r.one[:]
	} else if blocks, err := makeSlice[*Block](nblocks); err == nil {
		r.blocks = blocks
	} else {
		a.unreserve(total)
		s.countNew()
		return nil, fmt.Errorf("arena: NewArray(%d, %d): image too large: %w", lines, linesize, err)
	}

	// One lock for every block the local shard can give.
	got := 0
	s.mu.Lock()
	s.c.newCount++
	for got < nblocks {
		b := s.popLocked(size(got))
		if b == nil {
			break
		}
		r.blocks[got] = b
		got++
	}
	a.returnExcessLocked(s)
	s.mu.Unlock()
	schedpoint.Point("arena.newArray.afterPop")

	// out counts the blocks of r.blocks marked out to the image, which
	// Release would give back. If a block cannot be readied (Poison found
	// a write after Put and panics, or a block cannot grow or be made),
	// giveBack returns every block taken so far, and the bytes reserved,
	// before the error or the panic leaves NewArray.
	out := 0
	ok := false
	defer func() {
		if !ok {
			a.giveBack(r.blocks[:max(out, got)], home, size, total)
		}
	}()
	for i := range nblocks {
		b := r.blocks[i]
		if b == nil {
			b = a.steal(home, size(i))
		}
		if b == nil {
			var err error
			if b, err = a.fresh(home, size(i)); err != nil {
				return nil, err
			}
			r.blocks[i] = b
			out++
			continue
		}
		r.blocks[i] = b
		b.n, b.home, b.state = size(i), int32(home), stateOut
		out++
		if a.poison || zero || len(b.buf) < size(i) {
			if err := a.prepare(b, size(i), zero); err != nil {
				return nil, err
			}
		}
	}
	ok = true
	a.raisePeakNow()
	return r, nil
}

// giveBack undoes a NewArray that failed: bs are the blocks it took, the
// first ones marked out and the rest popped from the cache (counted in use
// there); it returns them all as Release does and gives back the reserved
// bytes of the blocks it never got. size gives each block's size and total
// their sum.
func (a *Arena) giveBack(bs []*Block, home int, size func(int) int, total int64) {
	var got int64
	for i, b := range bs {
		b.n, b.home, b.state = size(i), int32(home), stateOut
		got += int64(size(i))
	}
	if len(bs) > 0 {
		a.release(bs) // gives back got bytes
	}
	a.unreserve(total - got)
}

// Lines returns the number of rows.
func (r *Array) Lines() int { return r.lines }

// LineSize returns the length of every row.
func (r *Array) LineSize() int { return r.linesize }

// BlockCount returns the number of blocks the image is laid into.
func (r *Array) BlockCount() int { return len(r.blocks) }

// Row returns row i, linesize bytes whose first byte is aligned to the
// arena's Alignment at NewArray time. Its capacity ends with the row, so an
// append never runs into the next row. Row panics if i is out of range or
// the Array was released.
func (r *Array) Row(i int) []byte {
	if r.released {
		panic("arena: Row of a released Array")
	}
	if i < 0 || i >= r.lines {
		panic(fmt.Sprintf("arena: Row(%d) out of range [0, %d)", i, r.lines))
	}
	if r.linesize == 0 {
		return []byte{}
	}
	buf := r.blocks[i/r.perBlock].buf
	pad := int(-uintptr(unsafe.Pointer(unsafe.SliceData(buf))) & uintptr(r.align-1))
	off := pad + (i%r.perBlock)*r.stride
	return buf[off : off+r.linesize : off+r.linesize]
}

// Release gives every block back to the arena in one pass, taking the lock
// of the blocks' home shard once, not once per block (when the cache's
// credits have run out it also visits each other shard once to collect
// theirs, as Put does). The Array and its rows must not be used afterwards;
// a second Release panics.
func (r *Array) Release() {
	if r.arena == nil {
		panic("arena: Release of a zero Array")
	}
	if r.released {
		panic("arena: Array released twice")
	}
	r.released = true
	if len(r.blocks) > 0 {
		r.arena.release(r.blocks)
	}
	clear(r.blocks)
	r.blocks = nil
}
