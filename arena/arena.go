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
// Create one with [New] or use [Default]; the zero Arena is not usable (its
// Get, NewArray and SetBlocksMax panic: "arena: Arena not made by New"). An
// Arena must not be copied after first use. All its methods are safe for
// concurrent use by any number of goroutines. Put synchronizes before the Get
// that returns the same block: a block's next owner sees every write its
// previous owner made before Put.
type Arena struct {
	// mu serialises the operations that lock every shard (SetBlocksMax,
	// ClearCache, Stats, ResetStats). It is always taken before any
	// shard's mu.
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

// local returns the shard of the processor the caller runs on (a hint),
// skipping the processor lookup when there is only one shard.
func (a *Arena) local() (int, *shard) {
	i := 0
	if len(a.shards) > 1 {
		i = a.hint()
	} else if len(a.shards) == 0 {
		notMade()
	}
	return i, &a.shards[i]
}

// notMade panics for a method called on an Arena that New did not make
// (the zero Arena has no shards).
func notMade() { panic("arena: Arena not made by New") }

// hint returns the index of the shard of the processor (P) the caller runs
// on right now. It reads the P id with procPin and drops the pin at once,
// before any lock is taken, so no goroutine ever blocks while pinned. The
// goroutine may move to another P the moment it returns: the value is only
// an affinity hint, and nothing relies on it for correctness (every shard is
// guarded by its own mutex).
func (a *Arena) hint() int {
	i := procPin()
	procUnpin()
	if i >= len(a.shards) {
		i %= len(a.shards) // GOMAXPROCS grew after New
	}
	return i
}

// Get returns a block whose Bytes has length n. Its contents are arbitrary
// (a reused block keeps what its last owner wrote, or 0xDD with Poison).
// It returns an error wrapping [ErrExhausted] if the block would take the
// bytes in use above Config.MaxInUseBytes, and an error if n is negative or
// too large for any slice. A Get that fails, with an error or with Poison's
// panic, first puts back the block it took and the bytes it reserved.
func (a *Arena) Get(n int) (*Block, error) { return a.get(n, false) }

// GetZeroed is Get with the n bytes of Bytes set to zero.
func (a *Arena) GetZeroed(n int) (*Block, error) { return a.get(n, true) }

// get is the fast path written out: one lock of the local shard, the pop,
// the unlock and the hand-out, with no call on the way when the shard has a
// block of the right size and nothing special (MaxInUseBytes, Poison,
// zeroing) is asked for.
func (a *Arena) get(n int, zero bool) (*Block, error) {
	if n < 0 {
		return nil, fmt.Errorf("arena: Get of %d bytes: want 0 or more", n)
	}
	// With a cap, the peak is raised once the Get succeeded (raisePeakNow),
	// so that a Get that fails does not raise it.
	if a.maxInUse != 0 {
		if err := a.reserveCAS(int64(n)); err != nil {
			return nil, err
		}
	}
	i := 0
	if len(a.shards) > 1 {
		i = a.hint()
	} else if len(a.shards) == 0 {
		notMade()
	}
	s := &a.shards[i]
	schedpoint.Point("arena.get.beforeLock")
	s.mu.Lock()
	b := s.popLocked(n)
	if s.credits > 2*a.batch.Load() {
		a.returnExcessLocked(s)
	}
	s.mu.Unlock()
	schedpoint.Point("arena.get.afterPop")
	if b == nil {
		if b = a.steal(i, n); b == nil {
			var err error
			if b, err = a.fresh(i, n); err != nil {
				a.unreserve(int64(n))
				return nil, err
			}
			a.raisePeakNow()
			return b, nil
		}
	}
	b.n, b.home, b.state = n, int32(i), stateOut
	if a.poison || zero || len(b.buf) < n {
		b, err := a.prepareOrPut(b, n, zero)
		if err == nil {
			a.raisePeakNow()
		}
		return b, err
	}
	a.raisePeakNow()
	return b, nil
}

// prepareOrPut is get's uncommon hand-out: it prepares b, already marked
// out to the caller, and returns it. If that fails (Poison found a write
// after Put and panics, or the block is too small for n and cannot grow),
// it puts b back first, with the bytes reserved for it, so that the arena
// is as it was before the Get, counters of reuse apart.
func (a *Arena) prepareOrPut(b *Block, n int, zero bool) (*Block, error) {
	ok := false
	defer func() {
		if !ok {
			a.Put(b)
		}
	}()
	if err := a.prepare(b, n, zero); err != nil {
		return nil, err
	}
	ok = true
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

// fresh allocates a new zeroed block of n bytes with home shard i and
// counts it there. It returns an error, and counts nothing, if the runtime
// cannot make a slice of n bytes.
func (a *Arena) fresh(i, n int) (*Block, error) {
	buf, err := allocBuf(n)
	if err != nil {
		return nil, err
	}
	b := &Block{arena: a, buf: buf, n: n, home: int32(i)}
	s := &a.shards[i]
	s.mu.Lock()
	s.c.allocated++
	s.c.inUseBlocks++
	s.c.inUseBytes += int64(n)
	s.mu.Unlock()
	return b, nil
}

// allocBuf returns n new zero bytes, or an error if the runtime refuses a
// slice that long (make panics with a runtime.Error, "len out of range"):
// an impossible size is a bad request, answered with an error as Pillow
// answers it with a MemoryError, and the arena is left as it was. A size
// the runtime accepts but the machine cannot provide still ends the
// program, as any Go allocation does.
func allocBuf(n int) ([]byte, error) {
	buf, err := makeSlice[byte](n)
	if err != nil {
		return nil, fmt.Errorf("arena: cannot allocate a block of %d bytes: %w", n, err)
	}
	return buf, nil
}

// makeSlice returns make([]E, n), or the runtime.Error with which make
// panics when no slice can be that long.
func makeSlice[E any](n int) (s []E, err error) {
	defer func() {
		if r := recover(); r != nil {
			re, ok := r.(runtime.Error)
			if !ok {
				panic(r)
			}
			s, err = nil, re
		}
	}()
	return make([]E, n), nil
}

// prepare does the uncommon part of handing out a cached block: the poison
// check, growing a block too small for n (Pillow reallocs; popLocked counted
// it), zeroing. The block is already exclusively the caller's. It panics if
// Poison finds a write after Put, and returns an error if the block cannot
// grow to n; the caller then gives the block back.
func (a *Arena) prepare(b *Block, n int, zero bool) error {
	if a.poison {
		checkPoison(b.buf)
	}
	if len(b.buf) < n {
		buf, err := allocBuf(n)
		if err != nil {
			return err
		}
		b.buf = buf
	} else if zero {
		clear(b.buf[:n])
	}
	return nil
}

// returnExcessLocked gives a shard's surplus credits back to the budget, so
// a shard that mostly takes blocks does not sit on credits another shard
// needs to cache. s.mu must be held.
func (a *Arena) returnExcessLocked(s *shard) {
	if batch := a.batch.Load(); s.credits > 2*batch {
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
// already put; the checks cost a field load and a compare under the lock Put
// takes anyway.
func (a *Arena) Put(b *Block) {
	if b == nil {
		panic("arena: Put of a nil Block")
	}
	if b.arena != a {
		panic("arena: Put of a Block that did not come from this arena")
	}
	s := &a.shards[b.home]
	schedpoint.Point("arena.put.beforeLock")
	s.mu.Lock()
	// b.n is read under the lock: a racing second Put of b, which must
	// panic and not race, may find it cleared by the first one's drop.
	n := int64(b.n)
	if b.state != stateOut || s.credits <= 0 || a.poison || len(b.buf) > int(a.blockSize.Load()) {
		a.putSlowLocked(s, b) // unlocks s
	} else {
		// The common case, markLocked and cacheLocked's first branch
		// written out.
		schedpoint.Point("arena.put.locked")
		b.state = stateReturned
		s.c.inUseBlocks--
		s.c.inUseBytes -= n
		s.pushLocked(b)
		s.mu.Unlock()
	}
	if a.maxInUse != 0 {
		a.reserved.Add(-n)
	}
}

// putSlowLocked is Put's uncommon case: a double Put, no credit at hand,
// Poison, or a block larger than BlockSize. It is out of line so that Put's
// common case keeps few values alive across calls. s.mu must be held; it is
// released.
func (a *Arena) putSlowLocked(s *shard, b *Block) {
	a.markLocked(s, b)
	one := [1]*Block{b}
	a.cacheLocked(s, one[:])
	s.mu.Unlock()
}

// release returns the blocks of an Array, taking one shard lock for all.
func (a *Arena) release(bs []*Block) {
	var bytes int64
	s := &a.shards[bs[0].home]
	schedpoint.Point("arena.release.beforeLock")
	s.mu.Lock()
	for _, b := range bs {
		bytes += int64(b.n)
		a.markLocked(s, b)
	}
	a.cacheLocked(s, bs)
	s.mu.Unlock()
	a.unreserve(bytes)
}

// markLocked moves b from stateOut to stateReturned, or unlocks s and
// panics if b was already returned. s is b's home shard, so every Put of b
// holds the same lock here (an Array's blocks are never Put one by one).
func (a *Arena) markLocked(s *shard, b *Block) {
	if b.state != stateOut {
		s.mu.Unlock()
		panic("arena: block returned twice")
	}
	b.state = stateReturned
	if a.poison {
		poison(b.buf)
	}
}

// cacheLocked caches or drops bs, already marked returned. s.mu must be
// held; it is released and retaken once if the credits must be reclaimed.
func (a *Arena) cacheLocked(s *shard, bs []*Block) {
	schedpoint.Point("arena.put.locked")
	maxSize := int(a.blockSize.Load())
	reclaimed := false
	for _, b := range bs {
		keep := len(b.buf) <= maxSize && (s.credits > 0 || a.refillLocked(s, &reclaimed))
		if reclaimed {
			// refillLocked let go of s.mu: a SetBlockSize may have lowered
			// the size meanwhile (and freed the larger cached blocks).
			maxSize = int(a.blockSize.Load())
			keep = keep && len(b.buf) <= maxSize
		}
		// A block stays in use until it is cached or dropped here, in one
		// critical section, so no Stats snapshot misses it (not even one
		// taken while refillLocked reclaims).
		s.c.inUseBlocks--
		s.c.inUseBytes -= int64(b.n)
		if keep {
			s.pushLocked(b)
			continue
		}
		b.buf, b.n = nil, 0 // the collector frees it, even if a stale handle lingers
		s.c.freed++
	}
}

// refillLocked finds s a credit: from the budget, or, once per call of
// cacheLocked, by reclaiming the credits other shards hold, unlocking s
// meanwhile. It reports whether s has a credit. s.mu must be held.
func (a *Arena) refillLocked(s *shard, reclaimed *bool) bool {
	if a.blocksMax.Load() == 0 {
		return false
	}
	if a.takeCreditsLocked(s) {
		return true
	}
	if *reclaimed {
		return false
	}
	*reclaimed = true
	s.mu.Unlock()
	schedpoint.Point("arena.put.beforeReclaim")
	a.reclaim()
	schedpoint.Point("arena.put.afterReclaim")
	s.mu.Lock()
	return s.credits > 0 || a.takeCreditsLocked(s)
}

// reserve takes n bytes of the MaxInUseBytes budget with a CAS loop, so
// concurrent callers can never overshoot it together (checking and then
// adding would let two callers both pass the check).
func (a *Arena) reserve(n int64) error {
	if a.maxInUse == 0 {
		return nil
	}
	return a.reserveCAS(n)
}

// reserveCAS is reserve with a cap set. The caller raises the peak
// (raisePeakNow) once its request succeeded.
func (a *Arena) reserveCAS(n int64) error {
	for {
		cur := a.reserved.Load()
		schedpoint.Point("arena.reserve.afterLoad")
		next := cur + n
		if next > a.maxInUse || next < cur {
			return fmt.Errorf("%w: %d bytes in use, %d more requested, cap %d", ErrExhausted, cur, n, a.maxInUse)
		}
		if a.reserved.CompareAndSwap(cur, next) {
			return nil
		}
	}
}

func (a *Arena) unreserve(n int64) {
	if a.maxInUse != 0 {
		a.reserved.Add(-n)
	}
}

// raisePeakNow raises the peak, with a cap set, to the bytes reserved now:
// they hold those of the request that just succeeded, and not those Put
// (and maybe forgotten by ResetStats) since it reserved.
func (a *Arena) raisePeakNow() {
	if a.maxInUse != 0 {
		a.raisePeak(a.reserved.Load())
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
