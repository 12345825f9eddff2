package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/paddock-go/paddock/lifecycle"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the program's body as lifecycle.Run would and finalizes the
// default runtime after it: the executor's workers must be joined by then,
// which goleak checks when the tests end. It checks what the program
// prints: the six images in input order with their block counts, and a
// last line that varies from run to run (how many blocks are reused depends
// on which images the four workers render at the same time) but always
// balances: every block handed out was made or reused, 36 in all, and every
// one made is cached at the end (64 may be). The default runtime can be
// finalized once per process, so with -count above 1 the later runs skip.
func TestRun(t *testing.T) {
	if lifecycle.Default().Begun() {
		t.Skip("the default runtime is already finalized: run the program once per process")
	}
	out := captureStdout(t, func() {
		if err := run(context.Background()); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	if err := lifecycle.Default().Finalize(context.Background()); err != nil {
		t.Fatalf("Finalize: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"512² in 1 blocks", "1024² in 4 blocks", "1536² in 10 blocks", "2048² in 16 blocks", "512² in 1 blocks", "1024² in 4 blocks"}
	if len(lines) != len(want)+1 {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want)+1, out)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d: got %q, want %q", i+1, lines[i], w)
		}
	}
	var made, reused, cached int
	if _, err := fmt.Sscanf(lines[len(want)], "blocks: %d allocated, %d reused, %d cached", &made, &reused, &cached); err != nil {
		t.Fatalf("last line %q: %v", lines[len(want)], err)
	}
	if made+reused != 36 || cached != made {
		t.Errorf("got %d allocated, %d reused, %d cached; want allocated+reused = 36 blocks handed out, and every block made cached", made, reused, cached)
	}
}

// captureStdout returns what f writes to os.Stdout.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	read := make(chan string)
	go func() {
		data, _ := io.ReadAll(r)
		read <- string(data)
	}()
	f()
	os.Stdout = saved
	w.Close()
	out := <-read
	r.Close()
	return out
}
