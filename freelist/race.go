//go:build race

package freelist

// raceEnabled reports a -race build. Under -race, Put drops a random quarter
// of the objects it is given (as sync.Pool does), so that code which relies
// on getting back the object it put fails in tests instead of in production.
const raceEnabled = true
