package freelist

import (
	"runtime"

	"sync"
	"sync/atomic"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// shard is one P's part of a list. Any goroutine may touch any shard; the P
// index only decides which shard a goroutine tries first, so that in the
// common case each shard's cache lines stay with one CPU.
type shard[T any] struct {
	_ [64]byte // keep the hot line off the previous allocation's line

	// private is nil (no credit), the list's credit (one unit of free
	// capacity), or an object held in the list (which carries its credit).
	// Written with CAS by any goroutine.
	private atomic.Pointer[T]

	// hits counts Gets served by this shard; written by Add from any
	// goroutine. Puts are derived from it (see Stats).
	hits atomic.Uint64

	_ [64 - 2*8]byte // the slow-path fields below live on their own line

	// credits is spare capacity cached by this shard beyond the private
	// slot's, so that slow paths rarely touch the list's free count.
	// Written by CAS or Add from any goroutine.
	credits atomic.Int64

	// misses and drops count slow-path outcomes; written by Add.
	misses, drops atomic.Uint64

	mu        sync.Mutex   // guards shared
	shared    []*T         // objects beyond the private one, each with its credit
	sharedLen atomic.Int64 // len(shared); written under mu, read by Len

	_ [64]byte // keep the next allocation off this shard's lines
}

// local returns the shard of the P the caller runs on, making shards when
// GOMAXPROCS has grown since the last call.
func (l *List[T]) local() *shard[T] {
	pid := procPin()
	procUnpin()
	if shards := l.allShards(); uint(pid) < uint(len(shards)) {
		return shards[pid]
	}
	return l.grow(pid)
}

// allShards returns the list's shards. It panics with a clear message for
// a List not made by New, which has none; the fast paths of Get and Put,
// which a zero List (capacity 0) never takes, read the shards directly.
func (l *List[T]) allShards() []*shard[T] {
	p := l.shards.Load()
	if p == nil {
		panic("freelist: List not made by New")
	}
	return *p
}

// grow makes shards up to index pid (and up to GOMAXPROCS) and returns
// shard pid. Old shards are kept with everything in them, so no object or
// credit is lost when GOMAXPROCS changes.
func (l *List[T]) grow(pid int) *shard[T] {
	l.growMu.Lock()
	defer l.growMu.Unlock()
	old := l.allShards()
	n := max(pid+1, runtime.GOMAXPROCS(0), len(old))
	if n > len(old) {
		grown := make([]*shard[T], n)
		copy(grown, old)
		for i := len(old); i < n; i++ {
			grown[i] = new(shard[T])
		}
		l.shards.Store(&grown)
		old = grown
	}
	return old[pid]
}

// getSlow looks for an object when s's private slot has none: first in s's
// shared stack, then in the other shards. It returns nil when the list is
// empty (as far as one pass over it can tell).
func (l *List[T]) getSlow(s *shard[T]) *T {
	// Get's fast path looked at the private slot of the P the goroutine
	// ran on then; s is the shard of the P it runs on now, which may
	// differ, so its private slot is looked at here too.
	if p := l.takePrivate(s); p != nil {
		return p
	}
	if p := l.popShared(s, s); p != nil {
		return p
	}
	for _, t := range l.allShards() {
		if t == s {
			continue
		}
		if p := l.takePrivate(t); p != nil {
			return p
		}
		if p := l.popShared(t, s); p != nil {
			return p
		}
	}
	return nil
}

// takePrivate takes the object in t's private slot, leaving the credit it
// held in its place, and returns nil when the slot holds none.
func (l *List[T]) takePrivate(t *shard[T]) *T {
	if p := t.private.Load(); p != nil && p != l.credit {
		schedpoint.Point("freelist.get.privateAfterLoad")
		if t.private.CompareAndSwap(p, l.credit) {
			return p
		}
	}
	return nil
}

// popShared pops an object from t's shared stack and gives the credit it
// held to s (or back to the list).
func (l *List[T]) popShared(t, s *shard[T]) *T {
	if t.sharedLen.Load() == 0 {
		return nil
	}
	t.mu.Lock()
	n := len(t.shared)
	if n == 0 {
		t.mu.Unlock()
		return nil
	}
	p := t.shared[n-1]
	t.shared[n-1] = nil
	t.shared = t.shared[:n-1]
	// The credit p held goes to s before Len can see p gone, so that no
	// Put that finds the list empty finds it full.
	l.releaseCredit(s)
	t.sharedLen.Store(int64(n - 1))
	t.mu.Unlock()
	schedpoint.Point("freelist.get.afterPop") // the hit is not counted yet
	return p
}

// releaseCredit returns one unit of capacity to s: to its private slot if
// that holds nothing, else to its spare credits.
func (l *List[T]) releaseCredit(s *shard[T]) {
	if !s.private.CompareAndSwap(nil, l.credit) {
		s.credits.Add(1)
	}
}

// putSlow keeps x if it can find a unit of capacity for it anywhere: s's
// private credit, the list's free count, or another shard's private credit.
// reset says whether Reset already ran on x.
func (l *List[T]) putSlow(s *shard[T], x *T, reset bool) bool {
	if !reset {
		if s.private.Load() != l.credit && s.credits.Load() <= 0 && l.free.Load() <= 0 && !l.anyCredit() {
			s.drops.Add(1)
			return false
		}
		l.resetObject(x)
	}
	// Step 1: a credit already in s's private slot; x takes its place.
	if s.private.CompareAndSwap(l.credit, x) {
		return true
	}
	// Step 2: take a credit: s's spare ones, the free count, or another
	// shard's.
	if !takeOne(&s.credits) && !takeOne(&l.free) && !l.stealCredit(s) {
		s.drops.Add(1)
		return false
	}
	schedpoint.Point("freelist.put.haveCredit")
	// Step 3: x now owns a credit; it goes in the private slot if that is
	// empty, else on the shared stack.
	if !s.private.CompareAndSwap(nil, x) {
		s.mu.Lock()
		s.shared = append(s.shared, x)
		s.sharedLen.Store(int64(len(s.shared)))
		s.mu.Unlock()
	}
	return true
}

// takeOne takes one unit from a credit count, if it has any.
func takeOne(n *atomic.Int64) bool {
	for {
		c := n.Load()
		if c <= 0 {
			return false
		}
		schedpoint.Point("freelist.credit.takeAfterLoad")
		if n.CompareAndSwap(c, c-1) {
			return true
		}
	}
}

// stealCredit takes a credit held by another shard, in its private slot or
// among its spare credits.
func (l *List[T]) stealCredit(s *shard[T]) bool {
	for _, t := range l.allShards() {
		if t == s {
			continue
		}
		if t.private.Load() == l.credit {
			schedpoint.Point("freelist.put.stealCreditAfterLoad")
			if t.private.CompareAndSwap(l.credit, nil) {
				return true
			}
		}
		if takeOne(&t.credits) {
			return true
		}
	}
	return false
}

// anyCredit reports whether some shard holds a credit.
func (l *List[T]) anyCredit() bool {
	for _, t := range l.allShards() {
		if t.private.Load() == l.credit || t.credits.Load() > 0 {
			return true
		}
	}
	return false
}

// checkNotInList panics if x is in the list now: Put calls it under -tags
// paddockdebug, where putting an object twice is caught at the second Put
// instead of surfacing later as two owners of one object.
func (l *List[T]) checkNotInList(x *T) {
	if l.contains(x) {
		panic("freelist: object put twice (it is already in the list)")
	}
}

// contains reports whether x is in the list now.
func (l *List[T]) contains(x *T) bool {
	for _, s := range l.allShards() {
		if s.private.Load() == x {
			return true
		}
		s.mu.Lock()
		found := false
		for _, p := range s.shared {
			if p == x {
				found = true
				break
			}
		}
		s.mu.Unlock()
		if found {
			return true
		}
	}
	return false
}
