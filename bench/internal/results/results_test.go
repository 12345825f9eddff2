package results_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/paddock-go/paddock/bench/internal/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func parseFile(t *testing.T, name string) *results.Set {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := results.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestMarkdownGolden renders testdata/sample.txt, which has runs without a
// -cpu suffix, repeated runs, a case with no sub-name, a component without
// the baseline, a ns/shutdown case and a maxwait-ns metric.
func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	set := parseFile(t, "sample.txt")
	var buf bytes.Buffer
	if err := results.WriteMarkdown(&buf, set, results.Compare(set, "paddock")); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "sample.md")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	set := parseFile(t, "sample.txt")
	if got, want := len(set.Results), 16; got != want {
		t.Fatalf("got %d results, want %d", got, want)
	}
	if got, want := set.Config["cpu-model"], "AMD EPYC 7B13"; got != want {
		t.Errorf("cpu-model: got %q, want %q", got, want)
	}
	if got, want := set.Keys[:3], []string{"cpu-model", "cores", "go"}; !reflect.DeepEqual(got, want) {
		t.Errorf("keys: got %v, want %v", got, want)
	}
	first := set.Results[0]
	want := results.Result{
		Component: "Arena", Case: "size=1MiB", Impl: "paddock", Procs: 1, Iters: 5000000,
		Values: map[string]float64{"ns/op": 20, "B/op": 0, "allocs/op": 0},
		Units:  []string{"ns/op", "B/op", "allocs/op"},
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("first result: got %+v, want %+v", first, want)
	}
}

func TestParseNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line                 string
		component, cas, impl string
		procs                int
	}{
		{"BenchmarkArena/size=1MiB/impl=paddock-8 1 2 ns/op", "Arena", "size=1MiB", "paddock", 8},
		{"BenchmarkArena/size=1MiB/impl=paddock 1 2 ns/op", "Arena", "size=1MiB", "paddock", 1},
		{"BenchmarkArenaImage/impl=make-2 1 2 ns/op", "ArenaImage", "", "make", 2},
		{"BenchmarkGIL/impl=mutex/op=contended-16 1 2 ns/op", "GIL", "op=contended", "mutex", 16},
		{"BenchmarkPlain 1 2 ns/op", "Plain", "", "", 1},
		{"BenchmarkDash/a-b 1 2 ns/op", "Dash", "a-b", "", 1},
		{"BenchmarkDash/a-b-4 1 2 ns/op", "Dash", "a-b", "", 4},
		{"BenchmarkSign/x-+4 1 2 ns/op", "Sign", "x-+4", "", 1},
	} {
		set, err := results.Parse(strings.NewReader(tc.line))
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if len(set.Results) != 1 {
			t.Fatalf("%q: got %d results, want 1", tc.line, len(set.Results))
		}
		r := set.Results[0]
		got := []any{r.Component, r.Case, r.Impl, r.Procs}
		want := []any{tc.component, tc.cas, tc.impl, tc.procs}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %v, want %v", tc.line, got, want)
		}
	}
}

// TestParseSkips: lines that are not results are skipped silently; result
// lines that cannot be parsed are skipped with their line number and why,
// and the good lines around them are kept.
func TestParseSkips(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		input   string
		results int
		skipped string // a substring of the one skip reason; "" for none
	}{
		{"PASS\nok  \tpkg\t1.0s\n", 0, ""},
		{"Benchmarking is fun\n", 0, ""},
		{"Key: not config, not a result\n", 0, ""},
		{"BenchmarkX 1 2 ns/op\n", 1, ""},
		{"BenchmarkX\n", 0, "line 1"},
		{"ok\nBenchmarkX 1 2\n", 0, "line 2"},
		{"BenchmarkX one 2 ns/op\n", 0, `iteration count "one"`},
		{"BenchmarkX 0 2 ns/op\n", 0, "iteration count"},
		{"BenchmarkX 1 two ns/op\n", 0, `value "two" of unit "ns/op"`},
		{"BenchmarkX/impl=a-2 \t--- FAIL: BenchmarkX/impl=a-2\nBenchmarkX/impl=b-2 1 2 ns/op\n", 1, "line 1"},
	} {
		set, err := results.Parse(strings.NewReader(tc.input))
		if err != nil {
			t.Errorf("%q: got error %v, want none", tc.input, err)
			continue
		}
		if len(set.Results) != tc.results {
			t.Errorf("%q: got %d results, want %d", tc.input, len(set.Results), tc.results)
		}
		switch {
		case tc.skipped == "" && len(set.Skipped) != 0:
			t.Errorf("%q: skipped %q, want nothing", tc.input, set.Skipped)
		case tc.skipped != "" && (len(set.Skipped) != 1 || !strings.Contains(set.Skipped[0], tc.skipped)):
			t.Errorf("%q: skipped %q, want one line containing %q", tc.input, set.Skipped, tc.skipped)
		}
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	set := parseFile(t, "sample.txt")
	tables := results.Compare(set, "paddock")
	var comps []string
	for _, tb := range tables {
		comps = append(comps, tb.Component)
	}
	if want := []string{"Arena", "ArenaImage", "Executor", "ExecutorShutdown", "GIL"}; !reflect.DeepEqual(comps, want) {
		t.Fatalf("components: got %v, want %v", comps, want)
	}
	arena := tables[0]
	if want := []string{"syncpool", "make"}; !reflect.DeepEqual(arena.Peers, want) {
		t.Fatalf("peers: got %v, want %v", arena.Peers, want)
	}
	// -cpu 1: paddock's median of 20, 24, 22 is 22; sync.Pool's 11.
	r := arena.Rows[0]
	if r.Procs != 1 || r.Unit != "ns/op" || r.Base.Value != 22 || r.Base.Runs != 3 {
		t.Fatalf("row 0: got %+v, want -cpu 1, ns/op, a median of 22 over 3 runs", r)
	}
	if got := r.Peers[0].Ratio; got != 2 {
		t.Errorf("ratio to syncpool at -cpu 1: got %v, want 2", got)
	}
	if got := arena.Rows[1].Peers[0].Ratio; got != 0.5 {
		t.Errorf("ratio to syncpool at -cpu 2: got %v, want 0.5", got)
	}
	shutdown := tables[3]
	if got := shutdown.Rows[0]; got.Unit != "ns/shutdown" || got.Peers[0].Ratio >= 0.1 {
		t.Errorf("shutdown row: got unit %s ratio %v, want ns/shutdown and below 0.1", got.Unit, got.Peers[0].Ratio)
	}
	gil := tables[4]
	var units []string
	for _, r := range gil.Rows {
		units = append(units, r.Unit)
	}
	if want := []string{"ns/op", "maxwait-ns"}; !reflect.DeepEqual(units, want) {
		t.Errorf("gil units: got %v, want %v", units, want)
	}
	exec := tables[2]
	if exec.Rows[0].Base.OK || exec.Rows[0].Peers[0].HasRatio {
		t.Errorf("executor without a baseline: got %+v, want no baseline and no ratio", exec.Rows[0])
	}
}

func TestCharts(t *testing.T) {
	t.Parallel()
	set := parseFile(t, "sample.txt")
	charts := results.Charts(results.Compare(set, "paddock"))
	arena := charts[0].Cases[0]
	if len(arena.Series) != 3 || arena.Series[0].Impl != "paddock" {
		t.Fatalf("arena series: got %+v, want paddock first of 3", arena.Series)
	}
	if got, want := arena.Series[0].Procs, []int{1, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("paddock procs: got %v, want %v", got, want)
	}
	if got, want := arena.Series[0].Values, []float64{22, 11}; !reflect.DeepEqual(got, want) {
		t.Errorf("paddock values: got %v, want %v", got, want)
	}
	exec := charts[2].Cases[0]
	if len(exec.Series) != 2 || exec.Series[0].Impl != "ants" {
		t.Errorf("executor series without baseline: got %+v, want ants and pond", exec.Series)
	}
	gil := charts[4].Cases[0]
	if gil.Unit != "ns/op" || len(gil.Series[0].Values) != 1 {
		t.Errorf("gil chart: got %+v, want ns/op only", gil)
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{1, 1, 100}, 1},
	} {
		in := append([]float64(nil), tc.in...)
		if got := results.Median(in); got != tc.want {
			t.Errorf("Median(%v): got %v, want %v", tc.in, got, tc.want)
		}
		if !reflect.DeepEqual(in, tc.in) {
			t.Errorf("Median(%v) modified its input to %v", tc.in, in)
		}
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{5.123, "ns/op", "5.12 ns"},
		{22, "ns/op", "22.0 ns"},
		{999.4, "ns/op", "999 ns"},
		{999.7, "ns/op", "1.00 µs"},
		{1250, "ns/task", "1.25 µs"},
		{44144864, "maxwait-ns", "44.1 ms"},
		{2074928549, "ns/op", "2.07 s"},
		{12.5, "B/op", "12.5 B/op"},
	} {
		if got := results.FormatValue(tc.v, tc.unit); got != tc.want {
			t.Errorf("FormatValue(%v, %q): got %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
	for _, tc := range []struct {
		r    float64
		want string
	}{{0.5, "0.50x"}, {1, "1.00x"}, {12.345, "12.35x"}, {140.4, "140x"}, {0.066, "0.066x"}, {0.000199, "0.00020x"}, {0.0000068, "0.0000068x"}} {
		if got := results.FormatRatio(tc.r); got != tc.want {
			t.Errorf("FormatRatio(%v): got %q, want %q", tc.r, got, tc.want)
		}
	}
}

func TestMachine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{}, "unknown CPU"},
		{map[string]string{"cpu": "AMD EPYC"}, "AMD EPYC"},
		{map[string]string{"cpu": "X", "cpu-model": "Y", "cores": "2", "goos": "linux", "goarch": "arm64", "go": "go1.26.8"},
			"Y, 2 cores, linux/arm64, go1.26.8"},
	} {
		if got := results.Machine(&results.Set{Config: tc.config}); got != tc.want {
			t.Errorf("Machine(%v): got %q, want %q", tc.config, got, tc.want)
		}
	}
}
