// Package arena is Pillow's image memory arena done right: a bounded cache
// of returned memory blocks, Pillow's settings and statistics, and image
// arrays laid into blocks, safe for any number of goroutines. A Get+Put
// takes about twice [sync.Pool]'s time, which makes no locked instruction
// and keeps no bound or statistics (see the README's Performance section),
// and a small fraction of a single-mutex arena's under contention.
//
// # The problem
//
// Pillow's ImagingDefaultArena keeps freed blocks in a global array with no
// lock (shared/seeds/pillow-arena-race.txt). Two threads returning blocks at
// once both read blocks_cached = 19, both write slot 19, and one block is
// lost; two threads taking at once both read slot 19 and share one block.
// Pillow 11 put one global mutex around it, which every allocation then
// contends for. This package keeps Pillow's bound (BlocksMax), block size,
// alignment, statistics and environment variables, and removes both the race
// and the global lock from the fast path.
//
// # Design
//
// The cache is split into shards, one per P (GOMAXPROCS at [New]), each a
// stack of blocks padded to its own cache lines and guarded by its own
// mutex. The stack is an intrusive list linked through the blocks' handles,
// so a push or pop writes two pointers and no shard has a backing array that
// could share a cache line with another's. [Arena.Get] uses the shard of the P it runs on: the P id is read
// with the runtime's procPin/procUnpin, the calls sync.Pool is built on, and
// the pin is dropped at once, before any lock is taken. The id is only a
// hint: a goroutine that moves to another P meanwhile just uses a shard that
// another P prefers, under that shard's lock. So nothing depends on pinning
// for correctness, and in the common case the lock word and the stack top are in
// the local core's cache and the lock is uncontended. A Get whose shard is
// empty steals from the other shards, one lock at a time with TryLock (a busy
// shard is skipped: it costs a fresh allocation, never correctness), before
// allocating. The block remembers the shard of the Get as its home, and
// [Arena.Put] returns it there: Put needs no P lookup, and blocks flow back
// to the P that asks for them, which also serves producer/consumer
// pipelines whose Gets and Puts run on different Ps. Block handles are padded to
// 128 bytes so that two blocks used on two cores share no cache line.
//
// The global bound is kept with credits instead of a shared counter. The
// arena holds a budget of credits; a shard takes a batch of them (a quarter
// of a fair share) when it runs out and gives back a surplus. Caching a block
// spends one credit of the shard it goes to; taking a block out gives its
// credit to the shard it came from. The invariant, with [Stats] BlocksCached
// the sum of the stacks' lengths:
//
//	budget + Σ over shards (len(stack) + credits) = BlocksMax
//
// Every step keeps it: a push or pop moves one unit between a shard's stack
// and its credits under that shard's lock; a shard takes from or gives to the
// budget only while holding its own lock, and takes with a compare-and-swap
// that never lets the budget go below zero. As credits and the budget are
// never negative, BlocksMax >= BlocksCached at all times: exactly BlocksMax
// blocks can be kept, and never one more. When a Put finds no credit on its
// shard and none in the budget, it collects the other shards' unspent
// credits (one lock at a time, holding none of its own) before concluding
// that the cache is full and dropping the block, so credits stranded on idle
// shards never make the cache drop blocks below its bound.
//
// The operations that need the whole cache at once (SetBlocksMax,
// ClearCache, ResetStats) take the arena's own mutex and then every shard's
// lock in index order. Every other path holds at most one shard lock at a
// time, so the order is global and nothing deadlocks. While one of them holds
// every shard lock, nobody can move credits (that needs a shard lock), so it
// sees the budget still and may rebuild it: SetBlocksMax frees the excess,
// zeroes every shard's credits and sets the budget to BlocksMax minus what
// stays cached.
//
// Statistics are per-shard counters updated under the shard lock the
// operation already holds, so no counter is a shared cache line. A block
// taken on one shard and returned to another leaves one shard's in-use count
// negative and another's positive; the sums are right. [Arena.Stats] takes
// every shard lock (as the whole-cache operations do) and sums: a consistent
// snapshot, in which conservation and the bound hold even under load,
// because every move of a block and its counting happen in one critical
// section. Stats is not the fast path.
//
// MaxInUseBytes is the one global counter, used only when set: Get and
// NewArray reserve their bytes with a compare-and-swap loop before taking a
// block, so concurrent callers cannot overshoot the cap together, as a
// check-then-add would let them. Put gives the bytes back.
//
// # Why it is correct
//
// Every block is in exactly one place: with one caller, in one shard's
// stack, or dropped. A block moves between those places only while the code
// moving it holds the lock of the shard involved, or, for a block with a
// caller, only by that caller. A block is pushed once per Put and popped
// once per Get, each under the shard's lock, so no two Gets can pop the same
// push: no block is handed to two callers, and none is lost. Counting follows
// the moves, so whenever nothing is in flight
//
//	AllocatedBlocks = InUseBlocks + BlocksCached + FreedBlocks
//
// Memory model: the Put that caches a block unlocks its shard's mutex after
// pushing it; the Get that pops it locks the same mutex first. Unlock
// synchronizes before the next Lock, so Put synchronizes before the Get that
// returns the same block, and the new owner sees every write of the old
// owner (and the 0xDD fill with Poison) and none after. A stolen block is
// popped under its shard's lock just the same.
//
// Misuse: a [Block] records its arena and its state, out or returned. Put
// checks and flips the state holding the lock of the block's home shard.
// Every Put of a given block locks that same shard (home changes only when
// the block is handed out again), so a second Put of the same block, even
// racing the first, finds it returned and panics "arena: block returned
// twice"; a block of another arena, or nil, panics too. The checks are a
// load and a compare under a lock Put takes anyway: free. What cannot be
// detected is a stale handle used after its block was handed to someone
// else (as with sync.Pool). A write through a slice kept after Put cannot be
// seen at Put time either; with Config.Poison the arena fills returned
// blocks with 0xDD and checks the pattern when it hands the block out again,
// and panics naming the first changed byte ("arena: block written after Put:
// ..."). It panics rather than return an error because the bug is in the
// program, not in the request; poisoning is a debugging aid and costs a pass
// over each block. Before that panic leaves Get or NewArray, every block the
// call took goes back to the cache (poisoned afresh) with its reserved
// bytes, so a program that recovers keeps a consistent arena.
//
// Runtime conditions return errors: [ErrExhausted] (wrapped) when
// MaxInUseBytes would be exceeded, an error wrapping the runtime's
// [runtime.Error] for a size no slice can have, and errors naming the field
// and its allowed range for bad configuration, with Pillow's wording after
// the field ("arena: BlockSize is 4000: block_size should be multiple of
// 4096"). A Get or NewArray that fails leaves the arena as it was, apart
// from NewCount (which counts a NewArray that got past its size checks,
// failed or not, as Pillow counts new_count before it allocates), the
// counters of reuse, and PeakInUseBytes, which a request that succeeds
// meanwhile may raise by the failed one's reserved bytes.
//
// # Images
//
// [Arena.NewArray] lays lines rows of linesize bytes into blocks as Pillow's
// ImagingAllocateArray does: rows are rounded up to Alignment, as many rows
// as fit in BlockSize minus Alignment-1 bytes of slack go into a block, and at
// least one. It takes the local shard's lock once for all the blocks it can
// reuse from there. [Array.Release] returns every block in one pass under one
// shard lock (the blocks' home): an [Arena.Stats] snapshot sees the image in
// use or given back, not half of it. The one exception: when the cache's
// credits have run out, it lets go of that lock once to collect the other
// shards' credits, as Put does.
//
// # Configuration
//
// [Default] reads PADDOCK_ALIGNMENT, PADDOCK_BLOCK_SIZE and
// PADDOCK_BLOCKS_MAX, with Pillow's k and m suffixes in either case
// ([ParseSize]); a bad value keeps the default and logs a warning through
// log/slog naming the variable and the reason ([FromEnv]).
//
// # Example
//
//	a, err := arena.New(arena.Config{BlocksMax: 64})
//	if err != nil {
//		return err
//	}
//	img, err := a.NewArray(1080, 1920*4) // a 1920x1080 RGBA image
//	if err != nil {
//		return err
//	}
//	defer img.Release()
//	copy(img.Row(0), pixels)
package arena
