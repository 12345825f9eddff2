package bench

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// Handoff is the floor of BenchmarkArena and BenchmarkFreelist: the least
// work a cache can do per Get and Put if a goroutine may take an object
// that a goroutine on another P put. It keeps at most one object per P, in
// a slot padded to its own cache lines; Get empties the caller's slot with
// one atomic swap and Put fills it with one compare-and-swap. It has no
// bound beyond that, no statistics, no Clear, and Get misses while other
// Ps' slots hold objects: it is a yardstick, not a design.
//
// Why one atomic read-modify-write per operation is the floor: when two
// Gets may run on the same slot at once (a goroutine stealing, or one that
// moved to another P), each must learn whether the other took the object,
// and that takes an atomic read-modify-write or a store-load fence (Attiya
// et al., "Laws of Order: Expensive Synchronization Cannot Be Eliminated",
// POPL 2011), both locked instructions on amd64. sync.Pool makes none on
// its fast path because no goroutine ever touches another P's private slot
// and its cleanup runs while the world is stopped; paddock's arena and
// free list let any goroutine take any cached object (a Get finds what the
// cache holds; Clear and ClearCache empty every shard from anywhere) and
// keep exact statistics, so they are at or above this floor.
//
// The zero value keeps nothing (every Get returns nil); use [NewHandoff].
// A Handoff is safe for concurrent use: a Put synchronizes before the Get
// that returns the same object, through the slot's atomic.
type Handoff[T any] struct {
	slots []handoffSlot[T]
}

type handoffSlot[T any] struct {
	p atomic.Pointer[T]
	_ [128 - unsafe.Sizeof(atomic.Pointer[T]{})]byte
}

// NewHandoff returns a Handoff with one slot per P (GOMAXPROCS now).
func NewHandoff[T any]() *Handoff[T] {
	return &Handoff[T]{slots: make([]handoffSlot[T], runtime.GOMAXPROCS(0))}
}

// Get takes the object in the caller's P's slot, or returns nil when it is
// empty.
func (h *Handoff[T]) Get() *T {
	if len(h.slots) == 0 {
		return nil
	}
	return h.slot().Swap(nil)
}

// Put puts x in the caller's P's slot and reports whether the slot was
// empty; when it was not, x is left to the garbage collector.
func (h *Handoff[T]) Put(x *T) bool {
	if len(h.slots) == 0 {
		return false
	}
	return h.slot().CompareAndSwap(nil, x)
}

// slot returns the caller's P's slot: the P index is read with the
// runtime's procPin, as sync.Pool does, and the pin dropped at once; the
// index is only a hint, as the slot is an atomic.
func (h *Handoff[T]) slot() *atomic.Pointer[T] {
	i := procPin()
	procUnpin()
	return &h.slots[i%len(h.slots)].p
}
