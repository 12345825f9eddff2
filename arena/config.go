package arena

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Defaults and limits, Pillow's (src/libImaging/Storage.c, _imaging.c).
const (
	DefaultAlignment = 1                  // bytes; rows start at any address
	DefaultBlockSize = 16 << 20           // 16 MiB
	MaxAlignment     = 128                // largest accepted Alignment
	BlockSizeUnit    = 4096               // BlockSize must be a multiple of this
	MaxBlocksMax     = math.MaxInt32 / 16 // Pillow's bound on a 32-bit size_t
)

// Config configures an [Arena]. Its zero value is Pillow's default arena:
// alignment 1, 16 MiB blocks, no cache, no in-use cap, no poisoning.
// A Config is a plain value and may be copied freely.
type Config struct {
	// Alignment of every row of an [Array], in bytes: a power of two from 1
	// to 128. 0 means DefaultAlignment.
	Alignment int
	// BlockSize is the largest block an [Array] is laid into, and the
	// largest block the cache keeps: above 0 and a multiple of 4096.
	// 0 means DefaultBlockSize.
	BlockSize int
	// BlocksMax bounds the number of cached blocks, 0 to MaxBlocksMax.
	// 0 disables the cache: every returned block is dropped (freed).
	BlocksMax int
	// MaxInUseBytes, when above 0, caps the bytes handed out and not yet
	// returned (the sum of len(Bytes()) of outstanding blocks). Get and
	// NewArray return ErrExhausted rather than exceed it.
	MaxInUseBytes int64
	// Poison fills every returned block with 0xDD and checks the pattern
	// when the block is handed out again; a write after Put panics. Meant for
	// tests and debugging: it costs a pass over the block on Put and Get.
	Poison bool
}

// ErrExhausted is returned (wrapped) by Get, GetZeroed and NewArray when
// handing out the request would exceed Config.MaxInUseBytes.
var ErrExhausted = errors.New("arena: MaxInUseBytes exhausted")

func (c Config) withDefaults() Config {
	if c.Alignment == 0 {
		c.Alignment = DefaultAlignment
	}
	if c.BlockSize == 0 {
		c.BlockSize = DefaultBlockSize
	}
	return c
}

func (c Config) validate() error {
	if err := checkAlignment(c.Alignment); err != nil {
		return err
	}
	if err := checkBlockSize(c.BlockSize); err != nil {
		return err
	}
	if err := checkBlocksMax(c.BlocksMax); err != nil {
		return err
	}
	if c.MaxInUseBytes < 0 {
		return fmt.Errorf("arena: MaxInUseBytes is %d: want 0 (no cap) or more", c.MaxInUseBytes)
	}
	return nil
}

// The messages after the colon are Pillow's, so users of both recognise them;
// the part before names our field and the allowed range.

func checkAlignment(n int) error {
	if n < 1 || n > MaxAlignment {
		return fmt.Errorf("arena: Alignment is %d: alignment should be from 1 to 128", n)
	}
	if n&(n-1) != 0 {
		return fmt.Errorf("arena: Alignment is %d: alignment should be power of two (1 to 128)", n)
	}
	return nil
}

func checkBlockSize(n int) error {
	if n <= 0 {
		return fmt.Errorf("arena: BlockSize is %d: block_size should be greater than 0 (a multiple of 4096)", n)
	}
	if n%BlockSizeUnit != 0 {
		return fmt.Errorf("arena: BlockSize is %d: block_size should be multiple of 4096", n)
	}
	return nil
}

func checkBlocksMax(n int) error {
	if n < 0 {
		return fmt.Errorf("arena: BlocksMax is %d: blocks_max should be greater than 0 (0 to %d)", n, MaxBlocksMax)
	}
	if n > MaxBlocksMax {
		return fmt.Errorf("arena: BlocksMax is %d: blocks_max is too large (0 to %d)", n, MaxBlocksMax)
	}
	return nil
}

// ParseSize reads a count or size the way Pillow reads PILLOW_BLOCK_SIZE and
// friends, for the usual forms: a decimal integer with an optional sign,
// optionally followed by the unit suffix k (×1024) or m (×1024×1024),
// case-insensitive, surrounding spaces ignored (Python's int also takes
// "1_000", and a space before the suffix; ParseSize does not). "2K" is 2048, "2m" is 2097152. It does not check ranges (the
// setters do); it reports a value that does not fit an int as an error.
func ParseSize(s string) (int, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	unit := 1
	switch {
	case strings.HasSuffix(v, "k"):
		unit, v = 1<<10, v[:len(v)-1]
	case strings.HasSuffix(v, "m"):
		unit, v = 1<<20, v[:len(v)-1]
	}
	n, err := strconv.Atoi(v)
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("arena: %q is out of range", s)
	}
	if err != nil {
		return 0, fmt.Errorf("arena: %q is not an integer with an optional k or m suffix", s)
	}
	if n > math.MaxInt/unit || n < math.MinInt/unit {
		return 0, fmt.Errorf("arena: %q is out of range", s)
	}
	return n * unit, nil
}

// Environment variables read by [Default] and [FromEnv].
const (
	EnvAlignment = "PADDOCK_ALIGNMENT"
	EnvBlockSize = "PADDOCK_BLOCK_SIZE"
	EnvBlocksMax = "PADDOCK_BLOCKS_MAX"
)

// FromEnv returns the default Config adjusted by PADDOCK_ALIGNMENT,
// PADDOCK_BLOCK_SIZE and PADDOCK_BLOCKS_MAX as found by lookup (os.LookupEnv
// for the process environment), read with [ParseSize]. A value that does not
// parse or is out of range keeps the default and is reported to logger (nil
// means slog.Default()) as a warning that names the variable and the reason.
func FromEnv(lookup func(string) (string, bool), logger *slog.Logger) Config {
	if logger == nil {
		logger = slog.Default()
	}
	cfg := Config{}.withDefaults()
	vars := []struct {
		name  string
		check func(int) error
		field *int
	}{
		{EnvAlignment, checkAlignment, &cfg.Alignment},
		{EnvBlockSize, checkBlockSize, &cfg.BlockSize},
		{EnvBlocksMax, checkBlocksMax, &cfg.BlocksMax},
	}
	for _, v := range vars {
		raw, ok := lookup(v.name)
		if !ok {
			continue
		}
		n, err := ParseSize(raw)
		if err == nil {
			err = v.check(n)
		}
		if err != nil {
			logger.Warn("arena: ignoring environment variable", "variable", v.name, "value", raw, "reason", err.Error())
			continue
		}
		*v.field = n
	}
	return cfg
}

var defaultArena = sync.OnceValue(func() *Arena {
	a, err := New(FromEnv(os.LookupEnv, nil))
	if err != nil {
		panic(err) // FromEnv only returns validated values
	}
	return a
})

// Default returns the process-wide arena, created on first use from
// [FromEnv] with the process environment (warnings go to slog.Default()).
// Like Pillow's ImagingDefaultArena its cache is off unless
// PADDOCK_BLOCKS_MAX or SetBlocksMax turns it on.
func Default() *Arena { return defaultArena() }
