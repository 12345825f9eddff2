package freelist_test

import (
	"testing"

	"github.com/paddock-go/paddock/freelist"
)

// FuzzOpsMatchModel runs random sequences of Get, Put, Clear and Len on one
// goroutine and checks them against a sequential model: a set of at most
// Capacity objects, and a Get returns one of them or a new object.
func FuzzOpsMatchModel(f *testing.F) {
	f.Add(uint8(2), []byte{1, 1, 1, 0, 0, 0})
	f.Add(uint8(2), []byte{1, 2, 0}) // Put, Clear, Get: fails if Clear leaves an object Get can return
	f.Add(uint8(0), []byte{0, 1, 2, 3})
	f.Add(uint8(5), []byte{0, 0, 1, 1, 1, 2, 1, 0, 3, 1, 1})
	f.Fuzz(func(t *testing.T, capacity uint8, ops []byte) {
		l, err := freelist.New(freelist.Config[object]{Capacity: int(capacity % 16)})
		if err != nil {
			t.Fatal(err)
		}
		inList := map[*object]bool{}
		everKept := map[*object]bool{} // every object a Put kept
		var held []*object
		var want freelist.Stats
		for i, op := range ops {
			switch op % 4 {
			case 0: // Get
				o := l.Get()
				switch {
				case inList[o]:
					want.Hits++
				case len(inList) > 0:
					t.Fatalf("op %d: Get missed with %d objects in the list", i, len(inList))
				case everKept[o]:
					t.Fatalf("op %d: Get returned an object the list no longer holds (cleared, or given out)", i)
				default:
					want.Misses++
				}
				delete(inList, o)
				held = append(held, o)
			case 1: // Put the most recently got object, or a new one
				o := new(object)
				if n := len(held); n > 0 {
					o, held = held[n-1], held[:n-1]
				}
				kept := l.Put(o)
				room := len(inList) < l.Cap()
				if kept && !room {
					t.Fatalf("op %d: Put kept an object in a full list (%d of %d)", i, len(inList), l.Cap())
				}
				if !kept && room && !freelist.RaceEnabled {
					t.Fatalf("op %d: Put dropped an object with room (%d of %d)", i, len(inList), l.Cap())
				}
				if kept {
					inList[o], everKept[o] = true, true
					want.Puts++
				} else {
					want.Drops++
				}
			case 2:
				l.Clear()
				clear(inList)
			case 3:
				if got := l.Len(); got != len(inList) {
					t.Fatalf("op %d: Len() = %d, want %d", i, got, len(inList))
				}
			}
		}
		if got := l.Stats(); got != want {
			t.Errorf("Stats() = %+v, want %+v", got, want)
		}
	})
}
