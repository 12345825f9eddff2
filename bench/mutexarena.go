package bench

import "sync"

// MutexArena is Pillow 11's fix for the arena race, ported for comparison:
// the original block cache (blocks_pool, blocks_cached, blocks_max) with one
// global mutex taken around memory_get_block and memory_return_block. A
// cached block too small for a request is grown, as Pillow reallocates it.
//
// The zero value is a usable arena that caches nothing (Pillow's default
// blocks_max of 0); set BlocksMax before first use. A MutexArena must not be
// copied after first use. It is safe for concurrent use: a Put synchronizes
// before the Get that returns the same block, through the mutex.
type MutexArena struct {
	BlocksMax int // the most blocks cached; read under mu

	mu          sync.Mutex // guards pool and the counters below
	pool        [][]byte   // cached blocks, used as a stack
	allocated   int        // blocks made fresh
	reused      int        // blocks served from the cache
	reallocated int        // cached blocks too small, replaced
	freed       int        // blocks dropped because the cache was full
}

// Get returns a block of n bytes, from the cache when it holds one.
// Its contents are whatever the last user left.
func (m *MutexArena) Get(n int) []byte {
	b, _ := m.get(n)
	return b
}

// get is Get that also reports whether the block is new (so zero).
func (m *MutexArena) get(n int) (b []byte, fresh bool) {
	m.mu.Lock()
	if k := len(m.pool); k > 0 {
		b := m.pool[k-1]
		m.pool[k-1] = nil
		m.pool = m.pool[:k-1]
		if cap(b) < n {
			m.reallocated++
			m.mu.Unlock()
			return make([]byte, n), true
		}
		m.reused++
		m.mu.Unlock()
		return b[:n], false
	}
	m.allocated++
	m.mu.Unlock()
	return make([]byte, n), true
}

// Put returns a block to the cache, or drops it when BlocksMax are cached.
func (m *MutexArena) Put(b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pool) < m.BlocksMax {
		m.pool = append(m.pool, b)
		return
	}
	m.freed++
}

// MutexArenaStats are the counters of a MutexArena, named as Pillow's
// get_stats names them.
type MutexArenaStats struct {
	AllocatedBlocks, ReusedBlocks, ReallocatedBlocks, FreedBlocks, BlocksCached int
}

// Stats returns a consistent snapshot of the counters.
func (m *MutexArena) Stats() MutexArenaStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return MutexArenaStats{
		AllocatedBlocks:   m.allocated,
		ReusedBlocks:      m.reused,
		ReallocatedBlocks: m.reallocated,
		FreedBlocks:       m.freed,
		BlocksCached:      len(m.pool),
	}
}
