package bench_test

import (
	"sync"
	"testing"

	"github.com/paddock-go/paddock/bench"
	"github.com/paddock-go/paddock/freelist"
)

// object is the 256-byte struct of BenchmarkFreelist.
type object struct{ buf [256]byte }

// freelistCapacity bounds paddock's list and PyO3's mutex list alike.
const freelistCapacity = 1024

// newObject allocates without being inlined, so escape analysis cannot keep
// the new(T) peer's object on the stack: it pays for the heap and the
// collector, as the code it stands for does.
//
//go:noinline
func newObject() *object { return new(object) }

// BenchmarkFreelist: every goroutine takes a 256-byte object, writes to it,
// and gives it back.
func BenchmarkFreelist(b *testing.B) {
	b.Run("size=256B", func(b *testing.B) {
		b.Run("impl=paddock", func(b *testing.B) {
			l, err := freelist.New(freelist.Config[object]{Capacity: freelistCapacity})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					x := l.Get()
					x.buf[0]++
					l.Put(x)
				}
			})
		})
		b.Run("impl=syncpool", func(b *testing.B) {
			p := sync.Pool{New: func() any { return new(object) }}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					x := p.Get().(*object)
					x.buf[0]++
					p.Put(x)
				}
			})
		})
		b.Run("impl=new", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					x := newObject()
					x.buf[0]++
				}
			})
		})
		b.Run("impl=mutexslice", func(b *testing.B) {
			m := &bench.MutexList[object]{Cap: freelistCapacity}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					x := m.Get()
					x.buf[0]++
					m.Put(x)
				}
			})
		})
	})
}

// TestMutexList checks the bound and the LIFO reuse of PyO3's mutex list.
func TestMutexList(t *testing.T) {
	t.Parallel()
	m := &bench.MutexList[object]{Cap: 2}
	a, b, c := m.Get(), m.Get(), m.Get()
	for _, tc := range []struct {
		x    *object
		want bool
	}{{a, true}, {b, true}, {c, false}} {
		if got := m.Put(tc.x); got != tc.want {
			t.Fatalf("Put: got %v, want %v", got, tc.want)
		}
	}
	if got := m.Len(); got != 2 {
		t.Fatalf("Len: got %d, want 2", got)
	}
	if got := m.Get(); got != b {
		t.Fatalf("Get: got %p, want the last put %p", got, b)
	}
}
