package scenario

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// Impl names the implementation a scenario drives.
type Impl string

// The implementations every scenario can drive.
const (
	Paddock Impl = "paddock" // paddock's packages
	Naive   Impl = "naive"   // the faithful racy ports in internal/naive
)

// Config parametrises one run of a scenario. Its zero value runs paddock
// with the scenario's quick defaults and seed 0. A Config is a plain value:
// copy it freely.
type Config struct {
	Impl    Impl   // Paddock (the zero value means Paddock) or Naive
	Workers int    // concurrent workers; 0 means the scenario's default
	Rounds  int    // rounds of the seed's loop; 0 means the mode's default
	Seed    uint64 // seeds every random choice of the workload
	Full    bool   // the seed document's own sizes instead of the quick ones
	Encode  bool   // arena only: also resize and PNG-encode each image

	// Deadline bounds one round; a round still running after it is
	// reported as a hang. 0 means the scenario's default.
	Deadline time.Duration

	// Progress, if not nil, is called after every round with the number of
	// rounds done and the total. It is called from the goroutine that
	// called Run.
	Progress func(done, total int)
}

// Scenario is one of the seed workloads: its name, what it checks, and the
// function running it.
type Scenario struct {
	Name  string
	Kinds []string // the violation kinds its detectors report, in order
	run   func(ctx context.Context, cfg Config, rep *Report) error
	// defaults gives Workers and Rounds when the Config leaves them 0.
	defaults func(full bool) (workers, rounds int)
}

// Count is how many violations of one kind a run saw.
type Count struct {
	Kind string `json:"kind"`
	N    int64  `json:"n"`
}

// Result is what one run of a scenario observed.
type Result struct {
	Scenario   string        `json:"scenario"`
	Impl       Impl          `json:"impl"`
	Workers    int           `json:"workers"`
	Rounds     int           `json:"rounds"`      // the rounds asked for
	RoundsDone int           `json:"rounds_done"` // the rounds finished: fewer after a hang or when ctx ended
	Seed       uint64        `json:"seed"`
	Ops        int64         `json:"operations"`
	Violations []Count       `json:"violations"` // one entry per kind of the scenario, in order
	Samples    []string      `json:"samples,omitempty"`
	PeakBytes  uint64        `json:"peak_bytes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// Total returns the number of violations of every kind.
func (r Result) Total() int64 {
	var n int64
	for _, c := range r.Violations {
		n += c.N
	}
	return n
}

var registry = []Scenario{arenaScenario, freelistScenario, gilScenario, executorScenario}

// All returns the scenarios in the order verify runs them.
func All() []Scenario { return slices.Clone(registry) }

// Names returns the names of All.
func Names() []string {
	names := make([]string, len(registry))
	for i, s := range registry {
		names[i] = s.Name
	}
	return names
}

// Lookup returns the scenario called name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range registry {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// Run runs the scenario with cfg and returns what its detectors saw. An
// error means the run could not be carried out (a bad Config, ctx ended);
// a violation is not an error.
func (s Scenario) Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Impl == "" {
		cfg.Impl = Paddock
	}
	if cfg.Impl != Paddock && cfg.Impl != Naive {
		return Result{}, fmt.Errorf("scenario: Impl %q: want %q or %q", cfg.Impl, Paddock, Naive)
	}
	if cfg.Workers < 0 || cfg.Rounds < 0 || cfg.Deadline < 0 {
		return Result{}, fmt.Errorf("scenario: Workers %d, Rounds %d, Deadline %v: must not be negative", cfg.Workers, cfg.Rounds, cfg.Deadline)
	}
	w, r := s.defaults(cfg.Full)
	if cfg.Workers == 0 {
		cfg.Workers = w
	}
	if cfg.Rounds == 0 {
		cfg.Rounds = r
	}
	rep := newReport(s.Kinds)
	done, progress := 0, cfg.Progress
	cfg.Progress = func(d, total int) { // called after every round, from this goroutine
		done = d
		if progress != nil {
			progress(d, total)
		}
	}
	runtime.GC() // so that the peak is this run's, not garbage of the last
	mem := startPeakSampler()
	start := time.Now()
	err := s.run(ctx, cfg, rep)
	elapsed := time.Since(start)
	peak := mem.stop()
	res := Result{
		Scenario:   s.Name,
		Impl:       cfg.Impl,
		Workers:    cfg.Workers,
		Rounds:     cfg.Rounds,
		RoundsDone: done,
		Seed:       cfg.Seed,
		Ops:        rep.ops.Load(),
		Violations: rep.counts(),
		Samples:    rep.samples(),
		PeakBytes:  peak,
		Elapsed:    elapsed,
	}
	return res, err
}

// progress reports round done of total to cfg.Progress, if set.
func (cfg *Config) progress(done, total int) {
	if cfg.Progress != nil {
		cfg.Progress(done, total)
	}
}
