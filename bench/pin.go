package bench

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
