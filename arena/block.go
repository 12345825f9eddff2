package arena

import (
	"fmt"
	"unsafe"
)

// Block states. A Block is with a caller (stateOut) or back with its arena
// (stateReturned: cached or dropped). Put moves it out -> returned under the
// lock of its home shard, so of two Puts of the same block exactly one wins,
// even when they race; the loser panics.
const (
	stateOut      uint32 = 0
	stateReturned uint32 = 1
)

// poisonByte fills returned blocks when Config.Poison is set, as CPython's
// debug allocator fills freed memory with 0xDD.
const poisonByte = 0xDD

// Block is one buffer handed out by an [Arena]: a handle that stays with the
// block while it is cached and is reused with it.
//
// The zero Block belongs to no arena: Bytes returns nil and Put panics. Use a
// *Block, never a copy. A Block is owned by one goroutine at a time: the one
// that got it from Get, until it passes it to Put; Put synchronizes before the
// Get that returns the same block, so the next owner sees every write the
// previous owner made. Using a block after Put is a bug the arena reports
// when it can (a second Put panics; with Config.Poison a write after Put
// panics at the next hand-out).
type Block struct {
	_     noCopy // go vet reports copies: a copy could be put as a second block
	arena *Arena
	buf   []byte // the memory held, len(buf) == cap(buf); nil once dropped
	n     int    // the size asked of Get: Bytes is buf[:n]
	// state is stateOut or stateReturned. Put reads and changes it holding
	// the lock of the block's home shard, so two Puts of one block, even
	// racing ones, are serialised and the second sees stateReturned. Get
	// writes stateOut after popping the block under the lock that the Put
	// which cached it released.
	state uint32
	// home is the shard Put returns the block to: the shard of the P that
	// got it, so blocks flow back to where they are asked for and Put needs
	// no processor lookup. Written by the getter before the block is handed
	// out; read by the owner's Put.
	home int32
	// next links the block to the one cached before it while it is in a
	// shard's list; nil otherwise. Guarded by the lock of the shard whose
	// list holds it.
	next *Block
	// The padding puts each Block in the 128-byte size class, so two blocks
	// used on two cores never share a cache line, nor the pair of lines that
	// amd64's adjacent-line prefetcher fetches together.
	_ [72]byte
}

// Block is exactly 128 bytes: this fails to compile otherwise.
var _ = [1]struct{}{}[unsafe.Sizeof(Block{})-128]

// Bytes returns the block's memory: the n bytes asked of Get, with length
// and capacity n, so that no reslice reaches the bytes past n, which hold
// what an earlier owner wrote (even after GetZeroed) and which an append
// would overwrite in place. It is valid until the block is given back with
// Put.
func (b *Block) Bytes() []byte { return b.buf[:b.n:b.n] }

// noCopy makes go vet's copylocks check report copies of a Block or an
// Array.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// poison fills the whole buffer with poisonByte.
func poison(buf []byte) {
	for i := range buf {
		buf[i] = poisonByte
	}
}

// checkPoison panics if a byte of buf's full capacity is not poisonByte: the
// block was written after it was returned.
func checkPoison(buf []byte) {
	for i, c := range buf {
		if c != poisonByte {
			panic(fmt.Sprintf("arena: block written after Put: byte %d of %d is %#x, want %#x",
				i, len(buf), c, poisonByte))
		}
	}
}
