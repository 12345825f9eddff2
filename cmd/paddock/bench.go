package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// paddockModule is the module path of the repository root.
const paddockModule = "github.com/paddock-go/paddock"

// runBench runs `paddock bench`: it builds the bench module's report command
// (bench/cmd/report) and runs it, passing args through, so that the peers
// and the plotting library stay in bench/go.mod and never enter paddock's.
// The report runs the benchmarks in bench/, writes bench/results/ and prints
// the table; see its doc for the flags (`paddock bench -h`). It runs in the
// caller's working directory, so that the paths of -from and -out mean what
// they say (the report finds bench/ from there, as runBench did).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root, err := findModuleRoot()
	if err != nil {
		return err
	}
	benchDir := filepath.Join(root, "bench")
	tmp, err := os.MkdirTemp("", "paddock-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// Built rather than `go run`, which turns every failure into exit
	// status 1: the report's own status tells a usage error (2) apart.
	report := filepath.Join(tmp, "report")
	build := exec.CommandContext(ctx, "go", "build", "-o", report, "./cmd/report")
	build.Dir, build.Stdout, build.Stderr = benchDir, stderr, stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("bench: building bench/cmd/report: %w", err)
	}
	cmd := exec.CommandContext(ctx, report, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Env = append(os.Environ(), "PADDOCK_BENCH_PROG=paddock bench") // its usage and messages name this command
	err = cmd.Run()
	if ctx.Err() != nil { // a signal stopped the report: not a failure of its own
		return fmt.Errorf("bench: %w", context.Cause(ctx))
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == 2:
		return usagef("bench: invalid arguments (see above)")
	case errors.As(err, &exit):
		return errFailed // the report said why on stderr
	}
	return err
}

// findModuleRoot returns the directory of paddock's go.mod that has the
// bench module beside it: the working directory or one of its parents.
func findModuleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if declaresModule(filepath.Join(dir, "go.mod"), paddockModule) {
			if _, err := os.Stat(filepath.Join(dir, "bench", "go.mod")); err == nil {
				return dir, nil
			}
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("bench: no checkout of %s with its bench module in or above %s", paddockModule, wd)
		}
	}
}

// declaresModule reports whether the go.mod at path declares module mod.
func declaresModule(path, mod string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`) == mod
		}
	}
	return false
}
