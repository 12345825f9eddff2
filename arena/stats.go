package arena

import "github.com/paddock-go/paddock/internal/schedpoint"

// Stats is a snapshot of an arena's statistics: Pillow's get_stats plus the
// gauges a Go service wants. Counters count since New or the last ResetStats;
// gauges describe the moment of the call. A Stats is a plain value.
//
// In every Stats snapshot, even while other goroutines run Get and Put,
//
//	AllocatedBlocks = InUseBlocks + BlocksCached + FreedBlocks
//
// holds for an arena whose counters were never reset while blocks were out
// or cached (a block being handed out or returned counts as in use), and
// BlocksCached <= BlocksMax.
type Stats struct {
	NewCount          int64 // counter: NewArray calls that got past the size checks, failed or not (Pillow's new_count, counted before allocating)
	AllocatedBlocks   int64 // counter: blocks made fresh
	ReusedBlocks      int64 // counter: blocks handed out from the cache
	ReallocatedBlocks int64 // counter: reused blocks whose memory had to grow
	FreedBlocks       int64 // counter: blocks dropped, by Put or by trimming the cache
	BlocksCached      int64 // gauge: blocks in the cache (never reset)
	InUseBlocks       int64 // gauge: blocks handed out and not returned
	InUseBytes        int64 // gauge: sum of len(Bytes()) over those blocks
	CachedBytes       int64 // gauge: memory held by the cache (capacities)
	// PeakInUseBytes tracks the highest InUseBytes since New or ResetStats.
	// It is at least every InUseBytes a Stats call returned since. With
	// MaxInUseBytes set it is also at least what the cap's reservation
	// counter stood at each time a Get or NewArray succeeded or ResetStats
	// ran (set MaxInUseBytes to math.MaxInt64 for this with no practical
	// cap), which counts the bytes of requests still in flight then, even
	// one that then fails; a request that fails does not raise it itself.
	// Without a cap there is no global in-use counter to watch, by design
	// (it would be one contended cache line per Get and Put), and it is the
	// highest InUseBytes seen by Stats calls: a lower bound.
	PeakInUseBytes int64
}

// Stats returns the arena's statistics as one consistent snapshot: it holds
// every shard's lock at once, as Pillow's get_stats holds its mutex, so the
// conservation law and the bound hold in the snapshot even while Gets and
// Puts run. That stalls the arena for the few hundred nanoseconds the sum
// takes; Stats is not the fast path.
func (a *Arena) Stats() Stats {
	a.lockAll()
	defer a.unlockAll()
	var st Stats
	for i := range a.shards {
		s := &a.shards[i]
		st.NewCount += s.c.newCount
		st.AllocatedBlocks += s.c.allocated
		st.ReusedBlocks += s.c.reused
		st.ReallocatedBlocks += s.c.reallocated
		st.FreedBlocks += s.c.freed
		st.InUseBlocks += s.c.inUseBlocks
		st.InUseBytes += s.c.inUseBytes
		st.BlocksCached += s.cached
		st.CachedBytes += s.cachedBytesLocked()
	}
	// With a cap too: a Get raises the peak to what is reserved when it
	// succeeds, which a Put meanwhile may have lowered below what this
	// snapshot sees in use.
	a.raisePeak(st.InUseBytes)
	st.PeakInUseBytes = a.peak.Load()
	return st
}

// ResetStats zeroes the counters. Like Pillow's reset_stats it leaves
// BlocksCached (and the other gauges) alone; PeakInUseBytes restarts from the
// bytes in use now.
func (a *Arena) ResetStats() {
	a.lockAll()
	defer a.unlockAll()
	var inUse int64
	for i := range a.shards {
		c := &a.shards[i].c
		inUse += c.inUseBytes
		*c = counters{inUseBlocks: c.inUseBlocks, inUseBytes: c.inUseBytes}
	}
	if a.maxInUse != 0 {
		inUse = a.reserved.Load()
	}
	schedpoint.Point("arena.resetStats.beforeStore")
	a.peak.Store(inUse)
	if a.maxInUse != 0 {
		// A Get may have reserved since the load above and found the old
		// peak high enough to leave alone: the store just lowered it below
		// that Get's bytes. Raise it to what is reserved now; a Get that
		// reserves after this load raises it itself.
		a.raisePeak(a.reserved.Load())
	}
}
