package arena

import (
	"fmt"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// Alignment returns the row alignment new Arrays use.
func (a *Arena) Alignment() int { return int(a.alignment.Load()) }

// BlockSize returns the largest block new Arrays are laid into and the cache
// keeps.
func (a *Arena) BlockSize() int { return int(a.blockSize.Load()) }

// BlocksMax returns the bound on cached blocks.
func (a *Arena) BlocksMax() int { return int(a.blocksMax.Load()) }

// SetAlignment sets the row alignment of Arrays made from now on: a power of
// two from 1 to 128. Existing Arrays keep theirs.
func (a *Arena) SetAlignment(n int) error {
	if err := checkAlignment(n); err != nil {
		return err
	}
	a.alignment.Store(int64(n))
	return nil
}

// SetBlockSize sets the block size of Arrays made from now on and the
// largest block Put will cache: above 0 and a multiple of 4096. It frees
// the cached blocks larger than n (counted freed), so that no block larger
// than the block size is handed out again: where Pillow shrinks such a
// block with realloc when it is reused, Go cannot shrink an allocation.
func (a *Arena) SetBlockSize(n int) error {
	if err := checkBlockSize(n); err != nil {
		return err
	}
	a.lockAll()
	defer a.unlockAll()
	a.blockSize.Store(int64(n))
	for i := range a.shards {
		a.budget.Add(a.shards[i].dropLargerLocked(n))
	}
	return nil
}

// SetBlocksMax sets the bound on cached blocks, 0 to MaxBlocksMax. It first
// frees cached blocks beyond the new bound (0 frees all of them); the cache
// never holds more than the bound, not even while it changes.
func (a *Arena) SetBlocksMax(n int) error {
	if err := checkBlocksMax(n); err != nil {
		return err
	}
	if len(a.shards) == 0 {
		notMade()
	}
	a.lockAll()
	defer a.unlockAll()
	cached := a.trimAllLocked(n)
	// Every credit is now in one place: take them all back and hand out the
	// new bound afresh. Nobody can take from or add to the budget while we
	// hold every shard's lock.
	for i := range a.shards {
		a.shards[i].credits = 0
	}
	a.budget.Store(int64(n) - cached)
	a.blocksMax.Store(int64(n))
	a.batch.Store(a.batchFor(n))
	return nil
}

// ClearCache frees cached blocks until at most keep remain. A negative keep
// is an error (Pillow reads before its array there).
func (a *Arena) ClearCache(keep int) error {
	if keep < 0 {
		return fmt.Errorf("arena: ClearCache keep is %d: want 0 or more", keep)
	}
	a.lockAll()
	defer a.unlockAll()
	a.trimAllLocked(keep)
	return nil
}

// lockAll takes a.mu and then every shard's lock in index order; every path
// that holds more than one shard lock goes through here, so the order is
// global and no two of them deadlock.
func (a *Arena) lockAll() {
	a.mu.Lock()
	for i := range a.shards {
		a.shards[i].mu.Lock()
		schedpoint.Point("arena.lockAll.partial")
	}
}

func (a *Arena) unlockAll() {
	for i := range a.shards {
		a.shards[i].mu.Unlock()
	}
	a.mu.Unlock()
}

// trimAllLocked frees cached blocks, newest shards last, until at most keep
// remain in the whole arena, returns the freed blocks' credits to the budget
// and returns how many blocks remain. lockAll must be held.
func (a *Arena) trimAllLocked(keep int) int64 {
	var cached int64
	for i := range a.shards {
		cached += a.shards[i].cached
	}
	excess := cached - int64(keep)
	for i := len(a.shards) - 1; i >= 0 && excess > 0; i-- {
		s := &a.shards[i]
		n := min(excess, s.cached)
		a.budget.Add(s.trimLocked(s.cached - n))
		excess -= n
		cached -= n
	}
	return cached
}
