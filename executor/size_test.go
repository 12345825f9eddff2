package executor

import (
	"testing"
	"unsafe"
)

// TestFutureSize: a Future[int], the one allocation of a submission, fits
// the 48-byte size class, and a Future[struct{}] of Executor.Go too: the
// collector's work per task grows with the bytes allocated (see core).
func TestFutureSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are for 64-bit platforms")
	}
	if got := unsafe.Sizeof(Future[int]{}); got > 48 {
		t.Fatalf("Future[int]: got %d bytes, want at most 48", got)
	}
	if got := unsafe.Sizeof(Future[struct{}]{}); got > 48 {
		t.Fatalf("Future[struct{}]: got %d bytes, want at most 48", got)
	}
}
