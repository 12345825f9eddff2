package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
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
	for _, tc := range []struct{ file, want string }{
		{empty, "no benchmark results"},
		{bad, "line 1"},
		{filepath.Join(dir, "missing.txt"), "no such file"},
	} {
		err := run(context.Background(), []string{"-from", tc.file, "-out", dir}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", filepath.Base(tc.file), err, tc.want)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-cpu", "1,,2"},
		{"-cpu", "0"},
		{"-count", "-1"},
		{"-bench", "("},
		{"-nosuchflag"},
		{"extra"},
		{"-from", "x.txt", "-full"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if !errors.As(err, new(usageError)) {
			t.Errorf("%q: got %v, want a usage error", args, err)
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
			{`^BenchmarkExecutor$/^load=burst1M$`, "1x", 1},
			{`^BenchmarkExecutorShutdown$`, "1x", 1},
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
	if got, want := modeLine(o, plan(o)), "quick (-cpu 1,2,8, -benchtime 100ms×1 / 1x×1)"; got != want {
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
