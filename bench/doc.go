// Package bench measures paddock against the libraries Go programmers use
// today, side by side in one run, so that every claim of the other packages
// ("arena as fast as sync.Pool", "executor 5x pond") is a ratio taken on one
// machine at one moment rather than two numbers from two days.
//
// It is its own module (github.com/paddock-go/paddock/bench, with a replace
// directive to the parent), so the peers and the plotting library never enter
// paddock's go.mod.
//
// # What is measured
//
// Every benchmark is named Benchmark<Component>/<case>/impl=<name>, so that
// the results of paddock and its peers differ only in the last element and
// the report can divide them:
//
//	BenchmarkArena/size=1MiB/impl=paddock         parallel Get+Put of one block
//	BenchmarkArena/size=1MiB/impl=syncpool        sync.Pool of *[]byte
//	BenchmarkArena/size=1MiB/impl=handoff         the floor: one atomic swap a Get and one a Put ([Handoff])
//	BenchmarkArena/size=1MiB/impl=bytebufferpool  valyala/bytebufferpool
//	BenchmarkArena/size=1MiB/impl=gobufferpool    libp2p/go-buffer-pool
//	BenchmarkArena/size=1MiB/impl=mutexarena      Pillow 11's fix: one global mutex ([MutexArena])
//	BenchmarkArena/size=1MiB/impl=make            make([]byte, n) every time
//	BenchmarkArenaImage/impl=...                  the seed's image loop, end to end
//	BenchmarkFreelist/size=256B/impl=...          paddock, syncpool, handoff, new, mutexslice ([MutexList], PyO3's fix)
//	BenchmarkExecutor/load=.../impl=...           paddock, ants, pond, workerpool, conc, errgroup, goroutines, chanpool ([ChanPool])
//	BenchmarkExecutorShutdown/queued=1M/impl=...  paddock, pond, workerpool, chanpool
//	BenchmarkGIL/op=.../impl=...                  paddock, mutex
//
// The reference designs that no library provides (Pillow's and PyO3's
// single-lock fixes, a plain channel worker pool, and the floor of any cache
// whose objects any goroutine may take) are written here, beside the
// benchmarks, each in a few dozen lines.
//
// # Running
//
// From the repository root, `go run ./cmd/paddock bench` (or, inside this
// directory, `go run ./cmd/report`) runs a quick selection at -cpu 1,2,8,
// writes results/latest.txt (benchstat's format), results/latest.md (ratios
// paddock / peer) and one PNG chart per component, and prints the table.
// `-full` runs everything, longer and six times over; `-bench pattern` runs
// one part and writes into results/tmp/ instead, so that results/ always
// holds the last whole run. latest.txt is benchstat's input as it is
// (`benchstat -col /impl results/latest.txt`). The benchmarks also run under
// plain go test:
//
//	go test -run '^$' -bench . -cpu 1,2,8 -benchmem
package bench
