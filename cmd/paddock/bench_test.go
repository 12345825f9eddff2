package main

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFindModuleRoot(t *testing.T) {
	// Not parallel: it reads the working directory, cmd/paddock.
	root, err := findModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if root != want {
		t.Errorf("got %s, want %s", root, want)
	}
}

func TestDeclaresModule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		want          bool
	}{
		{"plain", "module github.com/paddock-go/paddock\n\ngo 1.25\n", true},
		{"quoted", "// comment\nmodule \"github.com/paddock-go/paddock\"\n", true},
		{"bench", "module github.com/paddock-go/paddock/bench\n", false},
		{"other", "module example.com/x\n", false},
	} {
		path := filepath.Join(dir, tc.name+".mod")
		if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := declaresModule(path, paddockModule); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if declaresModule(filepath.Join(dir, "missing.mod"), paddockModule) {
		t.Error("missing file: got true, want false")
	}
}

// TestRunBench runs `paddock bench` for real: it builds bench/cmd/report and
// runs it from this directory. -from with a path relative to the caller
// redraws the bench module's sample results into -out (the table printed,
// latest.md and a PNG per component written); a usage error of the report
// is a usage error of paddock (exit status 2); -h is a success.
func TestRunBench(t *testing.T) {
	// Not parallel: it reads the working directory, cmd/paddock.
	if testing.Short() {
		t.Skip("builds the bench module's report command")
	}
	ctx := context.Background()
	sample := filepath.Join("..", "..", "bench", "internal", "results", "testdata", "sample.txt")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := runBench(ctx, []string{"-from", sample, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("-from: got %v, want success; stderr:\n%s", err, stderr.String())
	}
	if got, want := stdout.String(), "Machine: AMD EPYC 7B13, 2 cores"; !strings.HasPrefix(got, want) {
		t.Errorf("-from: got table %q..., want it to start with %q", got[:min(len(got), 60)], want)
	}
	if !strings.Contains(stdout.String(), "| paddock | syncpool |") {
		t.Errorf("-from: got no paddock / syncpool table in\n%s", stdout.String())
	}
	for _, name := range []string{"latest.md", "arena.png", "gil.png"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".png") {
			if _, err := png.DecodeConfig(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}

	stderr.Reset()
	err := runBench(ctx, []string{"-cpu", "0"}, io.Discard, &stderr)
	var ue *usageError
	if !errors.As(err, &ue) || exitCode(err) != 2 {
		t.Errorf("-cpu 0: got %v (exit %d), want a usage error (exit 2)", err, exitCode(err))
	}
	if !strings.Contains(stderr.String(), "-cpu") {
		t.Errorf("-cpu 0: got stderr %q, want the report's message about -cpu", stderr.String())
	}

	stderr.Reset()
	if err := runBench(ctx, []string{"-h"}, io.Discard, &stderr); err != nil || exitCode(err) != 0 {
		t.Errorf("-h: got %v, want success", err)
	}
	if !strings.Contains(stderr.String(), "-full") {
		t.Errorf("-h: got %q, want the report's flags", stderr.String())
	}
}

// TestBenchCutShortExits130: a bench run cut short by a signal (ctx ended
// while the report runs, blocked here on reading a named pipe) exits 130.
// It exited 1: the killed report was taken for a failure (found by a
// review). Were ctx to end while the report is still being built, the
// status would be 130 too.
func TestBenchCutShortExits130(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(5*time.Second, cancel) // the "signal"
	err := runBench(ctx, []string{"-from", fifo, "-out", t.TempDir()}, io.Discard, io.Discard)
	if got := exitStatus(ctx, err); got != 130 {
		t.Errorf("bench cut short: exitStatus = %d (err %v), want 130", got, err)
	}
}
