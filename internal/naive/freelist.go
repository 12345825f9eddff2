// This file is a faithful Go port of PyO3's ORIGINAL free list
// (src/impl_/freelist.rs before the fix for free-threaded Python 3.13t): the
// FreeList<T> behind #[pyclass(freelist = N)], kept in a `static mut` per
// class and used by every thread with no lock at all. It is racy by design.
// It exists so that paddock's freelist tests and `paddock verify` can show
// that their detectors catch the race the seed document
// (shared/seeds/pyo3-freelist-race.txt) reports: two threads popping at once
// get the same object, two threads inserting at once lose one, and the list
// may find an empty slot below its split and panic "FreeList is corrupt".
// Nothing public may import it, and its tests cannot run under -race.
//
// PyO3's list also has an off-by-one kept here on purpose: with_capacity(N)
// makes N-1 slots and insert accepts only while split+1 < N, so a list of
// capacity N keeps at most N-1 objects.
//
// Rust's mem::replace(&mut entries[idx-1], Empty) is a load followed by a
// store; the port writes it that way and puts a scheduling point
// (naive.freelist.pop.afterRead, naive.freelist.insert.afterRead) in the
// window between reading split and writing it back, so that -tags schedtest
// can widen it.

package naive

import "github.com/paddock-go/paddock/internal/schedpoint"

// FreeList is PyO3's FreeList<T>: entries are its Vec<Slot<T>> (nil is
// Slot::Empty), split the number of filled slots. No field is protected by
// anything.
type FreeList[T any] struct {
	entries  []*T
	split    int
	capacity int
	newObj   func() *T
}

// NewFreeList is FreeList::with_capacity, plus the allocator PyO3 falls back
// to when pop returns None (newObj; nil means new(T)).
func NewFreeList[T any](capacity int, newObj func() *T) *FreeList[T] {
	n := max(capacity-1, 0) // (1..capacity).map(|_| Slot::Empty)
	return &FreeList[T]{entries: make([]*T, n), capacity: capacity, newObj: newObj}
}

// Get is pop, falling back to a new object when the list is empty, as
// PyO3's tp_alloc does.
func (f *FreeList[T]) Get() *T {
	if p := f.pop(); p != nil {
		return p
	}
	if f.newObj != nil {
		return f.newObj()
	}
	return new(T)
}

// pop is FreeList::pop.
func (f *FreeList[T]) pop() *T {
	idx := f.split
	if idx == 0 {
		return nil
	}
	v := f.entries[idx-1]
	schedpoint.Point("naive.freelist.pop.afterRead")
	f.entries[idx-1] = nil
	if v == nil {
		panic("naive: FreeList is corrupt")
	}
	f.split = idx - 1
	return v
}

// Put is insert: it reports whether the list kept x (insert returned None).
// As in the original, split is read once for the bound and again for the
// index, and the store of next may overwrite another thread's update.
func (f *FreeList[T]) Put(x *T) bool {
	next := f.split + 1
	if next >= f.capacity {
		return false
	}
	schedpoint.Point("naive.freelist.insert.afterRead")
	f.entries[f.split] = x
	f.split = next
	return true
}

// Len returns split, the number of filled slots as the list believes it.
func (f *FreeList[T]) Len() int { return f.split }

// Cap returns the capacity the list was made with (it keeps one fewer).
func (f *FreeList[T]) Cap() int { return f.capacity }
