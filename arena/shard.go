package arena

import (
	"sync"
	"unsafe"
)

// counters are one shard's share of the statistics. Stats sums them over the
// shards; a block taken from one shard and returned to another makes one
// shard's in-use figures negative and the other's positive, which the sum
// cancels.
type counters struct {
	newCount    int64
	allocated   int64
	reused      int64
	reallocated int64
	freed       int64
	inUseBlocks int64
	inUseBytes  int64
}

// shardData is a shard without its padding.
type shardData struct {
	mu sync.Mutex // guards every field below
	// stack holds the cached blocks, newest last.
	stack []*Block
	// credits is how many more blocks this shard may cache without asking
	// the arena's budget. See the invariant in doc.go.
	credits int64
	c       counters
}

// shard is a shardData padded to a multiple of 128 bytes, so that two shards
// never share a cache line (128 covers adjacent-line prefetch on amd64).
type shard struct {
	shardData
	_ [(128 - unsafe.Sizeof(shardData{})%128) % 128]byte
}

// popLocked takes the newest cached block for a request of n bytes, or
// returns nil when the shard is empty. It moves the block's credit back to
// the shard and counts the reuse. s.mu must be held.
func (s *shard) popLocked(n int) *Block {
	last := len(s.stack) - 1
	if last < 0 {
		return nil
	}
	b := s.stack[last]
	s.stack[last] = nil
	s.stack = s.stack[:last]
	s.credits++
	s.c.reused++
	if len(b.buf) < n {
		s.c.reallocated++
	}
	s.c.inUseBlocks++
	s.c.inUseBytes += int64(n)
	return b
}

// pushLocked caches b, spending one credit. s.mu must be held and
// s.credits must be above 0.
func (s *shard) pushLocked(b *Block) {
	s.credits--
	s.stack = append(s.stack, b)
}

// trimLocked frees cached blocks until at most keep remain in this shard and
// returns how many it freed; their credits are returned to the caller, who
// puts them back in the arena's budget. s.mu must be held.
func (s *shard) trimLocked(keep int) int64 {
	var n int64
	for len(s.stack) > keep {
		last := len(s.stack) - 1
		b := s.stack[last]
		s.stack[last] = nil
		s.stack = s.stack[:last]
		b.buf, b.n = nil, 0 // let the collector have it even if a stale handle lingers
		s.c.freed++
		n++
	}
	return n
}

// cachedBytesLocked sums the memory of the cached blocks; Stats calls it
// rather than every push and pop keeping a running total. s.mu must be held.
func (s *shard) cachedBytesLocked() int64 {
	var n int64
	for _, b := range s.stack {
		n += int64(len(b.buf))
	}
	return n
}
