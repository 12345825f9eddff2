//go:build race

package main

// raceEnabled reports whether the binary was built with -race. The naive
// ports race by design, so under the race detector verify skips them.
const raceEnabled = true
