package executor

import (
	"testing"
	"unsafe"
)

// TestFutureSize: a Future[int], the one allocation of a submission, fits
// the 32-byte size class, and a Future[struct{}] of Executor.Go the 24-byte
// one: the collector's work per task grows with the bytes allocated (see
// core). A zero-size field last in Future would be padded to 8 bytes.
func TestFutureSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are for 64-bit platforms")
	}
	if got := unsafe.Sizeof(Future[int]{}); got > 32 {
		t.Fatalf("Future[int]: got %d bytes, want at most 32", got)
	}
	if got := unsafe.Sizeof(Future[struct{}]{}); got > 24 {
		t.Fatalf("Future[struct{}]: got %d bytes, want at most 24", got)
	}
}
