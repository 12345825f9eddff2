package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paddock-go/paddock/internal/scenario"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// fixedReport is a verify report with every kind of verdict, built by hand
// so that the rendering can be compared byte for byte.
func fixedReport() verifyReport {
	kinds := func(counts ...scenario.Count) []scenario.Count { return counts }
	return verifyReport{
		Mode: "quick", Seed: 42, GOMAXPROCS: 2,
		Results: []scenario.Result{
			{Scenario: "arena", Impl: scenario.Naive, Workers: 20, Rounds: 40, RoundsDone: 40, Seed: 42, Ops: 800,
				Violations: kinds(scenario.Count{Kind: "lost blocks", N: 12}, scenario.Count{Kind: "two owners", N: 3}, scenario.Count{Kind: "hang", N: 0}),
				Samples:    []string{"lost blocks: after round 0: allocated 9054 != in use 0 + cached 96 + freed 8959", "two owners: image 22", "two owners: image 30"},
				PeakBytes:  148_897_792, Elapsed: 1234 * time.Millisecond},
			{Scenario: "arena", Impl: scenario.Paddock, Workers: 20, Rounds: 40, RoundsDone: 40, Seed: 42, Ops: 800,
				Violations: kinds(scenario.Count{Kind: "lost blocks"}, scenario.Count{Kind: "two owners"}, scenario.Count{Kind: "hang"}),
				PeakBytes:  140_000_000, Elapsed: 987 * time.Millisecond},
			{Scenario: "freelist", Impl: scenario.Naive, Workers: 8, Rounds: 600, RoundsDone: 600, Seed: 42, Ops: 9_600_000,
				Violations: kinds(scenario.Count{Kind: "two owners"}, scenario.Count{Kind: "panic"}),
				PeakBytes:  900, Elapsed: 2 * time.Second},
			{Scenario: "freelist", Impl: scenario.Paddock, Workers: 8, Rounds: 600, RoundsDone: 600, Seed: 42, Ops: 9_600_000,
				Violations: kinds(scenario.Count{Kind: "two owners", N: 1}, scenario.Count{Kind: "panic"}),
				Samples:    []string{"two owners: worker 3 got an object worker 5 holds"},
				PeakBytes:  4 << 20, Elapsed: 2500 * time.Millisecond},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendering:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestRenderGolden(t *testing.T) {
	clean := fixedReport()
	clean.Results[3].Violations = []scenario.Count{{Kind: "two owners"}, {Kind: "panic"}}
	clean.Results[3].Samples = nil
	clean.OK = paddockClean(clean.Results)
	clean.Summary = summarize(clean)
	failed := fixedReport()
	failed.OK = paddockClean(failed.Results)
	failed.Summary = summarize(failed)
	raced := verifyReport{Mode: "full", Seed: 1, GOMAXPROCS: 8, Note: raceSkipNote, OK: true, Results: clean.Results[1:2]}
	raced.Summary = summarize(raced)
	sched := failed
	sched.Results = failed.Results[2:]
	sched.Sched = "PADDOCK_SCHED='seed=42,p=0.5,action=yield,filter=freelist.'"
	sched.sizes = "--rounds 600 --workers 8"
	sched.Summary = summarize(sched)
	tests := []struct {
		name string
		rep  verifyReport
	}{
		{"table_ok.golden", clean},
		{"table_failed.golden", failed},
		{"table_race.golden", raced},
		{"table_sched.golden", sched},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := renderTable(&buf, tt.rep); err != nil {
			t.Fatal(err)
		}
		golden(t, tt.name, buf.Bytes())
	}
	var buf bytes.Buffer
	if err := renderJSON(&buf, failed); err != nil {
		t.Fatal(err)
	}
	golden(t, "verify.json.golden", buf.Bytes())
}

func TestVerdict(t *testing.T) {
	t.Parallel()
	some := []scenario.Count{{Kind: "x", N: 2}}
	none := []scenario.Count{{Kind: "x"}}
	tests := []struct {
		r    scenario.Result
		want string
	}{
		{scenario.Result{Impl: scenario.Paddock, Violations: none}, "ok"},
		{scenario.Result{Impl: scenario.Paddock, Violations: some}, "FAILED"},
		{scenario.Result{Impl: scenario.Naive, Violations: some}, "race reproduced"},
		{scenario.Result{Impl: scenario.Naive, Rounds: 8, RoundsDone: 7, Violations: none}, "not reproduced in 7 rounds"},
		{scenario.Result{Impl: scenario.Naive, Rounds: 1, RoundsDone: 1, Violations: none}, "not reproduced in 1 round"},
	}
	for _, tt := range tests {
		if got := verdict(tt.r); got != tt.want {
			t.Errorf("verdict(%+v) = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{nil, "no command given"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"verify", "--scenario", "nope"}, `--scenario "nope"`},
		{[]string{"verify", "--impl", "java"}, `--impl "java"`},
		{[]string{"verify", "--rounds", "-1"}, "--rounds and --workers"},
		{[]string{"verify", "--quick", "--full"}, "exclude each other"},
		{[]string{"verify", "--no-such-flag"}, "flag provided but not defined"},
		{[]string{"verify", "--rounds", "many"}, "invalid value"},
		{[]string{"verify", "extra"}, `unexpected argument "extra"`},
	}
	if raceEnabled {
		tests = append(tests, struct {
			args []string
			want string
		}{[]string{"verify", "--impl", "naive"}, "nothing to run"})
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tt.args, &stdout, &stderr)
		if got := exitCode(err); got != 2 {
			t.Errorf("run(%q): exit %d (%v), want 2", tt.args, got, err)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("run(%q): stderr %q, want it to contain %q", tt.args, stderr.String(), tt.want)
		}
	}
}

// TestSummarize: the summary says when paddock did not run, names every
// workload it failed with a command rerunning it, and names each naive port
// that ran without reproducing its race.
func TestSummarize(t *testing.T) {
	t.Parallel()
	some := []scenario.Count{{Kind: "x", N: 1}}
	none := []scenario.Count{{Kind: "x"}}
	tests := []struct {
		name string
		rep  verifyReport
		want []string // each in some line, in order
	}{
		{"naive only, reproduced", verifyReport{Results: []scenario.Result{{Scenario: "gil", Impl: scenario.Naive, Violations: some}}},
			[]string{"paddock: not run."}},
		{"naive not reproduced", verifyReport{Results: []scenario.Result{
			{Scenario: "arena", Impl: scenario.Naive, RoundsDone: 40, Violations: none},
			{Scenario: "arena", Impl: scenario.Paddock, Violations: none}}},
			[]string{"naive: the arena race was not reproduced in 40 rounds", "paddock: no violation."}},
		{"paddock failed twice", verifyReport{Seed: 3, sizes: "--full", Results: []scenario.Result{
			{Scenario: "arena", Impl: scenario.Paddock, Violations: some},
			{Scenario: "gil", Impl: scenario.Paddock, Violations: some}}},
			[]string{"paddock: FAILED in arena, gil.",
				"rerun: go run ./cmd/paddock verify --scenario arena --impl paddock --seed 3 --full",
				"rerun: go run ./cmd/paddock verify --scenario gil --impl paddock --seed 3 --full",
				"a rerun may pass"}},
	}
	for _, tt := range tests {
		got := summarize(tt.rep)
		i := 0
		for _, line := range got {
			if i < len(tt.want) && strings.Contains(line, tt.want[i]) {
				i++
			}
		}
		if i < len(tt.want) {
			t.Errorf("%s: summary %q lacks %q (in order)", tt.name, got, tt.want[i])
		}
	}
}

func TestPaddockClean(t *testing.T) {
	t.Parallel()
	some := []scenario.Count{{Kind: "x", N: 1}}
	none := []scenario.Count{{Kind: "x"}}
	tests := []struct {
		results []scenario.Result
		want    bool
	}{
		{nil, true},
		{[]scenario.Result{{Impl: scenario.Naive, Violations: some}, {Impl: scenario.Paddock, Violations: none}}, true},
		{[]scenario.Result{{Impl: scenario.Naive, Violations: none}, {Impl: scenario.Paddock, Violations: some}}, false},
	}
	for _, tt := range tests {
		if got := paddockClean(tt.results); got != tt.want {
			t.Errorf("paddockClean(%+v) = %v, want %v", tt.results, got, tt.want)
		}
	}
}

// TestHelpExits0: -h prints the flags and is not a usage error.
func TestHelpExits0(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"verify", "-h"}, &stdout, &stderr)
	if got := exitCode(err); got != 0 {
		t.Errorf("verify -h: exit %d (%v), want 0", got, err)
	}
	for _, flag := range []string{"-scenario", "-impl", "-rounds", "-workers", "-seed", "-quick", "-full", "-json", "-encode"} {
		if !strings.Contains(stderr.String(), flag) {
			t.Errorf("verify -h does not list %s:\n%s", flag, stderr.String())
		}
	}
}

// TestProgress: on a terminal the bar is redrawn in place with the rounds
// done; elsewhere each job gets a plain start line and a result line, no
// control characters.
func TestProgress(t *testing.T) {
	t.Parallel()
	res := scenario.Result{Scenario: "gil", Impl: scenario.Paddock, Rounds: 4, RoundsDone: 4, Violations: []scenario.Count{{Kind: "hang"}}}
	for _, tty := range []bool{true, false} {
		var buf bytes.Buffer
		p := &progress{w: &buf, tty: tty}
		p.start("gil/paddock")
		p.update("gil/paddock", 2, 4)
		p.last = time.Time{} // let the next update draw at once
		p.update("gil/paddock", 4, 4)
		p.finish("gil/paddock", res, nil)
		out := buf.String()
		final := "verify: gil/paddock: 4 rounds, none, 0s: ok\n"
		if !strings.HasSuffix(out, final) {
			t.Errorf("tty %v: output %q does not end with %q", tty, out, final)
		}
		if tty {
			if !strings.Contains(out, "\r\033[K") || !strings.Contains(out, "[==============================] 4/4 rounds") {
				t.Errorf("tty: output %q lacks the bar redrawn in place at 4/4", out)
			}
		} else if want := "verify: gil/paddock ...\n" + final; out != want {
			t.Errorf("not a tty: output %q, want %q", out, want)
		}
	}
}

// TestProgressStopped: a run cut short says how far it got and why, with
// no verdict.
func TestProgressStopped(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := &progress{w: &buf}
	res := scenario.Result{Scenario: "arena", Impl: scenario.Paddock, Rounds: 40, RoundsDone: 3, Violations: []scenario.Count{{Kind: "hang"}}}
	p.finish("arena/paddock", res, context.Canceled)
	if want := "verify: arena/paddock: stopped after 3 of 40 rounds, 0s: context canceled\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{flag.ErrHelp, 0},
		{usagef("bad"), 2},
		{errFailed, 1},
		{errors.New("boom"), 1},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestVerifyPaddockRuns runs a tiny verify end to end on paddock: it exits
// 0, prints the table with "ok", and, under -race, says why the naive ports
// were skipped.
func TestVerifyPaddockRuns(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"verify", "--scenario", "freelist", "--rounds", "2", "--workers", "2"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "freelist  paddock") || !strings.Contains(out, " ok\n") {
		t.Errorf("stdout lacks the paddock row with verdict ok:\n%s", out)
	}
	if strings.Contains(out, "freelist  naive") == raceEnabled {
		t.Errorf("race build %v, naive row present %v: want the naive row exactly when not under -race:\n%s",
			raceEnabled, !raceEnabled, out)
	}
	if raceEnabled && !strings.Contains(out, "naive ports skipped") {
		t.Errorf("under -race the output does not say why naive was skipped:\n%s", out)
	}
	if !strings.Contains(stderr.String(), "verify: freelist/paddock") {
		t.Errorf("stderr lacks a progress line:\n%s", stderr.String())
	}
}

func TestVerifyJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"verify", "--scenario", "freelist", "--impl", "paddock", "--rounds", "1", "--json"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("verify --json: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{`"ok": true`, `"verdict": "ok"`, `"scenario": "freelist"`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, stdout.String())
		}
	}
}

// TestVerifyStoppedEarly: when a run stops (here ctx is already cancelled,
// as by an interrupt), verify still prints the table of what finished and
// says it stopped early, and exits non-zero.
func TestVerifyStoppedEarly(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"verify", "--scenario", "freelist", "--impl", "paddock", "--rounds", "2"}, &stdout, &stderr)
	if got := exitCode(err); got != 1 {
		t.Errorf("exit %d (%v), want 1", got, err)
	}
	if !strings.Contains(stdout.String(), "SCENARIO") || !strings.Contains(stdout.String(), "stopped early: verify freelist/paddock: context canceled") {
		t.Errorf("stdout lacks the table or the early stop:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "stopped after 0 of 2 rounds") {
		t.Errorf("stderr lacks how far the run got:\n%s", stderr.String())
	}
}

// TestExitStatusAfterSignal: a run cut short by a signal exits 130, as
// lifecycle.Run's programs do; it exited 1. A usage error stays 2 and a run
// that finished stays 0.
func TestExitStatusAfterSignal(t *testing.T) {
	t.Parallel()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	failed := errors.New("verify arena/paddock: interrupt signal received")
	for _, tt := range []struct {
		ctx  context.Context
		err  error
		want int
	}{
		{ended, failed, 130},
		{context.Background(), failed, 1},
		{ended, errFailed, 1}, // a violation found stays the answer
		{ended, fmt.Errorf("verify: %w", errFailed), 1},
		{ended, usagef("bad flag"), 2},
		{ended, nil, 0},
	} {
		if got := exitStatus(tt.ctx, tt.err); got != tt.want {
			t.Errorf("exitStatus(ctx ended %v, %v) = %d, want %d", tt.ctx.Err() != nil, tt.err, got, tt.want)
		}
	}
}
