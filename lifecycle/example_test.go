package lifecycle_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/paddock-go/paddock/lifecycle"
)

// Run is the way to write a main: func main() { os.Exit(lifecycle.Run(run)) }.
// Here RunWith uses a private runtime so the example can run in a test.
func ExampleRun() {
	rt := lifecycle.New()
	run := func(ctx context.Context) error {
		if err := rt.AtExit(func(context.Context) error {
			fmt.Println("flushing logs")
			return nil
		}); err != nil {
			return err
		}
		return rt.Go("upload", func(*lifecycle.Thread) {
			time.Sleep(10 * time.Millisecond)
			fmt.Println("upload finished") // Finalize waits for it
		})
	}
	code := lifecycle.RunWith(lifecycle.Options{
		Runtime: rt,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, run)
	fmt.Println("exit code", code)
	_ = rt.Reap(context.Background())
	// Output:
	// upload finished
	// flushing logs
	// exit code 0
}

// A daemon worker runs until the program ends; Finalize does not wait for
// it, and stops it at its next safe point (here Thread.Sleep) after the
// AtExit hooks ran.
func ExampleRuntime_GoDaemon() {
	rt := lifecycle.New()
	ticks := make(chan int, 100)
	_ = rt.GoDaemon("ticker", func(t *lifecycle.Thread) {
		for i := 0; ; i++ {
			ticks <- i
			t.Sleep(time.Millisecond) // wakes and stops at finalization
		}
	})
	<-ticks
	err := rt.Finalize(context.Background())
	fmt.Println("finalized:", err, rt.Finalizing())
	for rt.Stopped() == 0 {
		time.Sleep(time.Millisecond)
	}
	fmt.Println("daemons stopped:", rt.Stopped())
	_ = rt.Reap(context.Background()) // only tests need this
	// Output:
	// finalized: <nil> true
	// daemons stopped: 1
}
