package bench

import (
	"sync"

	bufpool "github.com/libp2p/go-buffer-pool"
	"github.com/valyala/bytebufferpool"
)

// SeedResolutions are the image sizes of the seed's reproducer
// (shared/seeds/pillow-arena-race.txt): Image.new("RGB", res) for each,
// round robin, from 20 threads.
var SeedResolutions = [...]struct{ Width, Height int }{
	{512, 512}, {1024, 1024}, {1536, 1536}, {2048, 2048},
}

// BytesPerPixel is the size of an RGB pixel in Pillow's memory (RGBX).
const BytesPerPixel = 4

// Buf is a block from a [BlockPool]: its bytes and the handle its pool needs
// to take it back (a *[]byte for sync.Pool, a *ByteBuffer, or nil).
type Buf struct {
	B      []byte
	Fresh  bool // made by the Get that returned it, so already zero
	handle any
}

// A BlockPool hands out blocks of at least n bytes and takes them back. The
// image loop of the peers runs against this interface; its dynamic call costs
// a few nanoseconds per block, against a block's zeroing of 64 KiB and more.
type BlockPool interface {
	Get(n int) Buf
	Put(b Buf)
}

// Image is an image laid into blocks as Pillow's ImagingAllocateArray lays
// it: rows of linesize bytes, as many whole rows per block as fit in
// blockSize (at least one), every block zeroed as Image.new zeroes it. Its
// slices are reused from one Alloc to the next.
//
// The zero value is an empty image. An Image is not safe for concurrent use.
type Image struct {
	rows   [][]byte
	blocks []Buf
}

// Alloc lays an image of lines rows of linesize bytes into blocks from p.
func (im *Image) Alloc(p BlockPool, lines, linesize, blockSize int) {
	perBlock := max(1, blockSize/linesize)
	im.rows = im.rows[:0]
	im.blocks = im.blocks[:0]
	for y := 0; y < lines; y += perBlock {
		n := min(perBlock, lines-y)
		blk := p.Get(n * linesize)
		mem := blk.B[:n*linesize]
		if !blk.Fresh { // a new block is zero already: paddock's arena does not clear it either
			clear(mem)
		}
		for i := range n {
			im.rows = append(im.rows, mem[i*linesize:(i+1)*linesize:(i+1)*linesize])
		}
		im.blocks = append(im.blocks, blk)
	}
}

// Rows returns the number of rows.
func (im *Image) Rows() int { return len(im.rows) }

// Row returns row i.
func (im *Image) Row(i int) []byte { return im.rows[i] }

// Blocks returns the number of blocks the image holds.
func (im *Image) Blocks() int { return len(im.blocks) }

// Release returns every block to p.
func (im *Image) Release(p BlockPool) {
	for i, b := range im.blocks {
		p.Put(b)
		im.blocks[i] = Buf{}
	}
	im.blocks = im.blocks[:0]
	clear(im.rows)
	im.rows = im.rows[:0]
}

// SyncPoolBlocks is a BlockPool on a sync.Pool of *[]byte (a []byte stored
// in an interface would allocate on every Put). A pooled block too small for
// a request is dropped and a new one made.
type SyncPoolBlocks struct{ pool sync.Pool }

// Get implements BlockPool.
func (s *SyncPoolBlocks) Get(n int) Buf {
	p, _ := s.pool.Get().(*[]byte)
	fresh := p == nil || cap(*p) < n
	if fresh {
		b := make([]byte, n)
		p = &b
	}
	return Buf{B: (*p)[:n], Fresh: fresh, handle: p}
}

// Put implements BlockPool.
func (s *SyncPoolBlocks) Put(b Buf) { s.pool.Put(b.handle) }

// ByteBufferBlocks is a BlockPool on valyala/bytebufferpool.
type ByteBufferBlocks struct{ pool bytebufferpool.Pool }

// Get implements BlockPool.
func (s *ByteBufferBlocks) Get(n int) Buf {
	bb := s.pool.Get()
	fresh := cap(bb.B) < n
	if fresh {
		bb.B = make([]byte, n)
	}
	bb.B = bb.B[:n]
	return Buf{B: bb.B, Fresh: fresh, handle: bb}
}

// Put implements BlockPool.
func (s *ByteBufferBlocks) Put(b Buf) { s.pool.Put(b.handle.(*bytebufferpool.ByteBuffer)) }

// GoBufferBlocks is a BlockPool on libp2p/go-buffer-pool (power-of-two size
// classes, each a sync.Pool). It does not say whether a buffer is new, so
// every block is cleared.
type GoBufferBlocks struct{ pool bufpool.BufferPool }

// Get implements BlockPool.
func (s *GoBufferBlocks) Get(n int) Buf { return Buf{B: s.pool.Get(n)} }

// Put implements BlockPool.
func (s *GoBufferBlocks) Put(b Buf) { s.pool.Put(b.B) }

// MutexArenaBlocks is a BlockPool on a [MutexArena].
type MutexArenaBlocks struct{ Arena *MutexArena }

// Get implements BlockPool.
func (s MutexArenaBlocks) Get(n int) Buf {
	b, fresh := s.Arena.get(n)
	return Buf{B: b, Fresh: fresh}
}

// Put implements BlockPool.
func (s MutexArenaBlocks) Put(b Buf) { s.Arena.Put(b.B) }

// MakeBlocks is a BlockPool that makes every block and drops it on Put,
// leaving it to the garbage collector.
type MakeBlocks struct{}

// Get implements BlockPool.
func (MakeBlocks) Get(n int) Buf { return Buf{B: make([]byte, n), Fresh: true} }

// Put implements BlockPool.
func (MakeBlocks) Put(Buf) {}
