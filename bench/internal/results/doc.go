// Package results reads benchmark output in the Go benchmark format (the
// format of go test -bench and benchstat), summarizes repeated runs by their
// median, and compares one implementation with its peers as ratios, written
// as a Markdown table.
//
// It relies on the naming scheme of the bench module: a benchmark is
// Benchmark<Component>/<case...>/impl=<name>, optionally followed by the
// GOMAXPROCS suffix -N that go test adds when -cpu is not 1. Results that
// differ only in impl are compared; everything else about the name is their
// case.
//
// Example:
//
//	set, err := results.Parse(f)
//	if err != nil {
//		return err
//	}
//	results.WriteMarkdown(os.Stdout, results.Compare(set, "paddock"))
package results
