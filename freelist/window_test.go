//go:build schedtest && !race

package freelist_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

// Put must not find the list full while it is empty: a Clear or a Get in
// flight that has taken objects off a shared stack gives their credits back
// before Len can see the objects gone. Each test holds the other operation
// in that window with a sleep at its scheduling point, makes sure the list
// is empty (a Get misses), and then needs Cap Puts to keep their objects.
// Both failed before the credits went back under the shard's mutex: "Put
// kept 1 of 4" (Clear) and "Put kept 1 of 2" (Get), 3 runs of 3. Not under
// -race, whose random drops would fail the count.

func TestPutFindsCreditsClearTook(t *testing.T) {
	putIntoEmptiedList(t, "freelist.clear.afterTake", 4, func(l list) { l.Clear() })
}

func TestPutFindsCreditGetPopped(t *testing.T) {
	// The first Get takes the private object, the second pops the shared
	// stack.
	putIntoEmptiedList(t, "freelist.get.afterPop", 2, func(l list) { l.Get(); l.Get() })
}

type list = interface {
	Get() *object
	Clear()
}

func putIntoEmptiedList(t *testing.T, point string, capacity int, empty func(list)) {
	defer schedpoint.Set(schedpoint.Policy{Seed: 1, P: 1, Action: schedpoint.ActionSleep,
		Max: 300 * time.Millisecond, Filter: point})()
	l := newList(t, capacity)
	for kept := 0; kept < capacity; {
		if l.Put(new(object)) {
			kept++
		}
	}
	done := make(chan struct{})
	go func() { defer close(done); empty(l) }()
	for l.Len() != 0 {
		runtime.Gosched()
	}
	if st := l.Stats(); l.Get() == nil || l.Stats().Misses != st.Misses+1 {
		t.Fatal("Get hit: the list is not empty yet")
	}
	kept := 0
	for range capacity {
		if l.Put(new(object)) {
			kept++
		}
	}
	<-done
	if kept != capacity {
		t.Errorf("with the list empty (a Get missed) and only %s in flight, Put kept %d of %d new objects", point, kept, capacity)
	}
}
