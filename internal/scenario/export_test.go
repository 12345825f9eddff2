package scenario

import "time"

// ShrinkGILTiming makes the gil scenario's quick timings tiny so that tests
// can run it across many seeds, with hangAt the time daemons get to end or
// stop after finalization, and returns a function restoring them. It must
// not be called while a gil scenario runs.
func ShrinkGILTiming(hangAt time.Duration) (restore func()) {
	saved := gilQuick
	gilQuick = gilTiming{maxSleep: 2 * time.Millisecond, hold: 50 * time.Microsecond, delay: 2 * time.Millisecond, hangAt: hangAt}
	return func() { gilQuick = saved }
}
