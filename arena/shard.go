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
	mu sync.Mutex // guards every field below, and next of every block in the list
	// top is the newest cached block; each cached block's next is the one
	// cached before it. An intrusive list: a push or a pop writes two
	// pointers, with no slice to grow and no separate backing array (which
	// could share a cache line with another shard's).
	top *Block
	// cached is the length of the list (Stats' BlocksCached, summed).
	cached int64
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
	b := s.top
	if b == nil {
		return nil
	}
	s.top, b.next = b.next, nil
	s.cached--
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
	b.next = s.top
	s.top = b
	s.cached++
}

// trimLocked frees cached blocks, newest first, until at most keep remain
// in this shard and returns how many it freed; their credits are returned to
// the caller, who puts them back in the arena's budget. s.mu must be held.
func (s *shard) trimLocked(keep int64) int64 {
	var n int64
	for s.cached > keep {
		b := s.top
		s.top, b.next = b.next, nil
		s.cached--
		b.buf, b.n = nil, 0 // let the collector have it even if a stale handle lingers
		s.c.freed++
		n++
	}
	return n
}

// dropLargerLocked frees the cached blocks whose memory is larger than
// max and returns how many it freed; their credits are returned to the
// caller, who puts them back in the arena's budget. s.mu must be held.
func (s *shard) dropLargerLocked(max int) int64 {
	var n int64
	for p := &s.top; *p != nil; {
		b := *p
		if len(b.buf) <= max {
			p = &b.next
			continue
		}
		*p, b.next = b.next, nil
		s.cached--
		b.buf, b.n = nil, 0
		s.c.freed++
		n++
	}
	return n
}

// cachedBytesLocked sums the memory of the cached blocks; Stats calls it
// rather than every push and pop keeping a running total. s.mu must be held.
func (s *shard) cachedBytesLocked() int64 {
	var n int64
	for b := s.top; b != nil; b = b.next {
		n += int64(len(b.buf))
	}
	return n
}

// countNew counts one NewArray in NewCount (see newArray).
func (s *shard) countNew() {
	s.mu.Lock()
	s.c.newCount++
	s.mu.Unlock()
}
