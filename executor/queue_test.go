package executor

import (
	"slices"
	"testing"
)

// intTask is a queued task that only carries a number, for ring tests.
type intTask struct {
	task
	v int
}

// TestRingRemoveAt removes every index of rings whose contents wrap around
// the end of the buffer, and checks that the rest keep their order.
func TestRingRemoveAt(t *testing.T) {
	for _, n := range []int{1, 2, 5, 64} {
		for i := range n {
			var r ring
			for v := range 70 { // grow to 128 slots, then move head near the end
				r.push(intTask{v: v})
			}
			for range 70 {
				r.pop()
			}
			var want []int
			for v := range n {
				r.push(intTask{v: v})
				want = append(want, v)
			}
			if got := r.removeAt(i).(intTask).v; got != i {
				t.Fatalf("n=%d: removeAt(%d) = %d", n, i, got)
			}
			want = slices.Delete(want, i, i+1)
			var got []int
			for x := r.pop(); x != nil; x = r.pop() {
				got = append(got, x.(intTask).v)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d, removeAt(%d): left %v, want %v", n, i, got, want)
			}
		}
	}
}
