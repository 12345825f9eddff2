package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// errFailed reports a failure already explained on the output (verify found
// a violation, or the bench report failed): exit status 1, nothing more
// printed.
var errFailed = errors.New("paddock: failed")

const usage = `usage: paddock <command> [flags]

commands:
  verify   run the seeds' reproducers against the racy ports and paddock
  bench    compare paddock with its peers: table and charts (bench/)
run 'paddock <command> -h' for the flags of a command
`

// exitCode maps run's error to the process exit status: 0 on success,
// 2 for usage errors, 1 for anything else.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

// run is the whole program: it dispatches args[0] to its subcommand and
// prints errors other than errFailed on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdout, stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errFailed) {
		fmt.Fprintf(stderr, "paddock: %v\n", err)
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	switch args[0] {
	case "verify":
		return runVerify(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usagef("unknown command %q", args[0])
}
