package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/paddock-go/paddock/internal/scenario"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

// verifyOptions are verify's flags, checked.
type verifyOptions struct {
	scenarios []scenario.Scenario
	impls     []scenario.Impl
	rounds    int
	workers   int
	seed      uint64
	full      bool
	json      bool
	encode    bool
}

// raceSkipNote is what verify says when it skips the naive ports.
const raceSkipNote = "naive ports skipped: this binary was built with -race, and they race by design " +
	"(the race detector would report their races and fail the run); build without -race to run them"

func parseVerify(args []string, stderr io.Writer) (verifyOptions, error) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opt   verifyOptions
		scen  = fs.String("scenario", "all", "workload to run: "+strings.Join(scenario.Names(), "|")+"|all")
		impl  = fs.String("impl", "both", "implementation: paddock|naive|both")
		quick = fs.Bool("quick", false, "quick sizes, the whole run within 2 minutes on 2 cores (the default)")
	)
	fs.IntVar(&opt.rounds, "rounds", 0, "rounds of each seed loop (0: the mode's default)")
	fs.IntVar(&opt.workers, "workers", 0, "concurrent workers (0: the scenario's default)")
	fs.Uint64Var(&opt.seed, "seed", 1, "seed of the workloads' random choices")
	fs.BoolVar(&opt.full, "full", false, "the seed documents' own sizes (e.g. 1000 rounds of 20 workers)")
	fs.BoolVar(&opt.json, "json", false, "print the results as JSON instead of a table")
	fs.BoolVar(&opt.encode, "encode", false, "arena: also resize and PNG-encode each image")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: paddock verify [flags]\n\nRuns each seed's reproducer against its racy port (naive) and against paddock.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return opt, err
		}
		return opt, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return opt, usagef("verify: unexpected argument %q", fs.Arg(0))
	}
	if *quick && opt.full {
		return opt, usagef("verify: --quick and --full exclude each other")
	}
	if opt.rounds < 0 || opt.workers < 0 {
		return opt, usagef("verify: --rounds and --workers must be 0 (default) or more")
	}
	switch *scen {
	case "all":
		opt.scenarios = scenario.All()
	default:
		s, ok := scenario.Lookup(*scen)
		if !ok {
			return opt, usagef("verify: --scenario %q: want one of %s or all", *scen, strings.Join(scenario.Names(), ", "))
		}
		opt.scenarios = []scenario.Scenario{s}
	}
	switch *impl {
	case "both":
		opt.impls = []scenario.Impl{scenario.Naive, scenario.Paddock}
	case string(scenario.Naive), string(scenario.Paddock):
		opt.impls = []scenario.Impl{scenario.Impl(*impl)}
	default:
		return opt, usagef("verify: --impl %q: want paddock, naive or both", *impl)
	}
	return opt, nil
}

// verifyReport is everything verify prints: the run's settings and one
// result per scenario and implementation.
type verifyReport struct {
	Mode       string            `json:"mode"`
	Seed       uint64            `json:"seed"`
	GOMAXPROCS int               `json:"gomaxprocs"`
	Sched      string            `json:"sched,omitempty"` // the schedpoint policy, in a -tags schedtest build
	Note       string            `json:"note,omitempty"`
	Results    []scenario.Result `json:"-"`
	Rows       []jsonRow         `json:"results"`
	OK         bool              `json:"ok"`              // every run finished, and no paddock result had a violation
	Summary    []string          `json:"summary"`         // what the run showed, in words (see summarize)
	Error      string            `json:"error,omitempty"` // why verify stopped before running everything
	// sizes are the flags besides --scenario, --impl and --seed that decide
	// the workload, for the replay hint.
	sizes string
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opt, err := parseVerify(args, stderr)
	if err != nil {
		return err
	}
	rep := verifyReport{Mode: "quick", Seed: opt.seed, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	if schedpoint.Enabled {
		rep.Sched = schedpoint.Describe()
	}
	if opt.full {
		rep.Mode = "full"
	}
	rep.sizes = sizeFlags(opt)
	impls := opt.impls
	if raceEnabled && slices.Contains(impls, scenario.Naive) {
		impls = slices.DeleteFunc(slices.Clone(impls), func(i scenario.Impl) bool { return i == scenario.Naive })
		if len(impls) == 0 {
			return usagef("verify: --impl naive: nothing to run, %s", raceSkipNote)
		}
		rep.Note = raceSkipNote
	}
	prog := newProgress(stderr)
	var runErr error
jobs:
	for _, s := range opt.scenarios {
		for _, impl := range impls {
			cfg := scenario.Config{
				Impl: impl, Workers: opt.workers, Rounds: opt.rounds, Seed: opt.seed,
				Full: opt.full, Encode: opt.encode,
			}
			label := s.Name + "/" + string(impl)
			cfg.Progress = func(done, total int) { prog.update(label, done, total) }
			prog.start(label)
			res, err := s.Run(ctx, cfg)
			prog.finish(label, res, err)
			if err != nil {
				// Show what finished before: the run that stopped is not
				// in the table, and the exit status is an error.
				runErr = fmt.Errorf("verify %s: %w", label, err)
				rep.Error = runErr.Error()
				break jobs
			}
			rep.Results = append(rep.Results, res)
		}
	}
	rep.OK = paddockClean(rep.Results) && runErr == nil
	rep.Summary = summarize(rep)
	if opt.json {
		err = renderJSON(stdout, rep)
	} else {
		err = renderTable(stdout, rep)
	}
	if err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if !rep.OK {
		return errFailed
	}
	return nil
}

// sizeFlags returns the flags of opt that set the workload's sizes, as a
// command line would give them.
func sizeFlags(opt verifyOptions) string {
	var f []string
	if opt.full {
		f = append(f, "--full")
	}
	if opt.rounds != 0 {
		f = append(f, fmt.Sprintf("--rounds %d", opt.rounds))
	}
	if opt.workers != 0 {
		f = append(f, fmt.Sprintf("--workers %d", opt.workers))
	}
	if opt.encode {
		f = append(f, "--encode")
	}
	return strings.Join(f, " ")
}

// summarize says what the results show: whether paddock ran and had a
// violation (with the command that reruns each failed workload), and each
// naive port that ran without reproducing its race, since such a run does
// not show its detectors at work.
func summarize(rep verifyReport) []string {
	var lines, failed []string
	ranPaddock := false
	for _, r := range rep.Results {
		switch {
		case r.Impl == scenario.Paddock:
			ranPaddock = true
			if r.Total() > 0 {
				failed = append(failed, r.Scenario)
			}
		case r.Total() == 0:
			lines = append(lines, fmt.Sprintf("naive: the %s race was not reproduced in %s, so this run does not show that its detectors work; try another --seed, or --full.",
				r.Scenario, rounds(r.RoundsDone)))
		}
	}
	if rep.Error != "" {
		lines = append(lines, "stopped early: "+rep.Error+"; the results show the runs that finished before.")
	}
	switch {
	case !ranPaddock:
		lines = append(lines, "paddock: not run.")
	case len(failed) == 0:
		lines = append(lines, "paddock: no violation.")
	default:
		lines = append(lines, fmt.Sprintf("paddock: FAILED in %s.", strings.Join(failed, ", ")))
		goRun := "go run"
		if rep.Sched != "" {
			goRun = rep.Sched + " go run -tags schedtest"
		}
		for _, name := range failed {
			cmd := fmt.Sprintf("%s ./cmd/paddock verify --scenario %s --impl paddock --seed %d", goRun, name, rep.Seed)
			if rep.sizes != "" {
				cmd += " " + rep.sizes
			}
			lines = append(lines, "  rerun: "+cmd)
		}
		lines = append(lines, "  The seed fixes the workload; the interleaving is the scheduler's, so a rerun may pass.")
	}
	return lines
}

// paddockClean reports whether no paddock result had a violation.
func paddockClean(results []scenario.Result) bool {
	for _, r := range results {
		if r.Impl == scenario.Paddock && r.Total() > 0 {
			return false
		}
	}
	return true
}

// verdict is the last column of the table.
func verdict(r scenario.Result) string {
	switch {
	case r.Impl == scenario.Paddock && r.Total() == 0:
		return "ok"
	case r.Impl == scenario.Paddock:
		return "FAILED"
	case r.Total() > 0:
		return "race reproduced"
	default:
		return "not reproduced in " + rounds(r.RoundsDone)
	}
}

// rounds returns "1 round" or "n rounds".
func rounds(n int) string {
	if n == 1 {
		return "1 round"
	}
	return fmt.Sprintf("%d rounds", n)
}

// elapsed rounds a duration for display.
func elapsed(d time.Duration) string {
	return d.Round(10 * time.Millisecond).String()
}
