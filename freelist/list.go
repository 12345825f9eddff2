package freelist

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// Config configures a [List]. Its zero value is a valid, disabled list
// (Capacity 0) whose Get returns new zero objects. It is a plain value: New
// copies what it needs, so changing a Config afterwards has no effect. New
// and Reset are called from whichever goroutine calls Get or Put, with no
// lock held, so they must be safe for concurrent use.
type Config[T any] struct {
	// Capacity is the most objects the list keeps at once, 0 or more.
	// 0 disables the list: every Get allocates and every Put drops.
	Capacity int
	// New makes an object when the list is empty. Nil means new(T).
	New func() *T
	// Reset, if not nil, clears an object in Put before the list keeps it,
	// so that a later Get returns it clean.
	Reset func(*T)
}

// Stats are a list's counters since New, as returned by [List.Stats]: a
// plain value, its zero value means nothing happened. They are exact when no
// operation is in flight.
type Stats struct {
	Hits   uint64 // Gets served from the list
	Misses uint64 // Gets that called New (or new(T))
	Puts   uint64 // Puts that kept their object
	Drops  uint64 // Puts that left their object to the garbage collector
}

// List is a bounded free list of *T: Put keeps up to Cap objects for later
// Gets, and leaves the rest to the garbage collector.
//
// A List is made by [New]; the zero List is not usable (Cap reports 0,
// and the other methods panic with "freelist: List not made by New"). It
// must not be copied after first use. It is safe for concurrent use by any
// number of goroutines. In the terminology of the Go memory model, a call to Put(x)
// synchronizes before the call to Get that returns that same x, so
// everything the putting goroutine (and Reset) wrote to *x is visible to the
// getting one.
type List[T any] struct {
	_ noCopy

	capacity int
	newFn    func() *T
	reset    func(*T)

	// credit is a unique address that never names a user object. A shard
	// whose private slot holds it owns one unit of free capacity.
	credit *T

	// free is the capacity not held by any shard or object. Written by
	// slow-path Puts and by Clear.
	free atomic.Int64

	// cleared counts the objects Clear dropped; written by Clear.
	cleared atomic.Uint64

	// putsSeen is the highest Puts a Stats call returned; raised by Stats
	// with CAS, so that Puts never goes back (see Stats).
	putsSeen atomic.Uint64

	shards atomic.Pointer[[]*shard[T]] // replaced whole under growMu
	growMu sync.Mutex                  // guards growing shards
}

// noCopy makes go vet's copylocks check report copies of a List.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// New returns a list configured by cfg. It returns an error naming the field
// when cfg.Capacity is negative. A list of a zero-size type keeps nothing
// (Cap reports 0): every *T of such a type may share one address, so the
// list could not tell its objects apart. New allocates one T, never handed
// out, that marks a free slot; for a large T (a big array, say) keep a
// pointer or a slice in T instead.
func New[T any](cfg Config[T]) (*List[T], error) {
	if cfg.Capacity < 0 {
		return nil, fmt.Errorf("freelist: Config.Capacity is %d, want 0 or more", cfg.Capacity)
	}
	l := &List[T]{capacity: cfg.Capacity, newFn: cfg.New, reset: cfg.Reset}
	if unsafe.Sizeof(*new(T)) == 0 {
		l.capacity = 0
	}
	l.credit = new(T)
	l.free.Store(int64(l.capacity))
	shards := make([]*shard[T], 0)
	l.shards.Store(&shards)
	return l, nil
}

// Get returns an object from the list, or else a new one made by Config.New,
// or else a pointer to a new zero T. The caller owns it until it passes it
// to Put. Without Config.Reset an object from the list holds whatever its
// last owner left in it.
func (l *List[T]) Get() *T {
	if l.capacity > 0 {
		// Fast path: take the object in this P's private slot, leaving the
		// credit it held in its place. One CAS, no lock. The shard lookup is
		// local's, written out here so that the fast path makes no call but
		// the P lookup and the CAS.
		pid := procPin()
		procUnpin()
		if shards := *l.shards.Load(); uint(pid) < uint(len(shards)) {
			s := shards[pid]
			if p := s.private.Load(); p != nil && p != l.credit {
				schedpoint.Point("freelist.get.afterLoad")
				if s.private.CompareAndSwap(p, l.credit) {
					s.hits.Add(1)
					return p
				}
			}
		}
	}
	return l.getMiss()
}

// getMiss is Get after its fast path found nothing: it searches the rest
// of the list (getSlow), and makes a new object if that finds none either.
func (l *List[T]) getMiss() *T {
	s := l.local()
	if l.capacity > 0 {
		if p := l.getSlow(s); p != nil {
			s.hits.Add(1)
			return p
		}
	}
	s.misses.Add(1)
	if l.newFn != nil {
		return l.newFn()
	}
	return new(T)
}

// Put gives x back to the list and reports whether the list kept it. If the
// list has room it calls Config.Reset on x and keeps it; if the list is full
// or disabled it returns false and leaves x to the garbage collector (Reset
// may or may not have run on it then). Either way the caller must not use x
// afterwards.
//
// Under the race detector Put drops a random quarter of its objects, as
// sync.Pool does, so code that relies on reuse fails its tests.
//
// Put panics if x is nil. Built with -tags paddockdebug it also panics if x
// is already in the list (but not when two Puts of x race each other); in
// an ordinary build a second Put of an x the list holds is not detected, and
// two Gets may then return x.
func (l *List[T]) Put(x *T) bool {
	if x == nil {
		panic("freelist: Put of a nil object")
	}
	if debugChecks {
		l.checkNotInList(x)
	}
	if l.capacity == 0 {
		l.dropped()
		return false
	}
	if raceEnabled && rand.Uint32()%4 == 0 {
		l.dropped()
		return false
	}
	// Fast path: this P's private slot holds a free credit; spend it on x.
	// The shard lookup is local's, written out as in Get.
	pid := procPin()
	procUnpin()
	shards := *l.shards.Load()
	if uint(pid) >= uint(len(shards)) {
		return l.putSlow(l.grow(pid), x, false)
	}
	s := shards[pid]
	if s.private.Load() == l.credit {
		l.resetObject(x)
		schedpoint.Point("freelist.put.afterReset")
		if s.private.CompareAndSwap(l.credit, x) {
			return true
		}
		return l.putSlow(s, x, true)
	}
	return l.putSlow(s, x, false)
}

// Len returns how many objects the list holds. It reads the shards one by
// one, so while other goroutines use the list it is a snapshot that may be
// off by the operations in flight; it never reports more than Cap.
func (l *List[T]) Len() int {
	n := 0
	for _, s := range l.allShards() {
		if p := s.private.Load(); p != nil && p != l.credit {
			n++
		}
		n += int(s.sharedLen.Load())
	}
	return min(n, l.capacity)
}

// Cap returns the most objects the list keeps at once: Config.Capacity, or 0
// for a zero-size T.
func (l *List[T]) Cap() int { return l.capacity }

// Clear drops every object the list holds, leaving them to the garbage
// collector. Objects Put concurrently with Clear may stay in the list.
func (l *List[T]) Clear() {
	for _, s := range l.allShards() {
		if p := s.private.Load(); p != nil && p != l.credit {
			schedpoint.Point("freelist.clear.afterLoad")
			if s.private.CompareAndSwap(p, l.credit) {
				// The credit stays with the shard; only the object goes.
				l.cleared.Add(1)
			}
		}
		s.mu.Lock()
		k := len(s.shared)
		clear(s.shared)
		s.shared = s.shared[:0]
		// The k credits of the dropped objects go back to the free count
		// before Len can see the objects gone, so that no Put that finds
		// the list empty finds it full (Len may count them a moment
		// longer, which its clamp covers).
		l.free.Add(int64(k))
		s.sharedLen.Store(0)
		s.mu.Unlock()
		// Counted after Len no longer sees them, so that Stats' sum of
		// Puts never counts an object twice (see Stats).
		schedpoint.Point("freelist.clear.afterTake")
		l.cleared.Add(uint64(k))
	}
}

// Stats returns the list's counters. Each of them only ever grows from one
// call to the next. They are exact when no operation is in flight; while
// Gets, Puts and Clears run, each may lag behind by the operations in
// flight.
func (l *List[T]) Stats() Stats {
	var st Stats
	for _, s := range l.allShards() {
		st.Hits += s.hits.Load()
		st.Misses += s.misses.Load()
		st.Drops += s.drops.Load()
	}
	// Every object a Put kept has left by a Get hit or by Clear, or is
	// still in the list; so the fast path counts only hits, saving one
	// atomic add per Put. The sum reads the hits first and each shard's
	// objects later, so every object it counts stands for a distinct
	// kept Put: it never counts more Puts than were made. It may count
	// fewer, when an object left the list and its Get or Clear has not
	// counted it yet; raising putsSeen to it, and returning the higher of
	// the two, keeps Puts from going back (putsSeen too never exceeds the
	// Puts made), and when nothing is in flight the sum is exact.
	puts := st.Hits + l.cleared.Load() + uint64(l.Len())
	for {
		seen := l.putsSeen.Load()
		if puts <= seen {
			puts = seen
			break
		}
		if l.putsSeen.CompareAndSwap(seen, puts) {
			break
		}
	}
	st.Puts = puts
	return st
}

func (l *List[T]) resetObject(x *T) {
	if l.reset != nil {
		l.reset(x)
	}
}

// dropped counts a dropped Put.
func (l *List[T]) dropped() { l.local().drops.Add(1) }
