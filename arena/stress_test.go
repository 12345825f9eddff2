package arena_test

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/paddock-go/paddock/arena"
	"github.com/paddock-go/paddock/internal/schedpoint"
)

// imageArena is what the seed loop needs of an arena, so the same detector
// runs against paddock's arena and against internal/naive's port of Pillow's
// original one.
type imageArena interface {
	newImage(lines, linesize int) (image, error)
	// counts reports the block accounting; inUse is 0 for an arena that does
	// not track it (the detector checks it only when nothing is in flight).
	counts() (allocated, inUse, cached, freed, blocksMax int64)
}

type image interface {
	Row(i int) []byte
	Release()
}

// paddockImages makes the seed loop's images with NewArray, as the seed's
// Image.new does, or with NewArrayDirty when dirty is set.
type paddockImages struct {
	a     *arena.Arena
	dirty bool
}

func (p paddockImages) newImage(lines, linesize int) (image, error) {
	newArray := p.a.NewArray
	if p.dirty {
		newArray = p.a.NewArrayDirty
	}
	img, err := newArray(lines, linesize)
	if err != nil {
		return nil, err
	}
	return img, nil
}

func (p paddockImages) counts() (allocated, inUse, cached, freed, blocksMax int64) {
	st := p.a.Stats()
	return st.AllocatedBlocks, st.InUseBlocks, st.BlocksCached, st.FreedBlocks, int64(p.a.BlocksMax())
}

// seedLoop is the seed document's reproducer: workers each make square
// images of the sides in turn, at 4 bytes a pixel, touch every row, and
// release them. Touching a row writes an owner tag at both ends; before
// Release the worker yields and checks that every tag is still its own, so
// two callers handed the same memory are caught.
type seedLoop struct {
	workers, rounds int
	sides           []int
}

// run returns the violations it saw (at most a few of them): a tag changed
// by another caller, a panic inside the arena, blocks not conserved, or more
// cached than the bound. during, if not nil, runs repeatedly in another
// goroutine while the workers run and may report violations too.
func (l seedLoop) run(ar imageArena, during func() string) []string {
	var (
		mu         sync.Mutex
		violations []string
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(violations) < 6 {
			violations = append(violations, fmt.Sprintf(format, args...))
		}
	}
	var workers sync.WaitGroup
	for w := range l.workers {
		workers.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					report("worker %d: panic: %v", w, p)
				}
			}()
			for r := range l.rounds {
				if !l.round(ar, w, r, report) {
					return
				}
			}
		})
	}
	var monitor sync.WaitGroup
	stop := make(chan struct{})
	if during != nil {
		monitor.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if v := during(); v != "" {
					report("%s", v)
				}
				runtime.Gosched()
			}
		})
	}
	workers.Wait()
	close(stop)
	monitor.Wait()

	// The final checks are always reported, however many came before.
	violations = violations[:len(violations):len(violations)]
	report = func(format string, args ...any) { violations = append(violations, fmt.Sprintf(format, args...)) }
	allocated, inUse, cached, freed, blocksMax := ar.counts()
	if inUse != 0 {
		report("%d blocks in use after every image was released, want 0", inUse)
	}
	if allocated != inUse+cached+freed {
		report("conservation: allocated %d != in use %d + cached %d + freed %d (%+d blocks unaccounted)",
			allocated, inUse, cached, freed, allocated-inUse-cached-freed)
	}
	if cached > blocksMax {
		report("%d blocks cached, over BlocksMax %d", cached, blocksMax)
	}
	return violations
}

// round makes, tags, checks and releases one image; it reports false when
// the worker should stop.
func (l seedLoop) round(ar imageArena, w, r int, report func(string, ...any)) bool {
	side := l.sides[(w+r)%len(l.sides)]
	img, err := ar.newImage(side, side*4)
	if err != nil {
		report("worker %d round %d: %v", w, r, err)
		return false
	}
	tag := uint64(w+1)<<32 | uint64(r)
	for y := range side {
		row := img.Row(y)
		binary.LittleEndian.PutUint64(row, tag)
		binary.LittleEndian.PutUint64(row[len(row)-8:], tag)
	}
	runtime.Gosched() // let another owner of the same memory, if any, write it
	for y := range side {
		row := img.Row(y)
		head, tail := binary.LittleEndian.Uint64(row), binary.LittleEndian.Uint64(row[len(row)-8:])
		if head != tag || tail != tag {
			report("worker %d round %d row %d: tags %#x/%#x, want %#x: another caller holds the same memory",
				w, r, y, head, tail, tag)
			break
		}
	}
	img.Release()
	return true
}

// seedSides are the seed's 512², 1024², 1536², 2048² images scaled down by
// 8 in each dimension so that the -race run stays short; with 4 KiB blocks
// they take 4 to 64 blocks each, which exercises the cache harder than the
// full-size images in 16 MiB blocks (one block each) would.
var seedSides = []int{64, 128, 192, 256}

// TestSeedLoopStress runs the seed loop with 24 goroutines against paddock's
// arena, with the cache bound well below what they hold together, and with
// another goroutine reading Stats (checking the bound and conservation
// in every snapshot), trimming the cache and changing the bound
// meanwhile. It checks single ownership (tags), conservation and the bound.
//
// How we know it can fail: TestDetectorCatchesNaiveArena (naive_test.go,
// built without -race) runs this same seedLoop.run against internal/naive's
// port of Pillow's unlocked cache and requires it to report violations; it
// does, reliably under -tags schedtest and in most plain runs.
func TestSeedLoopStress(t *testing.T) {
	// Not parallel: it raises GOMAXPROCS so that 8 shards share 2 cores and
	// goroutines migrate between them; parallel tests run after it.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	if schedpoint.Enabled {
		defer schedpoint.Set(schedpoint.Policy{Seed: 7, P: 0.2, Action: schedpoint.ActionYield, Filter: "arena."})()
		t.Log(schedpoint.Describe())
	}
	rounds := 400
	if testing.Short() {
		rounds = 40
	}
	const bound = 96
	a := mustNew(t, arena.Config{BlockSize: 4096, BlocksMax: bound})
	admin := 0
	during := func() string {
		admin++
		st := a.Stats()
		if st.BlocksCached > bound {
			return fmt.Sprintf("Stats: %d blocks cached, over the bound %d", st.BlocksCached, bound)
		}
		if st.AllocatedBlocks != st.InUseBlocks+st.BlocksCached+st.FreedBlocks {
			return fmt.Sprintf("Stats under load: allocated %d != in use %d + cached %d + freed %d",
				st.AllocatedBlocks, st.InUseBlocks, st.BlocksCached, st.FreedBlocks)
		}
		switch admin % 50 {
		case 10:
			_ = a.ClearCache(8)
		case 20:
			_ = a.SetBlocksMax(bound / 2)
		case 30:
			_ = a.SetBlocksMax(bound)
		}
		return ""
	}
	loop := seedLoop{workers: 24, rounds: rounds, sides: seedSides}
	for _, v := range loop.run(paddockImages{a: a}, during) {
		t.Error(v)
	}
	st := a.Stats()
	t.Logf("%+v", st)
	if st.ReusedBlocks == 0 || st.FreedBlocks == 0 {
		t.Errorf("reused %d, freed %d: the loop did not exercise both the cache and its bound",
			st.ReusedBlocks, st.FreedBlocks)
	}
}

// TestGetPutStress hammers Get and Put of single blocks, with a block held
// by each goroutine across calls, and checks tags and conservation.
func TestGetPutStress(t *testing.T) {
	t.Parallel()
	a := mustNew(t, arena.Config{BlocksMax: 16})
	var wg sync.WaitGroup
	for w := range 20 {
		wg.Go(func() {
			held, _ := a.Get(64)
			for r := range 400 {
				b, err := a.Get(64)
				if err != nil {
					t.Error(err)
					return
				}
				tag := uint64(w+1)<<32 | uint64(r)
				binary.LittleEndian.PutUint64(b.Bytes(), tag)
				held, b = b, held
				if r > 0 && binary.LittleEndian.Uint64(b.Bytes()) != tag-1 {
					t.Errorf("worker %d: a held block was changed by another caller", w)
				}
				a.Put(b)
			}
			a.Put(held)
		})
	}
	wg.Wait()
	st := a.Stats()
	checkConserved(t, st)
	if st.InUseBlocks != 0 || st.BlocksCached > 16 {
		t.Errorf("got in use %d, cached %d; want 0 and at most 16", st.InUseBlocks, st.BlocksCached)
	}
}

// TestSeedLoopFullSize runs the seed's loop at its real sizes (512² to 2048²
// RGB at 4 bytes a pixel, up to 16 MiB an image) with 20 workers and
// Pillow's default 16 MiB blocks, for a few rounds: the same checks as
// TestSeedLoopStress with the memory the seed moves.
func TestSeedLoopFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("moves a few hundred MiB; skipped with -short")
	}
	a := mustNew(t, arena.Config{BlocksMax: 8})
	loop := seedLoop{workers: 20, rounds: 4, sides: []int{512, 1024, 1536, 2048}}
	for _, v := range loop.run(paddockImages{a: a}, nil) {
		t.Error(v)
	}
	st := a.Stats()
	t.Logf("%+v", st)
	if st.ReusedBlocks == 0 {
		t.Errorf("no block was reused in %d images", st.NewCount)
	}
}

// TestGOMAXPROCSGrowsAfterNew: an arena made with two shards keeps working,
// conserved and bounded, when GOMAXPROCS grows afterwards and goroutines run
// on Ps whose ids are beyond its shards. (With one shard the P is not
// looked up at all.)
func TestGOMAXPROCSGrowsAfterNew(t *testing.T) {
	prev := runtime.GOMAXPROCS(2) // not parallel: it changes GOMAXPROCS
	defer runtime.GOMAXPROCS(prev)
	a := mustNew(t, arena.Config{BlockSize: 4096, BlocksMax: 24})
	runtime.GOMAXPROCS(8)
	loop := seedLoop{workers: 20, rounds: 20, sides: seedSides}
	for _, v := range loop.run(paddockImages{a: a, dirty: true}, nil) {
		t.Error(v)
	}
	if st := a.Stats(); st.ReusedBlocks == 0 || st.BlocksCached > 24 {
		t.Errorf("got reused %d, cached %d; want some reuse and at most 24 cached", st.ReusedBlocks, st.BlocksCached)
	}
}
