// Command report runs the bench module's benchmarks (paddock against the
// libraries Go programmers use today) and writes what they show:
//
//	results/latest.txt  the raw results in the Go benchmark format, for benchstat,
//	                    headed by the machine: CPU model, cores, Go version, date
//	results/latest.md   a Markdown table per component of the ratios paddock / peer
//	results/*.png       ns/op by -cpu, one chart per component
//
// and prints the table. From the repository root, `go run ./cmd/paddock bench`
// runs it; here, `go run ./cmd/report`.
//
// Usage:
//
//	report [-full] [-cpu 1,2,8] [-bench regexp] [-benchtime d] [-count n] [-out dir]
//	report -from results/latest.txt [-out dir]
//
// The default, quick mode runs every benchmark once for a short time
// (-benchtime=100ms, the million-task cases twice) and takes about three
// minutes on two cores; -full runs each for a second (three times for the
// million-task cases), six times over, for benchstat, and takes about forty.
// -bench runs a single pattern instead of the plan, and writes into
// results/tmp/ (ignored by git) unless -out says otherwise, so that
// results/ always holds the last whole run, the one the README shows.
// -from redraws the table and charts from a results file without running
// anything. The raw file is benchstat's input as it is:
//
//	benchstat -col /impl results/latest.txt
//
// Exit status: 0 for -h, 2 for a usage error, 1 when a run or a write fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	if name := os.Getenv("PADDOCK_BENCH_PROG"); name != "" {
		progName = name
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return // the usage was printed
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", progName, err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
