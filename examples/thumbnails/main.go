// Command thumbnails is the whole-program example of paddock's README: a
// main written with lifecycle.Run, an executor running image jobs, and
// images laid out in a caching arena, the seed's Pillow workload in Go.
//
// Run it from the repository root with `go run ./examples/thumbnails`.
package main

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/paddock-go/paddock/arena"
	"github.com/paddock-go/paddock/executor"
	"github.com/paddock-go/paddock/lifecycle"
)

func main() { os.Exit(lifecycle.Run(run)) }

// run gets a context cancelled on SIGINT or SIGTERM. When it returns,
// lifecycle.Run finalizes the default runtime: the executor registered its
// shutdown there, so its workers are joined before the program exits.
func run(ctx context.Context) error {
	images, err := arena.New(arena.Config{BlockSize: 1 << 20, BlocksMax: 64})
	if err != nil {
		return err
	}
	pool, err := executor.New(executor.WithMaxWorkers(4), executor.WithName("thumb"))
	if err != nil {
		return err
	}
	sides := slices.Values([]int{512, 1024, 1536, 2048, 512, 1024})
	render := func(ctx context.Context, side int) (string, error) {
		img, err := images.NewArray(side, side*4) // RGB, 4 bytes a pixel
		if err != nil {
			return "", err
		}
		defer img.Release()
		for y := range side {
			img.Row(y)[0] = byte(y) // touch every row, as Pillow's load() does
		}
		return fmt.Sprintf("%d² in %d blocks", side, img.BlockCount()), nil
	}
	for line, err := range executor.Map(ctx, pool, sides, render, executor.MapOptions{BufferSize: 4}) {
		if err != nil {
			return err
		}
		fmt.Println(line)
	}
	st := images.Stats()
	fmt.Printf("blocks: %d allocated, %d reused, %d cached\n", st.AllocatedBlocks, st.ReusedBlocks, st.BlocksCached)
	return nil
}
