// Package scenario holds the four workloads of the seed documents, written
// once and run against either implementation: paddock's packages or the
// faithful racy ports in internal/naive. `paddock verify` and the tests
// drive them; each reports what its detectors saw as violations by kind.
//
//   - arena: Workers goroutines per round make RGB images of 512², 1024²,
//     1536² and 2048² (4 bytes a pixel) from one arena with NewArray, touch
//     every row, and release them, as Pillow's reproducer does with
//     Image.new and load; with Config.Encode each image is also resized
//     (nearest neighbour, half size) and PNG-encoded. Every row is stamped
//     with the image's id and read back before release; another image's
//     stamp (or a row cleared under its owner) is a block held by two
//     owners. No owner writes after release, so a stamp is always written
//     while its image held the block, even when that image was released
//     since. After each round, with nothing outstanding, no block may be in
//     use, the arena's counts must conserve blocks (allocated = in use +
//     cached + freed), and the cache must respect its bound; a round that
//     loses blocks counts once, not again in every round after it.
//   - freelist: Workers goroutines per round get objects from one fresh
//     list, claim them with a compare-and-swap of an owner word, write and
//     check their data, and put them back: a failed claim is two owners, a
//     changed word is corrupted data, and a panic of the list is recorded
//     once per worker and round (the worker stops: the list is corrupt).
//     After each round Cap+1 more objects are put and the list emptied: it
//     must give back at most Cap objects, each once.
//   - gil: Workers daemon goroutines of a fresh runtime loop sleeping a
//     random time and taking the global lock, while the main goroutine
//     finalizes the runtime at a random moment and sleeps a delay at exit
//     (bpo-39877's reproducer). A use of a released thread state (by the
//     port's take_gil; on paddock, a daemon given the lock while its state
//     is released), a daemon given the lock by an Acquire it called after
//     Finalize returned, a daemon holding the lock at the end, and daemons
//     that neither end nor stop before a deadline (a hang) are reported.
//     What the port's daemons do once the cleanup frees its lock by force
//     is the harness's doing and is not counted.
//   - executor: both scripts of bpo-31783 (a done-callback that resubmits
//     itself on a 4-worker pool; g() submitting 100 tasks on a 100-worker
//     pool) with the runtime finalizing while they run. A worker started
//     once the exit hook's shutdown began, a worker still alive when
//     Finalize returned, a task running then or starting later, and an
//     accepted future never resolved are reported. On the naive port the
//     window between submit's shutdown check and its thread start is
//     widened by a sleep, as the reporter's find-race.diff did; in g()'s
//     script it outlasts the sleep before exit, as his did (see execTiming).
//
// Every scenario also reports a panic of the implementation (a corrupted
// structure) and a round that outlives its deadline (a hang) instead of
// crashing or hanging the caller.
//
// # Why the detectors can be trusted
//
// A detector that never fires proves nothing, so every scenario is run
// against its naive port in naive_test.go and must show the seed's race
// there (a hang alone does not count): under -tags schedtest with a fixed
// list of seeds (the ports' scheduling points widen the race windows),
// every time; in plain builds within five quick runs. The arena, freelist
// and gil detectors are also run against a broken paddock, each with its
// seed's bug (TestDetectorsCatchBrokenPaddock: a leaked image, a list with
// no bound, a lock that checks "must exit" only before waiting), and must
// fire. The same detectors then find nothing on paddock across 1,000 seeds
// each (scenario_test.go; 100 under -race or -short).
//
// Measured catch rates of single quick runs (`paddock verify --impl naive
// --seed N`, N = 1..40, built without -race, on a 2-core machine shared
// with other work; last measured at cf57c50):
//
//   - arena: lost blocks and two owners in 39 of 40 runs (the other run
//     saw nothing).
//   - freelist: the port's own "FreeList is corrupt" panic in 40 of 40
//     runs, two owners in 38. The corrupted-data and Cap checks did not
//     fire: the owner claim catches a shared object before its data is
//     written, and the port's split never passes its bound.
//   - gil: a released thread state used, the lock held by a daemon after
//     finalization, and a hang in 40 of 40 runs.
//   - executor: the seed's own race, a worker started after the exit
//     hook's shutdown began, in 40 of 40 runs; a worker not joined and a
//     task running after Finalize in 37 of 40; a future never resolved in
//     35 of 40. Before g()'s script got its reporter-sized window the
//     seed's race showed in 37 of 40 runs (unresolved futures in 40).
//
// Detectors read shared state only through atomics or after the workers
// were joined (sync.WaitGroup.Wait happens after every Done), so on paddock
// a violation is never an artefact of the scenario itself; on the naive
// ports the races are the point, and the tests that run them are built
// without -race.
//
// # Goroutines
//
// A scenario joins every goroutine it starts: workers are waited for,
// paddock's parked daemons are reaped (lifecycle.Runtime.Reap), and the
// naive GIL is forced free until every stuck daemon met its fate. The one
// exception is a round that outlives its deadline: runWorkers then reports a
// hang and abandons the stuck goroutines, which only a racy port can cause.
//
// Example:
//
//	s, _ := scenario.Lookup("arena")
//	res, err := s.Run(ctx, scenario.Config{Impl: scenario.Naive, Seed: 1})
//	if err == nil && res.Total() > 0 {
//		fmt.Println("race reproduced:", res.Violations)
//	}
package scenario
