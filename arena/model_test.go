package arena_test

import (
	"testing"

	"github.com/paddock-go/paddock/arena"
)

// model is the sequential specification of the arena's cache: Pillow's
// memory_get_block and memory_return_block with no sharding at all.
type model struct {
	max, blockSize                   int
	cached, allocated, reused, freed int64
}

func (m *model) get() {
	if m.cached > 0 {
		m.cached--
		m.reused++
		return
	}
	m.allocated++
}

func (m *model) put(size int) {
	if size <= m.blockSize && m.cached < int64(m.max) {
		m.cached++
		return
	}
	m.freed++
}

func (m *model) trim(keep int) {
	if excess := m.cached - int64(keep); excess > 0 {
		m.cached -= excess
		m.freed += excess
	}
}

// FuzzOpsAgainstModel drives one arena with a random sequence of Get, Put,
// SetBlocksMax, ClearCache and NewArray/Release from one goroutine and
// checks every figure against the sequential model after every step: the
// sharding, stealing and credits must be invisible to a single caller.
func FuzzOpsAgainstModel(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 1, 1, 2, 3, 0, 4, 1})
	f.Add([]byte{5, 5, 5, 0, 0, 1, 2, 2, 3, 3, 4, 4, 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const blockSize = 4096
		a := mustNew(t, arena.Config{BlockSize: blockSize, BlocksMax: 3})
		m := &model{max: 3, blockSize: blockSize}
		var held []*arena.Block
		for step, op := range ops {
			arg := int(op >> 3)
			switch op % 6 {
			case 0, 5: // Get, sometimes larger than a block
				size := 1 + arg*300
				b, err := a.Get(size)
				if err != nil {
					t.Fatal(err)
				}
				m.get()
				held = append(held, b)
			case 1: // Put the arg-th held block
				if len(held) == 0 {
					continue
				}
				i := arg % len(held)
				b := held[i]
				held = append(held[:i], held[i+1:]...)
				size := len(b.Bytes())
				a.Put(b)
				// The arena drops by buffer size, the model by request:
				// they agree, as a buffer above BlockSize only serves
				// requests above it, and a grown buffer is the request.
				m.put(size)
			case 2:
				if err := a.SetBlocksMax(arg % 5); err != nil {
					t.Fatal(err)
				}
				m.max = arg % 5
				m.trim(m.max)
			case 3:
				if err := a.ClearCache(arg % 4); err != nil {
					t.Fatal(err)
				}
				m.trim(arg % 4)
			case 4: // an image of 1 + arg%3 blocks, made and released
				img, err := a.NewArray(1+arg%3, blockSize)
				if err != nil {
					t.Fatal(err)
				}
				blocks := img.BlockCount() // one row per block
				for range blocks {
					m.get()
				}
				img.Release()
				for range blocks {
					m.put(blockSize)
				}
			}
			st := a.Stats()
			if st.BlocksCached != m.cached || st.AllocatedBlocks != m.allocated ||
				st.ReusedBlocks != m.reused || st.FreedBlocks != m.freed {
				t.Fatalf("step %d (op %d): got cached %d allocated %d reused %d freed %d, want %d %d %d %d",
					step, op, st.BlocksCached, st.AllocatedBlocks, st.ReusedBlocks, st.FreedBlocks,
					m.cached, m.allocated, m.reused, m.freed)
			}
			if st.InUseBlocks != int64(len(held)) {
				t.Fatalf("step %d: got in use %d, want %d", step, st.InUseBlocks, len(held))
			}
			checkConserved(t, st)
		}
	})
}
