package bench

import "sync"

// MutexList is PyO3's fix for the free-list race, ported for comparison: a
// bounded stack of objects behind one Mutex taken on every Get and Put. (It
// keeps Cap objects; PyO3's kept Cap-1, a detail that does not change its
// speed.)
//
// The zero value keeps nothing; set Cap before first use. A MutexList must
// not be copied after first use. It is safe for concurrent use: a Put
// synchronizes before the Get that returns the same object, through the
// mutex.
type MutexList[T any] struct {
	Cap int // the most objects kept

	mu    sync.Mutex // guards items
	items []*T
}

// Get returns a kept object, or a new zero T when none is kept.
func (m *MutexList[T]) Get() *T {
	m.mu.Lock()
	if n := len(m.items); n > 0 {
		x := m.items[n-1]
		m.items[n-1] = nil
		m.items = m.items[:n-1]
		m.mu.Unlock()
		return x
	}
	m.mu.Unlock()
	return new(T)
}

// Put keeps x and reports whether there was room for it.
func (m *MutexList[T]) Put(x *T) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.items) >= m.Cap {
		return false
	}
	m.items = append(m.items, x)
	return true
}

// Len returns how many objects are kept.
func (m *MutexList[T]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}
