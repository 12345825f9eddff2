//go:build !paddockdebug

package freelist

// debugChecks is set by -tags paddockdebug; see debug.go.
const debugChecks = false
