// Command paddock runs paddock's seed workloads against the original racy
// designs and against paddock (verify), and compares paddock with its
// peers (bench).
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/paddock-go/paddock/lifecycle"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	code := exitStatus(ctx, err)
	stop()
	os.Exit(code)
}

// exitStatus is exitCode, except that a run cut short by SIGINT or SIGTERM
// (ctx ended) exits with 130, as lifecycle.Run does. A violation found
// (errFailed) still exits 1: it is the answer, whatever came after.
func exitStatus(ctx context.Context, err error) int {
	code := exitCode(err)
	if code == 1 && ctx.Err() != nil && !errors.Is(err, errFailed) {
		return lifecycle.ExitInterrupt
	}
	return code
}
