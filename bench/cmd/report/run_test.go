package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sample is the results file the results package's golden test renders.
var (
	sampleTxt = filepath.Join("..", "..", "internal", "results", "testdata", "sample.txt")
	sampleMD  = filepath.Join("..", "..", "internal", "results", "testdata", "sample.md")
)

// TestFrom redraws the sample: the table printed is the golden one, and
// latest.md is the table followed by links to one chart per component, each
// a PNG.
func TestFrom(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-from", sampleTxt, "-out", out}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(sampleMD)
	if err != nil {
		t.Fatal(err)
	}
	if got := stdout.String(); got != string(want) {
		t.Errorf("stdout: got:\n%s\nwant:\n%s", got, want)
	}
	md, err := os.ReadFile(filepath.Join(out, "latest.md"))
	if err != nil {
		t.Fatal(err)
	}
	wantCharts := []string{"arena.png", "arenaimage.png", "executor.png", "executorshutdown.png", "gil.png"}
	for _, name := range wantCharts {
		if !bytes.Contains(md, []byte("]("+name+")")) {
			t.Errorf("latest.md: got no link to %s", name)
		}
		f, err := os.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		_, err = png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !bytes.HasPrefix(md, want) {
		t.Errorf("latest.md does not start with the table")
	}
}

func TestFromErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(empty, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("BenchmarkX/impl=a 1 x ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want, warn string }{
		{empty, "no benchmark results", ""},
		{bad, "no benchmark results", "report: skipped line 1: "},
		{filepath.Join(dir, "missing.txt"), "no such file", ""},
	} {
		var stderr strings.Builder
		err := run(context.Background(), []string{"-from", tc.file, "-out", dir}, io.Discard, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", filepath.Base(tc.file), err, tc.want)
		}
		if !strings.Contains(stderr.String(), tc.warn) {
			t.Errorf("%s: stderr %q, want it to contain %q", filepath.Base(tc.file), stderr.String(), tc.warn)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-cpu", "1,,2"},
		{"-cpu", "0"},
		{"-count", "-1"},
		{"-count", "0"},
		{"-benchtime", "zz"},
		{"-benchtime", "0x"},
		{"-benchtime", "-1s"},
		{"-bench", "("},
		{"-nosuchflag"},
		{"extra"},
		{"-from", "x.txt", "-full"},
	} {
		// parseFlags, not run: a check that let a bad flag through would
		// otherwise start a real benchmark run.
		_, err := parseFlags(args, io.Discard)
		if !errors.As(err, new(usageError)) {
			t.Errorf("%q: got %v, want a usage error", args, err)
		}
	}
}

// TestValidFlags: the forms go test takes pass the checks of
// TestUsageErrors.
func TestValidFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-benchtime", "2x"},
		{"-benchtime", "500ms"},
		{"-benchtime", "1s", "-count", "3"},
		{},
	} {
		if _, err := parseFlags(args, io.Discard); err != nil {
			t.Errorf("%q: got %v, want it accepted", args, err)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-h"}, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("got %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(stderr.String(), "-full") {
		t.Errorf("got usage %q, want the flags listed", stderr.String())
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    options
		want []step
	}{
		{"quick", options{}, []step{
			{`^Benchmark(Arena|ArenaImage|Freelist|GIL)$`, "100ms", 1},
			{`^BenchmarkExecutor$/^load=(noop10k|spin10us)$`, "100ms", 1},
			{`^BenchmarkExecutor$/^load=burst1M$`, "2x", 1},
			{`^BenchmarkExecutorShutdown$`, "2x", 1},
		}},
		{"full", options{full: true}, []step{
			{`^Benchmark(Arena|ArenaImage|Freelist|GIL)$`, "1s", 6},
			{`^BenchmarkExecutor$/^load=(noop10k|spin10us)$`, "1s", 6},
			{`^BenchmarkExecutor$/^load=burst1M$`, "3x", 6},
			{`^BenchmarkExecutorShutdown$`, "3x", 6},
		}},
		{"bench", options{bench: "Freelist"}, []step{{"Freelist", "100ms", 1}}},
		{"bench full count", options{bench: "GIL", full: true, count: 10}, []step{{"GIL", "1s", 10}}},
		{"benchtime", options{benchtime: "1x"}, []step{
			{`^Benchmark(Arena|ArenaImage|Freelist|GIL)$`, "1x", 1},
			{`^BenchmarkExecutor$/^load=(noop10k|spin10us)$`, "1x", 1},
			{`^BenchmarkExecutor$/^load=burst1M$`, "1x", 1},
			{`^BenchmarkExecutorShutdown$`, "1x", 1},
		}},
	} {
		if got := plan(tc.o); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestGoTestArgs(t *testing.T) {
	t.Parallel()
	got := strings.Join(goTestArgs(step{"^BenchmarkGIL$", "100ms", 2}, "1,2,8"), " ")
	want := "test -run ^$ -bench ^BenchmarkGIL$ -benchtime 100ms -count 2 -cpu 1,2,8 -benchmem -timeout 120m ."
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestModeLine(t *testing.T) {
	t.Parallel()
	o := options{cpu: "1,2,8"}
	if got, want := modeLine(o, plan(o)), "quick (-cpu 1,2,8, -benchtime 100ms×1 / 2x×1)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFindBenchModule(t *testing.T) {
	// Not parallel: it reads the working directory, which is this
	// package's directory, inside the bench module.
	dir, err := findBenchModule()
	if err != nil {
		t.Fatal(err)
	}
	if got := modulePath(filepath.Join(dir, "go.mod")); got != benchModule {
		t.Errorf("got %s declaring %q, want %q", dir, got, benchModule)
	}
	if got, want := filepath.Base(dir), "bench"; got != want {
		t.Errorf("got directory %s, want one named %s", dir, want)
	}
}

func TestOutDir(t *testing.T) {
	t.Parallel()
	mod := filepath.Join("x", "bench")
	for _, tc := range []struct {
		name string
		o    options
		want string
	}{
		{"quick", options{}, filepath.Join(mod, "results")},
		{"full", options{full: true, count: 10}, filepath.Join(mod, "results")},
		{"bench", options{bench: "GIL"}, filepath.Join(mod, "results", "tmp")},
		{"out", options{bench: "GIL", out: "elsewhere"}, "elsewhere"},
	} {
		if got := outDir(tc.o, mod); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestPlanCoversBenchmarks reads the bench package's sources and checks that
// the plan runs every top-level benchmark, and every load of
// BenchmarkExecutor, in exactly one step: a benchmark added without a step
// would be missing from the report, one matched twice would run twice.
func TestPlanCoversBenchmarks(t *testing.T) {
	t.Parallel()
	names, loads := benchmarkNames(t, filepath.Join("..", ".."))
	if !slices.Contains(names, "BenchmarkExecutor") || len(loads) < 3 {
		t.Fatalf("got benchmarks %v and executor loads %v, want BenchmarkExecutor and its 3 or more loads", names, loads)
	}
	var paths [][]string
	for _, name := range names {
		if name == "BenchmarkExecutor" {
			for _, load := range loads {
				paths = append(paths, []string{name, "load=" + load})
			}
			continue
		}
		paths = append(paths, []string{name})
	}
	for _, full := range []bool{false, true} {
		steps := plan(options{full: full})
		for _, path := range paths {
			n := 0
			for _, s := range steps {
				if stepRuns(t, s, path) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("full=%v: %s runs in %d steps, want 1", full, strings.Join(path, "/"), n)
			}
		}
	}
}

// stepRuns reports whether go test -bench s.bench runs the benchmark at
// path: as go test does, the pattern is split at slashes, and element i must
// match path element i; a path longer than the pattern is run whole.
func stepRuns(t *testing.T, s step, path []string) bool {
	t.Helper()
	for i, elem := range strings.Split(s.bench, "/") {
		if i >= len(path) {
			break
		}
		if !regexp.MustCompile(elem).MatchString(path[i]) {
			return false
		}
	}
	return true
}

// benchmarkNames parses the _test.go files of dir and returns the names of
// its Benchmark functions and the names of the executorLoads entries.
func benchmarkNames(t *testing.T, dir string) (names, loads []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && strings.HasPrefix(d.Name.Name, "Benchmark") {
					names = append(names, d.Name.Name)
				}
			case *ast.GenDecl:
				loads = append(loads, executorLoadNames(t, d)...)
			}
		}
	}
	return names, loads
}

// executorLoadNames returns the first field, a string, of every entry of
// the executorLoads variable if d declares it.
func executorLoadNames(t *testing.T, d *ast.GenDecl) []string {
	t.Helper()
	var out []string
	for _, spec := range d.Specs {
		vs, ok := spec.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "executorLoads" || len(vs.Values) != 1 {
			continue
		}
		list, ok := vs.Values[0].(*ast.CompositeLit)
		if !ok {
			t.Fatal("executorLoads is not a composite literal")
		}
		for _, elt := range list.Elts {
			entry, ok := elt.(*ast.CompositeLit)
			if !ok || len(entry.Elts) == 0 {
				t.Fatal("an executorLoads entry is not a composite literal")
			}
			lit, ok := entry.Elts[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Fatal("an executorLoads entry does not start with its name")
			}
			name, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, name)
		}
	}
	return out
}

// TestRunOnce runs one small benchmark through the whole pipeline (go test
// in the bench module, raw capture, table, chart): latest.txt starts with
// the machine lines, holds both sides' results in the benchmark format, and
// the table and chart come from it.
func TestRunOnce(t *testing.T) {
	// Not parallel: it reads the working directory to find the module.
	if testing.Short() {
		t.Skip("runs go test -bench in the bench module")
	}
	out := t.TempDir()
	var stdout bytes.Buffer
	args := []string{"-bench", "^BenchmarkGIL$/^op=uncontended", "-benchtime", "1x", "-cpu", "1,2", "-out", out}
	if err := run(context.Background(), args, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(out, "latest.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"cpu-model: ", "cores: ", "go: go1.", "date: ", "mode: quick -bench "} {
		if !bytes.Contains(raw, []byte("\n"+prefix)) && !bytes.HasPrefix(raw, []byte(prefix)) {
			t.Errorf("latest.txt: got no line starting %q in\n%s", prefix, raw)
		}
	}
	for _, name := range []string{"impl=paddock ", "impl=paddock-2 ", "impl=mutex ", "impl=mutex-2 "} {
		if !bytes.Contains(raw, []byte("BenchmarkGIL/op=uncontended/"+name)) {
			t.Errorf("latest.txt: got no result for %s", name)
		}
	}
	if !strings.Contains(stdout.String(), "| op=uncontended | ns/op | 2 |") {
		t.Errorf("table: got no -cpu 2 row in\n%s", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(out, "gil.png")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(out, "tmp", "run.txt")); err != nil {
		t.Errorf("the raw output as it came: %v", err)
	}
}
