package scenario

import (
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/paddock-go/paddock/arena"
	"github.com/paddock-go/paddock/internal/naive"
)

// Violation kinds of the arena scenario.
const (
	KindLostBlocks    = "lost blocks"       // blocks neither cached nor freed when nothing is outstanding
	KindTwoOwners     = "two owners"        // a block written by another caller while held
	KindCacheAboveMax = "cache above bound" // BlocksCached > BlocksMax
)

// The seed's image sides (Pillow's reproducer: 512², 1024², 1536², 2048²
// RGB at 4 bytes a pixel) and the arena settings the scenario uses. Small
// blocks make many get/return operations per image, which is where the
// unlocked cache races; the bound is below the blocks in flight so returns
// both fill the cache and free.
var arenaSides = [...]int{512, 1024, 1536, 2048}

const (
	arenaBlockSize = 16 << 10
	arenaBlocksMax = 96
	pixelBytes     = 4
)

var arenaScenario = Scenario{
	Name:  "arena",
	Kinds: []string{KindLostBlocks, KindTwoOwners, KindCacheAboveMax, KindPanic, KindHang},
	run:   runArena,
	defaults: func(full bool) (int, int) {
		if full {
			return 20, 1000
		}
		return 20, 40
	},
}

// imageArena is what the arena scenario needs of an arena: Pillow's
// Image.new (NewArray) and get_stats.
type imageArena interface {
	newImage(lines, linesize int) (image2D, error)
	counts() arenaCounts
}

// image2D is an image laid into arena blocks.
type image2D interface {
	Row(i int) []byte
	Release()
}

type arenaCounts struct {
	allocated, inUse, cached, freed, blocksMax int64
}

type paddockArena struct{ a *arena.Arena }

func (p paddockArena) newImage(lines, linesize int) (image2D, error) {
	return p.a.NewArray(lines, linesize)
}

func (p paddockArena) counts() arenaCounts {
	st := p.a.Stats()
	return arenaCounts{st.AllocatedBlocks, st.InUseBlocks, st.BlocksCached, st.FreedBlocks, int64(p.a.BlocksMax())}
}

// naiveArena adapts Pillow's port. Its stats have no in-use gauge (Pillow
// has none); the scenario reads them only when no image is outstanding.
type naiveArena struct{ a *naive.Arena }

func (n naiveArena) newImage(lines, linesize int) (image2D, error) {
	return n.a.NewArray(lines, linesize)
}

func (n naiveArena) counts() arenaCounts {
	st := n.a.Stats()
	return arenaCounts{st.AllocatedBlocks, 0, st.BlocksCached, st.FreedBlocks, arenaBlocksMax}
}

func newImageArena(impl Impl) (imageArena, error) {
	if impl == Naive {
		return naiveArena{naive.NewArena(naive.ArenaConfig{BlockSize: arenaBlockSize, BlocksMax: arenaBlocksMax})}, nil
	}
	return newPaddockArena()
}

// newPaddockArena makes the paddock side; the tests swap in a broken arena
// to show that the detectors catch one (export_test.go).
var newPaddockArena = func() (imageArena, error) {
	a, err := arena.New(arena.Config{BlockSize: arenaBlockSize, BlocksMax: arenaBlocksMax})
	if err != nil {
		return nil, err
	}
	return paddockArena{a}, nil
}

// Image states in the ownership ledger.
const (
	unused uint32 = iota
	live
	returned
)

// arenaRun is one run of the seed loop over one arena.
type arenaRun struct {
	ar     imageArena
	rep    *Report
	encode bool
	ledger []atomic.Uint32 // ledger[id] is the state of image id; written by its owner
	// inUse and gap are what checkCounts found after the last round: blocks
	// in use, and allocated - (in use + cached + freed). A lost block stays
	// lost, so only a change is a new violation.
	inUse, gap int64
}

// runArena is the seed's loop: for each round, Workers images (side
// arenaSides[i%4]) are made, every row touched, and released, all at once;
// after each round, with nothing outstanding, the arena's counts must
// conserve blocks and respect the bound. The seed varies the interleaving,
// as the thread pool's dispatch order varies in Pillow's reproducer: it
// rotates which worker makes which size each round and staggers the
// workers' starts by a few yields.
func runArena(ctx context.Context, cfg Config, rep *Report) error {
	ar, err := newImageArena(cfg.Impl)
	if err != nil {
		return err
	}
	run := &arenaRun{ar: ar, rep: rep, encode: cfg.Encode, ledger: make([]atomic.Uint32, cfg.Workers*cfg.Rounds+1)}
	deadline := cfg.Deadline
	if deadline == 0 {
		deadline = time.Minute
	}
	for round := range cfg.Rounds {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		rotate := rng(cfg.Seed, round, -1).IntN(len(arenaSides))
		ok, err := runWorkers(ctx, rep, cfg.Workers, deadline, fmt.Sprintf("arena round %d", round), func(w int) {
			rnd := rng(cfg.Seed, round, w)
			for range rnd.IntN(4) {
				runtime.Gosched()
			}
			side := arenaSides[(w+rotate)%len(arenaSides)]
			run.image(uint64(round*cfg.Workers+w+1), side)
		})
		if err != nil || !ok {
			return err
		}
		run.checkCounts(round)
		cfg.progress(round+1, cfg.Rounds)
	}
	return nil
}

// image makes one image, stamps every row with the image's id, optionally
// encodes it, checks that the stamps survived, and releases it. A row that
// does not read back as written was written by someone else while this
// caller held it. Each check reports at most one violation per image.
func (r *arenaRun) image(id uint64, side int) {
	img, err := r.ar.newImage(side, side*pixelBytes)
	if err != nil {
		panic(err)
	}
	r.rep.op(1)
	r.ledger[id].Store(live)
	var bad badRows
	for y := range side {
		row := img.Row(y)
		bad.check(y, binary.LittleEndian.Uint64(row), 0)
		binary.LittleEndian.PutUint64(row, id)
		binary.LittleEndian.PutUint64(row[len(row)-8:], id)
	}
	if bad.n > 0 {
		r.classify(id, bad.found, "%d rows of the new image not zeroed, first row %d", bad.n, bad.first)
	}
	if r.encode {
		encodeImage(img, side)
	}
	bad = badRows{}
	for y := range side {
		row := img.Row(y)
		bad.check(y, binary.LittleEndian.Uint64(row), id)
		bad.check(y, binary.LittleEndian.Uint64(row[len(row)-8:]), id)
	}
	if bad.n > 0 {
		r.classify(id, bad.found, "%d row stamps changed while held, first row %d", bad.n, bad.first)
	}
	r.ledger[id].Store(returned)
	img.Release()
}

// badRows counts rows whose stamp is not the one expected, and remembers
// the first.
type badRows struct {
	n, first int
	found    uint64
}

func (b *badRows) check(y int, got, want uint64) {
	if got == want {
		return
	}
	if b.n == 0 {
		b.first, b.found = y, got
	}
	b.n++
}

// classify records a stamp found where it should not be: another image's
// stamp, zero (another caller's NewArray cleared the block) or this image's
// own stamp in the wrong row all mean that one block was held by two owners
// at once. No owner writes after releasing its image, so a stamp is always
// written while its image held the block; the message says whether that
// image was released since.
func (r *arenaRun) classify(id, found uint64, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case found == id:
		r.rep.violation(KindTwoOwners, "image %d: %s: two of its own rows share memory (one block handed out twice)", id, msg)
	case found == 0:
		r.rep.violation(KindTwoOwners, "image %d: %s: cleared by another caller's new image", id, msg)
	case found < uint64(len(r.ledger)) && r.ledger[found].Load() == returned:
		r.rep.violation(KindTwoOwners, "image %d: %s: holds the stamp of image %d (released since)", id, msg, found)
	default:
		r.rep.violation(KindTwoOwners, "image %d: %s: holds the stamp of image %d", id, msg, found)
	}
}

// checkCounts checks conservation and the bound with nothing outstanding:
// every block allocated is now cached or freed. A block both lost and still
// counted in use (the seed's "permanently lost" block, on an arena with an
// in-use gauge) shows as blocks in use; the naive port has no gauge (its
// inUse is 0), and a lost block shows there as a sum that does not add up.
// Each count is of the rounds that lost blocks, not of the rounds after.
func (r *arenaRun) checkCounts(round int) {
	c := r.ar.counts()
	if c.inUse != 0 && c.inUse != r.inUse {
		r.rep.violation(KindLostBlocks, "after round %d: %d blocks in use with no image outstanding", round, c.inUse)
		r.inUse = c.inUse
	}
	if gap := c.allocated - (c.inUse + c.cached + c.freed); gap != 0 && gap != r.gap {
		r.rep.violation(KindLostBlocks, "after round %d: allocated %d != in use %d + cached %d + freed %d",
			round, c.allocated, c.inUse, c.cached, c.freed)
		r.gap = gap
	}
	if c.cached > c.blocksMax {
		r.rep.violation(KindCacheAboveMax, "after round %d: %d blocks cached, bound %d", round, c.cached, c.blocksMax)
	}
}

// encodeImage is the seed's resize and encode: a nearest-neighbour
// half-size copy of the image, PNG-encoded and discarded.
func encodeImage(img image2D, side int) {
	half := side / 2
	dst := image.NewRGBA(image.Rect(0, 0, half, half))
	for y := range half {
		src := img.Row(2 * y)
		out := dst.Pix[y*dst.Stride : y*dst.Stride+half*pixelBytes]
		for x := range half {
			copy(out[x*pixelBytes:(x+1)*pixelBytes], src[2*x*pixelBytes:])
		}
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(io.Discard, dst); err != nil {
		panic(err)
	}
}
