package executor

import (
	"testing"
	"unsafe"
)

// TestFutureSize: a Future[int], the one allocation of a submission, fits
// the 64-byte size class (one cache line); the next class is 80 bytes, and
// the collector's work per task grows with the bytes allocated.
func TestFutureSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are for 64-bit platforms")
	}
	if got := unsafe.Sizeof(Future[int]{}); got > 64 {
		t.Fatalf("got %d bytes, want at most 64", got)
	}
}
