package arena_test

import (
	"errors"
	"fmt"
	"log/slog"
	"unsafe"

	"github.com/paddock-go/paddock/arena"
)

func Example() {
	a, err := arena.New(arena.Config{BlocksMax: 64, BlockSize: 4096})
	if err != nil {
		panic(err)
	}
	for range 2 { // two 256x256 RGB images, 4 bytes a pixel
		img, err := a.NewArray(256, 256*4)
		if err != nil {
			panic(err)
		}
		img.Row(0)[0] = 0xFF
		img.Release()
	}
	st := a.Stats()
	fmt.Println("allocated", st.AllocatedBlocks, "reused", st.ReusedBlocks, "cached", st.BlocksCached)
	// Output: allocated 64 reused 64 cached 64
}

func ExampleArena_Get() {
	a, _ := arena.New(arena.Config{BlocksMax: 8})
	b, err := a.GetZeroed(1024)
	if err != nil {
		panic(err)
	}
	buf := b.Bytes()
	copy(buf, "hello")
	fmt.Println(len(buf), string(buf[:5]))
	a.Put(b)
	// Output: 1024 hello
}

func ExampleArena_NewArray() {
	a, _ := arena.New(arena.Config{Alignment: 16, BlockSize: 4096})
	img, err := a.NewArray(100, 100) // 100 rows of 100 bytes, 16-byte aligned
	if err != nil {
		panic(err)
	}
	defer img.Release()
	fmt.Println(img.Lines(), len(img.Row(99)), img.BlockCount())
	// Output: 100 100 3
}

func ExampleArena_Stats() {
	a, _ := arena.New(arena.Config{BlocksMax: 2})
	var bs []*arena.Block
	for range 3 {
		b, _ := a.Get(64)
		bs = append(bs, b)
	}
	for _, b := range bs {
		a.Put(b)
	}
	st := a.Stats()
	fmt.Println(st.AllocatedBlocks, "=", st.InUseBlocks, "+", st.BlocksCached, "+", st.FreedBlocks)
	a.ResetStats()
	fmt.Println(a.Stats().AllocatedBlocks, a.Stats().BlocksCached)
	// Output:
	// 3 = 0 + 2 + 1
	// 0 2
}

func ExampleArena_SetBlocksMax() {
	a, _ := arena.New(arena.Config{})
	fmt.Println(a.SetBlocksMax(-1))
	fmt.Println(a.SetBlocksMax(16), a.BlocksMax())
	// Output:
	// arena: BlocksMax is -1: blocks_max should be greater than 0 (0 to 134217727)
	// <nil> 16
}

func ExampleArena_ClearCache() {
	a, _ := arena.New(arena.Config{BlocksMax: 10})
	var bs []*arena.Block
	for range 10 {
		b, _ := a.Get(64)
		bs = append(bs, b)
	}
	for _, b := range bs {
		a.Put(b)
	}
	_ = a.ClearCache(4)
	fmt.Println(a.Stats().BlocksCached, a.Stats().FreedBlocks)
	// Output: 4 6
}

func ExampleConfig_maxInUseBytes() {
	a, _ := arena.New(arena.Config{MaxInUseBytes: 1 << 20})
	b, _ := a.Get(800 << 10)
	_, err := a.Get(800 << 10)
	fmt.Println(errors.Is(err, arena.ErrExhausted))
	a.Put(b)
	// Output: true
}

func ExampleParseSize() {
	for _, s := range []string{"2K", "2m", "64", "wat"} {
		n, err := arena.ParseSize(s)
		fmt.Println(n, err)
	}
	// Output:
	// 2048 <nil>
	// 2097152 <nil>
	// 64 <nil>
	// 0 arena: "wat" is not an integer with an optional k or m suffix
}

func ExampleDefault() {
	a := arena.Default() // configured by PADDOCK_ALIGNMENT, PADDOCK_BLOCK_SIZE, PADDOCK_BLOCKS_MAX
	img, err := a.NewArray(16, 64)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(img.Row(15)))
	img.Release()
	// Output: 64
}

func ExampleFromEnv() {
	env := map[string]string{"PADDOCK_BLOCK_SIZE": "4m", "PADDOCK_BLOCKS_MAX": "2K", "PADDOCK_ALIGNMENT": "3"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	// Warnings go to the logger; this one drops them (PADDOCK_ALIGNMENT=3
	// is not a power of two, so Alignment keeps its default).
	cfg := arena.FromEnv(lookup, slog.New(slog.DiscardHandler))
	fmt.Println(cfg.Alignment, cfg.BlockSize, cfg.BlocksMax)
	// Output: 1 4194304 2048
}

func ExampleArena_SetAlignment() {
	a, _ := arena.New(arena.Config{})
	fmt.Println(a.SetAlignment(3))
	fmt.Println(a.SetBlockSize(4000))
	_ = a.SetAlignment(64)
	_ = a.SetBlockSize(8192)
	img, _ := a.NewArray(4, 100)
	defer img.Release()
	fmt.Println(uintptr(unsafe.Pointer(&img.Row(3)[0]))%64, a.BlockSize())
	// Output:
	// arena: Alignment is 3: alignment should be power of two (1 to 128)
	// arena: BlockSize is 4000: block_size should be multiple of 4096
	// 0 8192
}
