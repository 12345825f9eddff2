package arena_test

import "github.com/paddock-go/paddock/arena"

// The entry points issue 2 asks to keep, with their exact signatures: this
// file stops compiling if one is renamed or changes type.
var (
	_ func(arena.Config) (*arena.Arena, error)           = arena.New
	_ func() *arena.Arena                                = arena.Default
	_ func(*arena.Arena, int) (*arena.Block, error)      = (*arena.Arena).Get
	_ func(*arena.Arena, int) (*arena.Block, error)      = (*arena.Arena).GetZeroed
	_ func(*arena.Block) []byte                          = (*arena.Block).Bytes
	_ func(*arena.Arena, *arena.Block)                   = (*arena.Arena).Put
	_ func(*arena.Arena) arena.Stats                     = (*arena.Arena).Stats
	_ func(*arena.Arena)                                 = (*arena.Arena).ResetStats
	_ func(*arena.Arena, int) error                      = (*arena.Arena).SetBlocksMax
	_ func(*arena.Arena, int) error                      = (*arena.Arena).SetBlockSize
	_ func(*arena.Arena, int) error                      = (*arena.Arena).SetAlignment
	_ func(*arena.Arena, int) error                      = (*arena.Arena).ClearCache
	_ func(*arena.Arena, int, int) (*arena.Array, error) = (*arena.Arena).NewArray
	_ func(*arena.Array, int) []byte                     = (*arena.Array).Row
	_ func(*arena.Array)                                 = (*arena.Array).Release
	_ error                                              = arena.ErrExhausted

	_ = arena.Config{Alignment: int(1), BlockSize: int(4096), BlocksMax: int(0), MaxInUseBytes: int64(0), Poison: false}
)
