// Command inline is compiled by TestPointInlinesAway: a hot loop carrying a
// scheduling point, whose assembly must hold no call to schedpoint.Point
// unless built with -tags schedtest.
package main

import (
	"fmt"
	"os"

	"github.com/paddock-go/paddock/internal/schedpoint"
)

func sum(n int) int {
	s := 0
	for i := range n {
		schedpoint.Point("inline.sum.loop")
		s += i
	}
	return s
}

func main() { fmt.Println(sum(len(os.Args) * 1000)) }
