// Package freelist provides [List], a typed, bounded free list: the Go
// counterpart of PyO3's #[pyclass(freelist = N)] and CPython's per-type free
// lists, without their race and without a global lock.
//
// PyO3 kept each class's free list in a global `static mut` array; on
// free-threaded Python many threads pushing and popping at once handed one
// object to two threads, lost objects, or found the list "corrupt"
// (shared/seeds/pyo3-freelist-race.txt). The fix wrapped the list in one
// Mutex taken on every allocation, and its capacity N kept only N-1
// objects. A List keeps exactly Capacity objects, and its fast path takes
// no lock and touches no shared cache line.
//
// # Design
//
// A List has one shard per P (GOMAXPROCS). The calling goroutine's P index,
// read with the runtime's procPin/procUnpin as sync.Pool does, picks the
// shard it tries first; it unpins at once. Every shard field is accessed with
// atomics or under the shard's mutex, so the P index is only a cache hint:
// any goroutine may touch any shard, and correctness never depends on which
// P a goroutine runs on or on staying there.
//
// Capacity is a budget of Capacity credits. Every credit is in exactly one
// place: the list's free count, a shard's spare-credit count, a shard's
// private slot (as the list's private sentinel pointer, "credit"), attached
// to an object the list holds (in a private slot or on a shard's
// mutex-guarded shared stack), or briefly in the hands of a Put that moves
// it (a Get or Clear that takes objects off a shared stack gives their
// credits back under the shard's mutex). A Get that pops a shared object leaves its credit with the
// caller's shard, so a P that churns through a burst reuses its own credits
// and rarely touches the list-wide free count. Each step moves a
// credit with one atomic operation (a CAS on a slot, an Add or CAS on the
// free count) or under a shard mutex, so credits are conserved, the list
// holds at most Capacity objects, and Len (which adds up the shards and
// clamps to Cap) never reports more than Cap. Put fails only when it found
// no credit anywhere, so with no concurrent operations exactly Capacity
// objects can be kept.
//
// The fast path is one CAS on the caller's shard: Get swaps the private
// object for the credit sentinel, Put swaps the sentinel for the object. The
// slow paths take a credit from the own shard's spares, the free count or
// another shard (Put), and pop the own shared stack, then steal other
// shards' private objects and shared stacks (Get), so an object put on one P
// is found from any other. Shards are padded so that one P's hot slot does
// not share a cache line with another's. When GOMAXPROCS grows, new shards
// are added under a mutex; old ones are kept, so nothing is lost.
//
// # Why it is correct
//
// Single owner: an object enters the list by a successful CAS of a private
// slot or a push under a shard mutex, and leaves it only by a successful CAS
// of that slot or a pop under that mutex. Exactly one CAS on a slot holding
// x can replace it, so at most one Get returns x per Put of x.
//
// ABA: a private slot holds the object pointer itself, and a CAS on it uses
// nothing read before it except that pointer. If x is taken and put back
// between a Get's load and its CAS, the CAS still succeeds, and rightly: the
// slot does hold x, which is in the list at that instant. The classic ABA
// failure needs a CAS whose success vouches for other state read earlier (a
// lock-free stack's next pointer); this design has none, and its stacks are
// under mutexes.
//
// Memory model: Put(x) runs Config.Reset on x, then publishes x with a CAS
// (or a mutex-guarded push); the Get that returns x takes it with a CAS on
// the same slot (or a pop under the same mutex). The publishing write is
// observed by the taking operation, so Put(x) synchronizes before the Get
// that returns x, and all writes to *x before Put, Reset's included, happen
// before everything the getter does with it.
//
// Counting costs one more uncontended atomic add on the Get fast path; Put
// counts nothing on its fast path, because every object a Put kept has since
// been returned by a Get hit, dropped by Clear, or is still in the list, so
// Stats derives Puts from Hits, Clear's count and Len (and keeps it from
// going back while operations are in flight; see [List.Stats]).
//
// # Race builds and debugging
//
// Under the race detector Put drops a random quarter of its objects, as
// sync.Pool does, so code that relies on getting back the object it put
// fails in tests rather than in production. Built with -tags paddockdebug,
// Put scans the list for the object first and panics with "freelist:
// object put twice" if it is already there; the scan costs O(Len).
//
// # Scheduling points
//
// Each window between a load and the CAS that acts on it, each moment a
// credit is in a goroutine's hands, and each moment an object has left the
// list before its Get or Clear counted it, carries an internal/schedpoint
// point, free in ordinary builds: freelist.get.afterLoad, freelist.get.privateAfterLoad,
// freelist.get.afterPop, freelist.put.afterReset, freelist.put.haveCredit,
// freelist.put.stealCreditAfterLoad, freelist.credit.takeAfterLoad,
// freelist.clear.afterLoad and freelist.clear.afterTake. Built with
// -tags schedtest, the stress tests make them yield to widen those windows.
//
// # Panics and errors
//
// [New] returns an error naming Config.Capacity when it is negative. Put
// panics with a "freelist: " message when given nil, and (under
// paddockdebug) an object already in the list. Config.New and Config.Reset
// run in the calling goroutine with no lock held; their panics propagate.
//
// # Example
//
//	l, err := freelist.New(freelist.Config[Frame]{
//		Capacity: 64,
//		Reset:    func(f *Frame) { *f = Frame{} },
//	})
//	if err != nil {
//		return err
//	}
//	f := l.Get() // from the list, or a new Frame
//	defer l.Put(f)
package freelist
