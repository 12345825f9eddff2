// Package naive holds faithful Go ports of the ORIGINAL, racy designs that
// paddock replaces: Pillow's unlocked block arena, with the check-then-add
// in-use cap of thanos' BytesPool that arena's MaxInUseBytes must not
// repeat (arena.go: InUseCap), PyO3's
// unsynchronized free list (freelist.go), CPython's take_gil with its single
// "must exit" check and a runtime that releases daemon thread states
// (gil.go), and Python 3.8's ThreadPoolExecutor without the global shutdown
// lock, with its exit hook that snapshots the threads (executor.go).
//
// They race by design. They exist only so that the scenarios of
// internal/scenario, `paddock verify` and the packages' naive-detection
// tests can show that their detectors catch the races the seed documents
// report: a stress test that cannot fail on the racy design proves nothing.
// Nothing public imports this package, and code that runs the ports is
// built without -race (the race detector would stop at the first race, which
// is the point of the port).
//
// Each port keeps the shape of the original (a C load and store stay a load
// and a store in Go, never an atomic) and carries scheduling points named
// "naive.<part>.<op>.<edge>" in its race windows, so that -tags schedtest
// can widen them (see internal/schedpoint). Where the original would crash
// or read freed memory, the port panics with a "naive: " message; the
// scenarios recover and report it.
//
// Example:
//
//	a := naive.NewArena(naive.ArenaConfig{BlockSize: 16 << 10, BlocksMax: 96})
//	img, _ := a.NewArray(512, 2048) // racy if called from several goroutines
//	img.Release()
package naive
