package lifecycle

// SetJoinSnapshotHook makes Finalize call fn once its join listed the
// non-daemon threads to wait for, and returns a function removing it. Tests
// that set it must not run in parallel with other Finalize calls.
func SetJoinSnapshotHook(fn func()) (restore func()) {
	joinSnapshotTaken = fn
	return func() { joinSnapshotTaken = nil }
}
