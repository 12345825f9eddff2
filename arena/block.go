package arena

import "fmt"

// Block states. A Block is with a caller (stateOut) or back with its arena
// (stateReturned: cached or dropped). Put moves it out -> returned with a
// compare-and-swap, so of two Puts of the same block exactly one wins, even
// when they race; the loser panics.
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
	arena *Arena
	buf   []byte // len: the size asked of Get; cap: the memory held
	// state is stateOut or stateReturned. Put changes it with a CAS; Get
	// writes stateOut plainly, after popping the block under a shard lock
	// that the Put which cached it released.
	state uint32
}

// Bytes returns the block's memory: at least the n bytes asked of Get, with
// len exactly n. It is valid until the block is given back with Put.
func (b *Block) Bytes() []byte { return b.buf }

// poison fills the whole buffer with poisonByte.
func poison(buf []byte) {
	buf = buf[:cap(buf)]
	for i := range buf {
		buf[i] = poisonByte
	}
}

// checkPoison panics if a byte of buf's full capacity is not poisonByte: the
// block was written after it was returned.
func checkPoison(buf []byte) {
	buf = buf[:cap(buf)]
	for i, c := range buf {
		if c != poisonByte {
			panic(fmt.Sprintf("arena: block written after Put: byte %d of %d is %#x, want %#x",
				i, len(buf), c, poisonByte))
		}
	}
}
