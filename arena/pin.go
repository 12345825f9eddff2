package arena

import _ "unsafe" // for go:linkname

// procPin and procUnpin are the runtime's processor pinning, the same calls
// sync.Pool uses to find its per-P slot. The runtime keeps them reachable
// through linkname on purpose (go.dev/issue/67401: "do not remove or change
// the type signature").
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// procHint returns the id of the processor (P) the calling goroutine runs on
// right now. The goroutine may move to another P the moment it returns: the
// value is only an affinity hint. Nothing in this package relies on it for
// correctness; every shard is guarded by its own mutex. Pinning is released
// before any lock is taken, so no goroutine ever blocks while pinned.
func procHint() int {
	p := procPin()
	procUnpin()
	return p
}
