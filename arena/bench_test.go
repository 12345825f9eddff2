package arena_test

import (
	"sync"
	"testing"

	"github.com/paddock-go/paddock/arena"
)

// mutexArena is Pillow 11's fix ported for comparison: the original cache
// (blocks_pool, blocks_cached, blocks_max) with one global mutex around
// memory_get_block and memory_return_block.
type mutexArena struct {
	mu        sync.Mutex // guards everything below
	blocksMax int
	pool      [][]byte
	allocated int64
	reused    int64
	freed     int64
}

func (m *mutexArena) get(n int) []byte {
	m.mu.Lock()
	if k := len(m.pool); k > 0 {
		b := m.pool[k-1]
		m.pool = m.pool[:k-1]
		m.reused++
		m.mu.Unlock()
		if cap(b) < n {
			return make([]byte, n)
		}
		return b[:n]
	}
	m.allocated++
	m.mu.Unlock()
	return make([]byte, n)
}

func (m *mutexArena) put(b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pool) < m.blocksMax {
		m.pool = append(m.pool, b)
		return
	}
	m.freed++
}

const benchBlock = 1 << 20

// BenchmarkGetPut: every goroutine gets a 1 MiB block, touches it and puts
// it back, against paddock's arena, sync.Pool and Pillow 11's mutex arena.
func BenchmarkGetPut(b *testing.B) {
	b.Run("arena", func(b *testing.B) {
		a := mustNew(b, arena.Config{BlocksMax: 1024})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				blk, err := a.Get(benchBlock)
				if err != nil {
					b.Error(err)
					return
				}
				blk.Bytes()[0] = 1
				a.Put(blk)
			}
		})
	})
	b.Run("syncPool", func(b *testing.B) {
		var p sync.Pool // holds *[]byte: a []byte in an interface would allocate
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				buf, _ := p.Get().(*[]byte)
				if buf == nil {
					s := make([]byte, benchBlock)
					buf = &s
				}
				(*buf)[0] = 1
				p.Put(buf)
			}
		})
	})
	b.Run("mutexArena", func(b *testing.B) {
		m := &mutexArena{blocksMax: 1024}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				buf := m.get(benchBlock)
				buf[0] = 1
				m.put(buf)
			}
		})
	})
}

// BenchmarkNewArrayRelease: a 2048x2048 RGB image (2048 rows of 8192 bytes,
// one 16 MiB block) made and released with a warm cache. newblocks/op must
// be 0 and allocs/op at most 2.
func BenchmarkNewArrayRelease(b *testing.B) {
	for _, bc := range []struct {
		name string
		make func(*arena.Arena) (*arena.Array, error)
	}{
		{"zeroed", func(a *arena.Arena) (*arena.Array, error) { return a.NewArray(2048, 8192) }},
		{"dirty", func(a *arena.Arena) (*arena.Array, error) { return a.NewArrayDirty(2048, 8192) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a := mustNew(b, arena.Config{BlocksMax: 4})
			img, err := bc.make(a) // warm the cache
			if err != nil {
				b.Fatal(err)
			}
			img.Release()
			before := a.Stats().AllocatedBlocks
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				img, err := bc.make(a)
				if err != nil {
					b.Fatal(err)
				}
				img.Row(2047)[8191] = 1
				img.Release()
			}
			b.ReportMetric(float64(a.Stats().AllocatedBlocks-before)/float64(b.N), "newblocks/op")
		})
	}
}
