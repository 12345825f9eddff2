//go:build !race

package freelist

// raceEnabled reports a -race build; see race.go.
const raceEnabled = false
