//go:build paddockdebug

package freelist

// debugChecks is set by -tags paddockdebug: Put then looks for the object in
// the whole list before keeping it, and panics if it is already there. The
// scan costs O(Len), so it is off in ordinary builds.
const debugChecks = true
