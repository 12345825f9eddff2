package bench_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	bufpool "github.com/libp2p/go-buffer-pool"
	"github.com/valyala/bytebufferpool"

	"github.com/paddock-go/paddock/arena"
	"github.com/paddock-go/paddock/bench"
)

// arenaBlocksMax bounds the caches of paddock's arena and of Pillow's mutex
// arena alike: far more than the goroutines of any run, so neither drops.
const arenaBlocksMax = 256

// arenaSizes are the block sizes of BenchmarkArena: a small buffer, a
// medium one, and Pillow's default block size.
var arenaSizes = []struct {
	name string
	n    int
}{
	{"64KiB", 64 << 10},
	{"1MiB", 1 << 20},
	{"16MiB", 16 << 20},
}

// runParallelWarm runs body with b.RunParallel twice: first with the timer
// stopped, to fill the cache, then timed. Every implementation of
// BenchmarkArena and BenchmarkArenaImage starts empty, and with 16 MiB
// blocks the first allocations (several milliseconds each) would otherwise
// dominate a short run: in a `paddock bench` quick run, two of three runs
// at -cpu 8 measured 139 and 723 µs a Get+Put for paddock (6.9 and 0.1 µs
// for sync.Pool) against 25 ns warm. The goals are about a warm cache
// ("0 allocs/op warm"), and StopTimer keeps the warm-up's allocations out
// of allocs/op too.
func runParallelWarm(b *testing.B, body func(*testing.PB)) {
	b.StopTimer()
	b.RunParallel(body)
	b.StartTimer()
	b.RunParallel(body)
}

func newArena(b *testing.B, cfg arena.Config) *arena.Arena {
	b.Helper()
	a, err := arena.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkArena: every goroutine takes a block of the size, writes its first
// and last byte, and gives it back. Each implementation's loop is written out
// rather than called through an interface, so no peer pays a dynamic call
// that paddock does not.
func BenchmarkArena(b *testing.B) {
	for _, size := range arenaSizes {
		n := size.n
		b.Run("size="+size.name, func(b *testing.B) {
			b.Run("impl=paddock", func(b *testing.B) {
				a := newArena(b, arena.Config{BlocksMax: arenaBlocksMax})
				b.ReportAllocs()
				runParallelWarm(b, func(pb *testing.PB) {
					for pb.Next() {
						blk, err := a.Get(n)
						if err != nil {
							b.Error(err)
							return
						}
						mem := blk.Bytes()
						mem[0], mem[n-1] = 1, 1
						a.Put(blk)
					}
				})
			})
			b.Run("impl=syncpool", func(b *testing.B) {
				var p sync.Pool // of *[]byte: a []byte in an interface allocates
				b.ReportAllocs()
				runParallelWarm(b, func(pb *testing.PB) {
					for pb.Next() {
						buf, _ := p.Get().(*[]byte)
						if buf == nil {
							s := make([]byte, n)
							buf = &s
						}
						mem := *buf
						mem[0], mem[n-1] = 1, 1
						p.Put(buf)
					}
				})
			})
			b.Run("impl=handoff", func(b *testing.B) {
				h := bench.NewHandoff[[]byte]()
				b.ReportAllocs()
				runParallelWarm(b, func(pb *testing.PB) {
					for pb.Next() {
						buf := h.Get()
						if buf == nil {
							s := make([]byte, n)
							buf = &s
						}
						mem := *buf
						mem[0], mem[n-1] = 1, 1
						h.Put(buf)
					}
				})
			})
			b.Run("impl=bytebufferpool", func(b *testing.B) {
				var p bytebufferpool.Pool
				b.ReportAllocs()
				runParallelWarm(b, func(pb *testing.PB) {
					for pb.Next() {
						bb := p.Get()
						if cap(bb.B) < n {
							bb.B = make([]byte, n)
						}
						bb.B = bb.B[:n]
						bb.B[0], bb.B[n-1] = 1, 1
						p.Put(bb)
					}
				})
			})
			b.Run("impl=gobufferpool", func(b *testing.B) {
				var p bufpool.BufferPool
				b.ReportAllocs()
				runParallelWarm(b, func(pb *testing.PB) {
					for pb.Next() {
						mem := p.Get(n)
						mem[0], mem[n-1] = 1, 1
						p.Put(mem)
					}
				})
			})
			b.Run("impl=mutexarena", func(b *testing.B) {
				m := &bench.MutexArena{BlocksMax: arenaBlocksMax}
				b.ReportAllocs()
				runParallelWarm(b, func(pb *testing.PB) {
					for pb.Next() {
						mem := m.Get(n)
						mem[0], mem[n-1] = 1, 1
						m.Put(mem)
					}
				})
			})
			b.Run("impl=make", func(b *testing.B) {
				b.ReportAllocs()
				runParallelWarm(b, func(pb *testing.PB) {
					for pb.Next() {
						mem := make([]byte, n)
						mem[0], mem[n-1] = 1, 1
						runtime.KeepAlive(mem)
					}
				})
			})
		})
	}
}

// BenchmarkArenaImage is the seed's loop end to end: one op makes an RGB
// image (4 bytes a pixel) of the next of the seed's four resolutions, zeroed
// as Image.new makes it, touches every row, and releases it. paddock lays it
// with Arena.NewArray; the peers with [bench.Image], the same layout over
// their blocks.
func BenchmarkArenaImage(b *testing.B) {
	b.Run("impl=paddock", func(b *testing.B) {
		a := newArena(b, arena.Config{BlocksMax: arenaBlocksMax})
		b.ReportAllocs()
		runParallelWarm(b, func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				res := bench.SeedResolutions[i%len(bench.SeedResolutions)]
				img, err := a.NewArray(res.Height, res.Width*bench.BytesPerPixel)
				if err != nil {
					b.Error(err)
					return
				}
				for y := range res.Height {
					img.Row(y)[0] = byte(y)
				}
				img.Release()
			}
		})
	})
	for _, peer := range imagePeers() {
		b.Run("impl="+peer.name, func(b *testing.B) {
			p := peer.pool()
			b.ReportAllocs()
			runParallelWarm(b, func(pb *testing.PB) {
				var img bench.Image
				for i := 0; pb.Next(); i++ {
					res := bench.SeedResolutions[i%len(bench.SeedResolutions)]
					img.Alloc(p, res.Height, res.Width*bench.BytesPerPixel, arena.DefaultBlockSize)
					for y := range res.Height {
						img.Row(y)[0] = byte(y)
					}
					img.Release(p)
				}
			})
		})
	}
}

type imagePeer struct {
	name string
	pool func() bench.BlockPool
}

func imagePeers() []imagePeer {
	return []imagePeer{
		{"syncpool", func() bench.BlockPool { return new(bench.SyncPoolBlocks) }},
		{"bytebufferpool", func() bench.BlockPool { return new(bench.ByteBufferBlocks) }},
		{"gobufferpool", func() bench.BlockPool { return new(bench.GoBufferBlocks) }},
		{"mutexarena", func() bench.BlockPool {
			return bench.MutexArenaBlocks{Arena: &bench.MutexArena{BlocksMax: arenaBlocksMax}}
		}},
		{"make", func() bench.BlockPool { return bench.MakeBlocks{} }},
	}
}

// TestImagePeers checks the peers' image layout: every row of the right
// length, zeroed on Alloc even when its block comes back dirty, rows not
// overlapping, and the block count of Pillow's rule.
func TestImagePeers(t *testing.T) {
	t.Parallel()
	for _, peer := range imagePeers() {
		t.Run(peer.name, func(t *testing.T) {
			t.Parallel()
			p := peer.pool()
			var img bench.Image
			for _, tc := range []struct{ lines, linesize, blockSize, wantBlocks int }{
				{256, 1024, 4096, 64},    // 4 rows a block
				{100, 8192, 4096, 100},   // a row bigger than a block: one row a block
				{512, 2048, 16 << 20, 1}, // all in one block
				{7, 1000, 3000, 3},       // 3 rows a block, the last block short
			} {
				for round := range 2 {
					img.Alloc(p, tc.lines, tc.linesize, tc.blockSize)
					if got := img.Blocks(); got != tc.wantBlocks {
						t.Fatalf("%+v: got %d blocks, want %d", tc, got, tc.wantBlocks)
					}
					if got := img.Rows(); got != tc.lines {
						t.Fatalf("%+v: got %d rows, want %d", tc, got, tc.lines)
					}
					for y := range tc.lines {
						row := img.Row(y)
						if len(row) != tc.linesize || cap(row) != tc.linesize {
							t.Fatalf("%+v: row %d has len %d cap %d, want %d", tc, y, len(row), cap(row), tc.linesize)
						}
						for x, v := range row {
							if v != 0 {
								t.Fatalf("%+v round %d: row %d byte %d = %d, want 0", tc, round, y, x, v)
							}
						}
						for x := range row {
							row[x] = byte(y + 1) // dirty it; overlapping rows would show below
						}
					}
					for y := range tc.lines {
						if got := img.Row(y)[tc.linesize-1]; got != byte(y+1) {
							t.Fatalf("%+v: row %d was overwritten: got %d, want %d", tc, y, got, byte(y+1))
						}
					}
					img.Release(p)
				}
			}
		})
	}
}

// TestMutexArena checks Pillow's bound and counters on the mutex arena the
// benchmarks compare with.
func TestMutexArena(t *testing.T) {
	t.Parallel()
	m := &bench.MutexArena{BlocksMax: 2}
	blocks := [][]byte{m.Get(100), m.Get(100), m.Get(100)}
	for _, b := range blocks {
		m.Put(b)
	}
	small := m.Get(50)
	big := m.Get(1000)
	got := m.Stats()
	want := bench.MutexArenaStats{AllocatedBlocks: 3, ReusedBlocks: 1, ReallocatedBlocks: 1, FreedBlocks: 1, BlocksCached: 0}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if len(small) != 50 || len(big) != 1000 {
		t.Fatalf("got lengths %d and %d, want 50 and 1000", len(small), len(big))
	}
}

func ExampleMutexArena() {
	m := &bench.MutexArena{BlocksMax: 1}
	b := m.Get(4096)
	m.Put(b)
	b = m.Get(4096)
	fmt.Printf("%d bytes, %+v\n", len(b), m.Stats())
	// Output: 4096 bytes, {AllocatedBlocks:1 ReusedBlocks:1 ReallocatedBlocks:0 FreedBlocks:0 BlocksCached:0}
}
