package freelist_test

import (
	"fmt"

	"github.com/paddock-go/paddock/freelist"
)

type frame struct {
	pc    int
	stack [32]int
}

func Example() {
	l, err := freelist.New(freelist.Config[frame]{
		Capacity: 2,
		Reset:    func(f *frame) { *f = frame{} },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	f := l.Get() // the list is empty: a new frame
	f.pc = 42
	f.stack[0] = 7
	l.Put(f) // reset and kept (under -race, sometimes dropped)

	g := l.Get() // f again, reset, or a new frame: clean either way
	fmt.Println(g.pc, g.stack[0], l.Len() <= l.Cap(), l.Cap())
	// Output: 0 0 true 2
}

func ExampleNew() {
	_, err := freelist.New(freelist.Config[frame]{Capacity: -1})
	fmt.Println(err)
	// Output: freelist: Config.Capacity is -1, want 0 or more
}

func ExampleList_Stats() {
	l, _ := freelist.New(freelist.Config[frame]{Capacity: 8})
	for range 3 {
		f := l.Get()
		l.Put(f)
	}
	st := l.Stats()
	fmt.Println("gets:", st.Hits+st.Misses, "puts:", st.Puts+st.Drops)
	// Output: gets: 3 puts: 3
}

func ExampleList_Put() {
	l, _ := freelist.New(freelist.Config[frame]{Capacity: 2})
	for l.Len() < l.Cap() { // under -race Put drops some objects: keep offering
		l.Put(new(frame))
	}
	fmt.Println("full:", l.Len(), "of", l.Cap())
	fmt.Println("kept one more:", l.Put(new(frame))) // left to the garbage collector

	off, _ := freelist.New(freelist.Config[frame]{}) // Capacity 0 disables the list
	fmt.Println("disabled list kept:", off.Put(off.Get()))
	// Output:
	// full: 2 of 2
	// kept one more: false
	// disabled list kept: false
}

func ExampleList_Clear() {
	l, _ := freelist.New(freelist.Config[frame]{Capacity: 4})
	for l.Len() < 3 {
		l.Put(new(frame))
	}
	l.Clear() // the three frames are left to the garbage collector
	l.Get()   // so this Get makes a new one
	fmt.Println("len:", l.Len(), "misses:", l.Stats().Misses)
	// Output: len: 0 misses: 1
}
