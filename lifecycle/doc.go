// Package lifecycle is the process runtime of paddock: goroutines tracked
// as CPython tracks threads (daemon or not), exit hooks, and a Finalize that
// shuts them down in CPython's order without letting a daemon goroutine
// touch state that finalization released.
//
// Example:
//
//	func main() { os.Exit(lifecycle.Run(run)) }
//
//	func run(ctx context.Context) error {
//		rt := lifecycle.Default()
//		return rt.GoDaemon("ticker", func(t *lifecycle.Thread) {
//			for {
//				t.Sleep(time.Second) // a safe point: stops here at exit
//			}
//		})
//	}
package lifecycle
