package arena

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// Arena hands out blocks of memory and keeps up to BlocksMax returned blocks
// for reuse, as Pillow's ImagingDefaultArena does, without its data race.
//
// Create one with [New] or use [Default]; the zero Arena is not usable. An
// Arena must not be copied after first use. All its methods are safe for
// concurrent use by any number of goroutines. Put synchronizes before the Get
// that returns the same block: a block's next owner sees every write its
// previous owner made before Put.
type Arena struct {
	// mu serialises the operations that lock every shard (the setters,
	// ClearCache, ResetStats). It is always taken before any shard's mu.
	mu sync.Mutex
	// shards is fixed at New; shards[i].mu guards shard i.
	shards []shard

	alignment atomic.Int64 // written by SetAlignment
	blockSize atomic.Int64 // written by SetBlockSize
	blocksMax atomic.Int64 // written by SetBlocksMax, holding every shard's mu
	batch     atomic.Int64 // credits a shard takes at once; written with blocksMax
	// budget holds the cache credits no shard has taken. It is changed only
	// by a goroutine that holds at least one shard's mu, so a goroutine that
	// holds every shard's mu sees it still.
	budget atomic.Int64

	maxInUse int64        // Config.MaxInUseBytes, fixed at New
	reserved atomic.Int64 // bytes out, when maxInUse > 0; written by Get, NewArray, Put (CAS / Add)
	peak     atomic.Int64 // PeakInUseBytes; raised by CAS, reset by ResetStats
	poison   bool         // Config.Poison, fixed at New
}

// New returns an arena configured by cfg, or an error naming the first
// invalid field and its allowed range. It makes one cache shard per
// GOMAXPROCS at the time of the call.
func New(cfg Config) (*Arena, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	a := &Arena{
		shards:   make([]shard, max(1, runtime.GOMAXPROCS(0))),
		maxInUse: cfg.MaxInUseBytes,
		poison:   cfg.Poison,
	}
	a.alignment.Store(int64(cfg.Alignment))
	a.blockSize.Store(int64(cfg.BlockSize))
	a.blocksMax.Store(int64(cfg.BlocksMax))
	a.batch.Store(a.batchFor(cfg.BlocksMax))
	a.budget.Store(int64(cfg.BlocksMax))
	return a, nil
}

// batchFor is how many credits a shard takes from the budget at once: a
// quarter of a fair share, so that credits rarely run short on one shard
// while plenty sit on another, and a shard rarely goes back to the budget.
func (a *Arena) batchFor(blocksMax int) int64 {
	return int64(min(256, max(1, blocksMax/(4*len(a.shards)))))
}

// local returns the shard of the processor the caller runs on (a hint).
func (a *Arena) local() (int, *shard) {
	i := procHint()
	if i >= len(a.shards) {
		i %= len(a.shards) // GOMAXPROCS grew after New
	}
	return i, &a.shards[i]
}

// Get returns a block whose Bytes has length n. Its contents are arbitrary
// (a reused block keeps what its last owner wrote, or 0xDD with Poison).
// It returns an error wrapping [ErrExhausted] if the block would take the
// bytes in use above Config.MaxInUseBytes, and an error if n is negative.
func (a *Arena) Get(n int) (*Block, error) { return a.get(n, false) }

// GetZeroed is Get with the n bytes of Bytes set to zero.
func (a *Arena) GetZeroed(n int) (*Block, error) { return a.get(n, true) }

func (a *Arena) get(n int, zero bool) (*Block, error) {
	if n < 0 {
		return nil, fmt.Errorf("arena: Get of %d bytes: want 0 or more", n)
	}
	if err := a.reserve(int64(n)); err != nil {
		return nil, err
	}
	i, s := a.local()
	schedpoint.Point("arena.get.beforeLock")
	s.mu.Lock()
	b := s.popLocked(n)
	a.returnExcessLocked(s)
	s.mu.Unlock()
	schedpoint.Point("arena.get.afterPop")
	if b == nil {
		b = a.steal(i, n)
	}
	if b == nil {
		return a.fresh(s, n), nil
	}
	a.handOut(b, n, zero)
	return b, nil
}

// steal takes a cached block from a shard other than home, skipping shards
// whose lock is busy: a skipped shard costs a fresh allocation, never
// correctness. It holds one lock at a time.
func (a *Arena) steal(home, n int) *Block {
	if a.blocksMax.Load() == 0 {
		return nil // SetBlocksMax(0) emptied every shard under their locks
	}
	for j := 1; j < len(a.shards); j++ {
		v := &a.shards[(home+j)%len(a.shards)]
		if !v.mu.TryLock() {
			continue
		}
		schedpoint.Point("arena.steal.locked")
		b := v.popLocked(n)
		a.returnExcessLocked(v)
		v.mu.Unlock()
		if b != nil {
			return b
		}
	}
	return nil
}

// fresh allocates a new zeroed block of n bytes and counts it on s.
func (a *Arena) fresh(s *shard, n int) *Block {
	b := &Block{arena: a, buf: make([]byte, n)}
	s.mu.Lock()
	s.c.allocated++
	s.c.inUseBlocks++
	s.c.inUseBytes += int64(n)
	s.mu.Unlock()
	return b
}

// handOut readies a block popped from a cache for its new owner. It runs
// after the pop's Unlock; the block is already exclusively the caller's.
func (a *Arena) handOut(b *Block, n int, zero bool) {
	if a.poison {
		checkPoison(b.buf)
	}
	if cap(b.buf) < n {
		b.buf = make([]byte, n) // Pillow reallocs; counted as reallocated by popLocked
	} else {
		b.buf = b.buf[:n]
		if zero {
			clear(b.buf)
		}
	}
	b.state = stateOut
}

// returnExcessLocked gives a shard's surplus credits back to the budget, so
// a shard that mostly takes blocks does not sit on credits another shard
// needs to cache. s.mu must be held.
func (a *Arena) returnExcessLocked(s *shard) {
	batch := a.batch.Load()
	if s.credits > 2*batch {
		a.budget.Add(s.credits - batch)
		s.credits = batch
	}
}

// takeCreditsLocked moves up to one batch of credits from the budget to s
// and reports whether it got any. s.mu must be held.
func (a *Arena) takeCreditsLocked(s *shard) bool {
	want := a.batch.Load()
	for {
		avail := a.budget.Load()
		if avail <= 0 {
			return false
		}
		k := min(avail, want)
		if a.budget.CompareAndSwap(avail, avail-k) {
			s.credits += k
			return true
		}
	}
}

// reclaim moves every shard's unspent credits back to the budget, one shard
// lock at a time. It runs only when the budget is empty, so that a Put
// drops its block only when the cache is really full, not because the
// credits sit on other shards.
func (a *Arena) reclaim() {
	for i := range a.shards {
		v := &a.shards[i]
		v.mu.Lock()
		if v.credits > 0 {
			a.budget.Add(v.credits)
			v.credits = 0
		}
		v.mu.Unlock()
	}
}

// Put gives b back to the arena: it is cached if the cache has room and b is
// not larger than BlockSize, and dropped (counted freed) otherwise. b must not
// be used afterwards. Put panics if b is nil, came from another arena, or was
// already put; these checks cost one compare-and-swap, which Put needs anyway.
func (a *Arena) Put(b *Block) {
	one := [1]*Block{b}
	a.release(one[:])
}

// release returns bs, taking the local shard's lock once for all of them.
func (a *Arena) release(bs []*Block) {
	var bytes int64
	for _, b := range bs {
		a.checkPut(b)
		bytes += int64(len(b.buf))
		if a.poison {
			poison(b.buf)
		}
	}
	a.unreserve(bytes)
	schedpoint.Point("arena.put.afterMark")
	_, s := a.local()
	maxSize := int(a.blockSize.Load())
	caching := a.blocksMax.Load() > 0
	s.mu.Lock()
	reclaimed := false
	for _, b := range bs {
		if caching && cap(b.buf) <= maxSize && s.credits == 0 && !a.takeCreditsLocked(s) && !reclaimed {
			// The budget is empty; the credits may sit on other shards.
			// Collect them once per release, holding no lock meanwhile.
			reclaimed = true
			s.mu.Unlock()
			schedpoint.Point("arena.put.beforeReclaim")
			a.reclaim()
			schedpoint.Point("arena.put.afterReclaim")
			s.mu.Lock()
			a.takeCreditsLocked(s)
		}
		// A block stays in use until it is cached or dropped here, in one
		// critical section, so no Stats snapshot misses it (not even one
		// taken while we reclaim above).
		s.c.inUseBlocks--
		s.c.inUseBytes -= int64(len(b.buf))
		if !caching || cap(b.buf) > maxSize || s.credits == 0 {
			b.buf = nil // the collector frees it, even if a stale handle lingers
			s.c.freed++
			continue
		}
		s.pushLocked(b)
	}
	s.mu.Unlock()
}

// checkPut panics on a Put the arena must refuse, and marks b returned.
func (a *Arena) checkPut(b *Block) {
	switch {
	case b == nil:
		panic("arena: Put of a nil Block")
	case b.arena != a:
		panic("arena: Put of a Block that did not come from this arena")
	case !atomic.CompareAndSwapUint32(&b.state, stateOut, stateReturned):
		panic("arena: block returned twice")
	}
}

// reserve takes n bytes of the MaxInUseBytes budget with a CAS loop, so
// concurrent callers can never overshoot it together (checking and then
// adding would let two callers both pass the check).
func (a *Arena) reserve(n int64) error {
	if a.maxInUse == 0 {
		return nil
	}
	for {
		cur := a.reserved.Load()
		schedpoint.Point("arena.reserve.afterLoad")
		next := cur + n
		if next > a.maxInUse || next < cur {
			return fmt.Errorf("%w: %d bytes in use, %d more requested, cap %d", ErrExhausted, cur, n, a.maxInUse)
		}
		if a.reserved.CompareAndSwap(cur, next) {
			a.raisePeak(next)
			return nil
		}
	}
}

func (a *Arena) unreserve(n int64) {
	if a.maxInUse != 0 {
		a.reserved.Add(-n)
	}
}

// raisePeak makes peak at least v.
func (a *Arena) raisePeak(v int64) {
	for p := a.peak.Load(); v > p; p = a.peak.Load() {
		if a.peak.CompareAndSwap(p, v) {
			return
		}
	}
}
