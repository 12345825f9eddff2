package freelist

// RaceEnabled lets the external tests know that Put drops a random share of
// objects under -race, so tests that need deterministic reuse can skip.
const RaceEnabled = raceEnabled

// DebugChecks reports a -tags paddockdebug build.
const DebugChecks = debugChecks
