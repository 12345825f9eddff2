package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paddock-go/paddock/bench/internal/chart"
	"github.com/paddock-go/paddock/bench/internal/machine"
	"github.com/paddock-go/paddock/bench/internal/results"
)

// benchModule is the module path whose directory holds the benchmarks.
const benchModule = "github.com/paddock-go/paddock/bench"

// progName names the command in its usage and messages: "report", or what
// the environment variable PADDOCK_BENCH_PROG says ("paddock bench" when
// paddock runs it).
var progName = "report"

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type options struct {
	full      bool
	cpu       string
	bench     string
	benchtime string
	count     int
	out       string
	from      string
	baseline  string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.full, "full", false, "run every benchmark longer and six times (about 40 minutes on 2 cores)")
	fs.StringVar(&o.cpu, "cpu", "1,2,8", "comma-separated GOMAXPROCS values, as go test -cpu")
	fs.StringVar(&o.bench, "bench", "", "run only this go test -bench pattern instead of the plan")
	fs.StringVar(&o.benchtime, "benchtime", "", "override the -benchtime of every step (e.g. 2x, 500ms; 1x measures the first -cpu value at the last one's GOMAXPROCS, golang/go#49980)")
	fs.IntVar(&o.count, "count", 0, "override the -count of every step, 1 or more (default 1, with -full 6)")
	fs.StringVar(&o.out, "out", "", "output directory (default: results in the bench module, results/tmp with -bench, or the -from file's directory)")
	fs.StringVar(&o.from, "from", "", "do not run: redraw table and charts from this results file")
	fs.StringVar(&o.baseline, "baseline", "paddock", "the implementation compared with the others")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if !regexp.MustCompile(`^[1-9][0-9]*(,[1-9][0-9]*)*$`).MatchString(o.cpu) {
		return o, usageError{fmt.Sprintf("-cpu %q: want a comma-separated list of positive integers", o.cpu)}
	}
	countSet := false
	fs.Visit(func(f *flag.Flag) { countSet = countSet || f.Name == "count" })
	if countSet && o.count < 1 {
		return o, usageError{fmt.Sprintf("-count %d: want 1 or more", o.count)}
	}
	if o.benchtime != "" && !validBenchtime(o.benchtime) {
		return o, usageError{fmt.Sprintf("-benchtime %q: want a positive duration (500ms, 1s) or a count of iterations (2x)", o.benchtime)}
	}
	if o.bench != "" {
		if _, err := regexp.Compile(o.bench); err != nil {
			return o, usageError{fmt.Sprintf("-bench: %v", err)}
		}
	}
	if o.from != "" && (o.full || o.bench != "" || o.benchtime != "" || o.count != 0) {
		return o, usageError{"-from redraws a results file: it takes no -full, -bench, -benchtime or -count"}
	}
	return o, nil
}

// validBenchtime reports whether s is a -benchtime go test takes: a
// positive duration, or a positive count of iterations followed by x.
func validBenchtime(s string) bool {
	if n, ok := strings.CutSuffix(s, "x"); ok {
		i, err := strconv.Atoi(n)
		return err == nil && i > 0
	}
	d, err := time.ParseDuration(s)
	return err == nil && d > 0
}

// A step is one go test invocation of the plan.
type step struct {
	bench     string // the -bench pattern
	benchtime string
	count     int
}

// plan returns the go test invocations of a run. The million-task cases run
// a fixed number of times: one op of them takes about a second, and its
// setup dominates the time a duration-based benchtime would scale by. Twice,
// not once: with -benchtime 1x, go test reports the first -cpu value's
// warm-up run, made before GOMAXPROCS is set, so at the last -cpu value's
// GOMAXPROCS (golang/go#49980).
func plan(o options) []step {
	steps := []step{
		{`^Benchmark(Arena|ArenaImage|Freelist|GIL)$`, "100ms", 1},
		{`^BenchmarkExecutor$/^load=(noop10k|spin10us)$`, "100ms", 1},
		{`^BenchmarkExecutor$/^load=burst1M$`, "2x", 1},
		{`^BenchmarkExecutorShutdown$`, "2x", 1},
	}
	if o.full {
		for i := range steps {
			steps[i].count = 6
			if steps[i].benchtime == "2x" {
				steps[i].benchtime = "3x"
			} else {
				steps[i].benchtime = "1s"
			}
		}
	}
	if o.bench != "" {
		steps = []step{{o.bench, "100ms", 1}}
		if o.full {
			steps[0] = step{o.bench, "1s", 6}
		}
	}
	for i := range steps {
		if o.benchtime != "" {
			steps[i].benchtime = o.benchtime
		}
		if o.count > 0 {
			steps[i].count = o.count
		}
	}
	return steps
}

// goTestArgs returns the arguments of go test for s.
func goTestArgs(s step, cpu string) []string {
	return []string{"test", "-run", "^$", "-bench", s.bench, "-benchtime", s.benchtime,
		"-count", strconv.Itoa(s.count), "-cpu", cpu, "-benchmem", "-timeout", "120m", "."}
}

func modeLine(o options, steps []step) string {
	mode := "quick"
	if o.full {
		mode = "full"
	}
	if o.bench != "" {
		mode += " -bench " + o.bench
	}
	var times []string
	for _, s := range steps {
		t := fmt.Sprintf("%s×%d", s.benchtime, s.count)
		if !slices.Contains(times, t) {
			times = append(times, t)
		}
	}
	return fmt.Sprintf("%s (-cpu %s, -benchtime %s)", mode, o.cpu, strings.Join(times, " / "))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.from != "" {
		data, err := os.ReadFile(o.from)
		if err != nil {
			return err
		}
		out := o.out
		if out == "" {
			out = filepath.Dir(o.from)
		}
		return render(data, out, o.baseline, stdout, stderr)
	}

	dir, err := findBenchModule()
	if err != nil {
		return err
	}
	out := outDir(o, dir)
	steps := plan(o)
	start := time.Now()

	var raw bytes.Buffer
	for _, kv := range machine.Describe(start) {
		fmt.Fprintf(&raw, "%s: %s\n", kv.Key, kv.Value)
	}
	fmt.Fprintf(&raw, "%s: %s\n", results.KeyMode, modeLine(o, steps))
	if c := commit(ctx, dir); c != "" {
		fmt.Fprintf(&raw, "%s: %s\n", results.KeyCommit, c)
	}

	// The raw output goes to tmp/ (results/tmp/ is ignored by git) as it
	// comes, so that a failed or interrupted run leaves what it measured,
	// and to latest.txt only when every step passed.
	tmpDir := filepath.Join(dir, "results", "tmp")
	if o.out != "" {
		tmpDir = filepath.Join(o.out, "tmp")
	}
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return err
	}
	partial, err := os.Create(filepath.Join(tmpDir, "run.txt"))
	if err != nil {
		return err
	}
	defer partial.Close()
	if _, err := partial.Write(raw.Bytes()); err != nil {
		return err
	}
	for i, s := range steps {
		fmt.Fprintf(stderr, "%s: step %d of %d: go %s\n", progName, i+1, len(steps), strings.Join(goTestArgs(s, o.cpu), " "))
		cmd := exec.CommandContext(ctx, "go", goTestArgs(s, o.cpu)...)
		cmd.Dir = dir
		cmd.Stdout = io.MultiWriter(&raw, partial, stderr)
		cmd.Stderr = stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go test -bench %s: %w (what ran is in %s)", s.bench, err, partial.Name())
		}
	}
	fmt.Fprintf(stderr, "%s: ran in %s\n", progName, time.Since(start).Round(time.Second))
	if err := os.WriteFile(filepath.Join(out, "latest.txt"), raw.Bytes(), 0o644); err != nil {
		return err
	}
	return render(raw.Bytes(), out, o.baseline, stdout, stderr)
}

// outDir returns where a run writes latest.txt, latest.md and the charts:
// -out when given; else results/ in the bench module for a run of the plan
// (quick or full), which is what the README shows and git keeps; else, for
// a single -bench pattern, results/tmp/, so that a partial run never
// replaces the whole one.
func outDir(o options, moduleDir string) string {
	switch {
	case o.out != "":
		return o.out
	case o.bench != "":
		return filepath.Join(moduleDir, "results", "tmp")
	}
	return filepath.Join(moduleDir, "results")
}

// render parses a results file and writes latest.md and the charts into
// out, and the table to stdout; it warns on stderr of each result line it
// could not read.
func render(data []byte, out, baseline string, stdout, stderr io.Writer) error {
	set, err := results.Parse(bytes.NewReader(data))
	if err != nil {
		return err
	}
	for _, s := range set.Skipped {
		fmt.Fprintf(stderr, "%s: skipped %s\n", progName, s)
	}
	if len(set.Results) == 0 {
		return errors.New("no benchmark results to report")
	}
	tables := results.Compare(set, baseline)
	var md bytes.Buffer
	if err := results.WriteMarkdown(&md, set, tables); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var charts bytes.Buffer
	charts.WriteString("\n### Charts\n\n")
	for _, c := range results.Charts(tables) {
		name := strings.ToLower(c.Component) + ".png"
		if err := writeChart(filepath.Join(out, name), c, set); err != nil {
			return err
		}
		fmt.Fprintf(&charts, "![%s](%s)\n", c.Component, name)
	}
	if err := os.WriteFile(filepath.Join(out, "latest.md"), append(md.Bytes(), charts.Bytes()...), 0o644); err != nil {
		return err
	}
	_, err = stdout.Write(md.Bytes())
	return err
}

func writeChart(path string, c results.Chart, set *results.Set) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%s (lower is better) · %s", c.Component, shortMachine(set))
	if err := chart.WritePNG(f, c, title); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// shortMachine names the machine in a chart's title: CPU, cores, Go.
func shortMachine(set *results.Set) string {
	c := set.Config
	cpu := c[results.KeyCPUModel]
	if cpu == "" {
		cpu = c["cpu"]
	}
	parts := []string{cpu}
	if c[results.KeyCores] != "" {
		parts = append(parts, c[results.KeyCores]+" cores")
	}
	if c[results.KeyGo] != "" {
		parts = append(parts, c[results.KeyGo])
	}
	return strings.Join(parts, ", ")
}

// findBenchModule returns the directory of the bench module: the working
// directory or one of its parents when it is inside the module, or the
// bench directory of the paddock checkout the working directory is in.
func findBenchModule() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		for _, cand := range []string{dir, filepath.Join(dir, "bench")} {
			if modulePath(filepath.Join(cand, "go.mod")) == benchModule {
				return cand, nil
			}
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no %s module in or above %s", benchModule, wd)
		}
	}
}

// modulePath returns the module path a go.mod declares, or "".
func modulePath(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// commit names the checked-out commit, marked +dirty when tracked files
// differ from it; "" outside a git checkout.
func commit(ctx context.Context, dir string) string {
	rev, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	c := strings.TrimSpace(string(rev))
	status, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output()
	if err == nil && len(bytes.TrimSpace(status)) > 0 {
		c += "+dirty"
	}
	return c
}
