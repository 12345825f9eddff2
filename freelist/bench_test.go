package freelist_test

import (
	"sync"
	"testing"

	"github.com/paddock-go/paddock/freelist"
)

// payload is the 256-byte object of the benchmarks.
type payload struct {
	buf [256]byte
}

// mutexList is PyO3's fix ported: the same free list behind one global
// Mutex taken on every Get and Put.
type mutexList struct {
	mu    sync.Mutex // guards items
	items []*payload
	cap   int
}

func (m *mutexList) Get() *payload {
	m.mu.Lock()
	if n := len(m.items); n > 0 {
		p := m.items[n-1]
		m.items[n-1] = nil
		m.items = m.items[:n-1]
		m.mu.Unlock()
		return p
	}
	m.mu.Unlock()
	return new(payload)
}

func (m *mutexList) Put(p *payload) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.items) >= m.cap {
		return false
	}
	m.items = append(m.items, p)
	return true
}

const benchCapacity = 1024

//go:noinline
func allocPayload() *payload { return new(payload) }

// BenchmarkGetPut compares a parallel Get, touch, Put cycle of a 256-byte
// object on freelist.List, sync.Pool, plain allocation (new(T) with its
// garbage collection) and PyO3's mutex-protected list.
func BenchmarkGetPut(b *testing.B) {
	b.Run("List", func(b *testing.B) {
		l, err := freelist.New(freelist.Config[payload]{Capacity: benchCapacity})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p := l.Get()
				p.buf[0]++
				l.Put(p)
			}
		})
	})
	b.Run("SyncPool", func(b *testing.B) {
		pool := sync.Pool{New: func() any { return new(payload) }}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p := pool.Get().(*payload)
				p.buf[0]++
				pool.Put(p)
			}
		})
	})
	b.Run("New", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p := allocPayload()
				p.buf[0]++
			}
		})
	})
	b.Run("MutexSlice", func(b *testing.B) {
		m := &mutexList{cap: benchCapacity}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p := m.Get()
				p.buf[0]++
				m.Put(p)
			}
		})
	})
}

// BenchmarkBurst gets 16 objects and puts them back, so the shared stacks
// and the free count are used, not only the private slots.
func BenchmarkBurst(b *testing.B) {
	const burst = 16
	b.Run("List", func(b *testing.B) {
		l, err := freelist.New(freelist.Config[payload]{Capacity: benchCapacity})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var held [burst]*payload
			for pb.Next() {
				for i := range held {
					held[i] = l.Get()
				}
				for i := range held {
					l.Put(held[i])
				}
			}
		})
	})
	b.Run("SyncPool", func(b *testing.B) {
		pool := sync.Pool{New: func() any { return new(payload) }}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var held [burst]*payload
			for pb.Next() {
				for i := range held {
					held[i] = pool.Get().(*payload)
				}
				for i := range held {
					pool.Put(held[i])
				}
			}
		})
	})
	b.Run("MutexSlice", func(b *testing.B) {
		m := &mutexList{cap: benchCapacity}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var held [burst]*payload
			for pb.Next() {
				for i := range held {
					held[i] = m.Get()
				}
				for i := range held {
					m.Put(held[i])
				}
			}
		})
	})
}
