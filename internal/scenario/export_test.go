package scenario

import "time"

// ShrinkTimings makes the quick timings of the gil and executor scenarios
// tiny so that tests can run them across many seeds, with hangAt the time
// daemons get to end or stop after finalization (and Finalize gets to
// return), and returns a function restoring them. It must not be called
// while a scenario runs.
func ShrinkTimings(hangAt time.Duration) (restore func()) {
	savedGIL, savedExec := gilQuick, execQuick
	gilQuick = gilTiming{maxSleep: 2 * time.Millisecond, hold: 50 * time.Microsecond, delay: 2 * time.Millisecond, hangAt: hangAt,
		finalizeWork: 100 * time.Microsecond}
	execQuick = execTiming{taskSleep: 500 * time.Microsecond, exitJitter: 3 * time.Millisecond,
		gInterval: 200 * time.Microsecond, gExit: 3 * time.Millisecond, window: time.Millisecond, gWindow: 4 * time.Millisecond, hangAt: max(hangAt, 5*time.Second)}
	return func() { gilQuick, execQuick = savedGIL, savedExec }
}
