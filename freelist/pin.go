package freelist

import _ "unsafe" // for go:linkname

// procPin and procUnpin are the runtime's own P-pinning primitives, the ones
// sync.Pool uses. The runtime keeps them linkable on purpose (go.dev/issue/67401
// lists them among the symbols it will not remove or change). The list uses
// them (in local, and in Get's and Put's fast paths) only to learn which P the
// calling goroutine runs on, as a cache affinity hint: it unpins at once, and
// its correctness never depends on staying on that P (see the package doc).

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()
