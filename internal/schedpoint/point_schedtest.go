//go:build schedtest

package schedpoint

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// Enabled reports whether this binary was built with -tags schedtest, that is
// whether [Point] can do anything at all.
const Enabled = true

// state is the policy in force and its decision counter. A new state is
// installed whole by Set, so a Point never sees a policy half-written.
type state struct {
	policy  Policy
	filters []string
	calls   atomic.Uint64 // written by every Point; numbers the decisions
}

var current atomic.Pointer[state]

func init() {
	p, err := ParsePolicy(os.Getenv("PADDOCK_SCHED"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "schedpoint: ignoring PADDOCK_SCHED: %v\n", err)
		p = Policy{}
	}
	install(p)
}

func install(p Policy) *state {
	st := &state{policy: p}
	if p.Filter != "" {
		st.filters = strings.Split(p.Filter, "|")
	}
	return current.Swap(st)
}

// Point marks a scheduling point: under the policy in force it may yield the
// processor or sleep before returning.
func Point(name string) {
	st := current.Load()
	p := &st.policy
	if p.Action == ActionNone || p.P <= 0 {
		return
	}
	if st.filters != nil && !matchAny(st.filters, name) {
		return
	}
	r, act := decide(p, st.calls.Add(1))
	if !act {
		return
	}
	switch p.Action {
	case ActionYield:
		runtime.Gosched()
	case ActionSleep:
		if p.Max > 0 {
			time.Sleep(time.Duration(splitmix(r) % uint64(p.Max)))
		} else {
			runtime.Gosched()
		}
	}
}

func matchAny(prefixes []string, name string) bool {
	for _, f := range prefixes {
		if strings.HasPrefix(name, f) {
			return true
		}
	}
	return false
}

// Set installs p as the policy for the points that follow and returns a
// function restoring the previous one.
func Set(p Policy) (restore func()) {
	prev := install(p)
	return func() { current.Store(prev) }
}

// Current returns the policy in force.
func Current() Policy { return current.Load().policy }

// Describe returns a one-line description of the policy in force, suitable
// for PADDOCK_SCHED, so a failing run can be replayed.
func Describe() string { return "PADDOCK_SCHED='" + Current().String() + "'" }

// decide makes decision i of a run: whether the point acts, and the random
// word it may use. It is a pure function of (seed, i), so the same seed
// replays the same sequence of decisions.
func decide(p *Policy, i uint64) (r uint64, act bool) {
	r = splitmix(p.Seed ^ splitmix(i))
	return r, float64(r>>11)/(1<<53) < p.P
}

// splitmix is SplitMix64's finaliser: a cheap, well-mixed hash of x.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
