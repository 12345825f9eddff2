package schedpoint

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Action is what a scheduling point does when the policy picks it.
type Action int

// The actions a policy can take at a point.
const (
	ActionNone  Action = iota // do nothing
	ActionYield               // runtime.Gosched
	ActionSleep               // sleep a random duration in [0, Max)
)

var actionNames = [...]string{ActionNone: "none", ActionYield: "yield", ActionSleep: "sleep"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Policy decides what the scheduling points do. Its zero value does nothing.
type Policy struct {
	Seed   uint64        // seeds the per-run decision source
	P      float64       // probability that a matching point acts, 0 to 1
	Action Action        // what a picked point does
	Max    time.Duration // upper bound of a sleep
	Filter string        // '|'-separated name prefixes; empty matches every point
}

// String formats p in the syntax ParsePolicy reads.
func (p Policy) String() string {
	s := fmt.Sprintf("seed=%d,p=%g,action=%s", p.Seed, p.P, p.Action)
	if p.Max > 0 {
		s += ",max=" + p.Max.String()
	}
	if p.Filter != "" {
		s += ",filter=" + p.Filter
	}
	return s
}

// ParsePolicy reads a policy from a comma-separated list of key=value pairs:
// seed (unsigned integer), p (probability, 0 to 1), action (none, yield or
// sleep), max (a time.Duration, at least 0) and filter ('|'-separated name
// prefixes). Missing keys keep their zero value, except that a policy with a
// positive p and no action yields. The empty string is the zero policy.
func ParsePolicy(s string) (Policy, error) {
	var p Policy
	actionSet := false
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			return Policy{}, fmt.Errorf("schedpoint: %q is not key=value", kv)
		}
		var err error
		switch key {
		case "seed":
			p.Seed, err = strconv.ParseUint(val, 10, 64)
		case "p":
			p.P, err = strconv.ParseFloat(val, 64)
			if err == nil && (p.P < 0 || p.P > 1 || p.P != p.P) {
				err = fmt.Errorf("must be between 0 and 1")
			}
		case "action":
			actionSet = true
			p.Action, err = parseAction(val)
		case "max":
			p.Max, err = time.ParseDuration(val)
			if err == nil && p.Max < 0 {
				err = fmt.Errorf("must not be negative")
			}
		case "filter":
			p.Filter = val
		default:
			return Policy{}, fmt.Errorf("schedpoint: unknown key %q (want seed, p, action, max or filter)", key)
		}
		if err != nil {
			return Policy{}, fmt.Errorf("schedpoint: %s=%q: %w", key, val, err)
		}
	}
	if !actionSet && p.P > 0 {
		p.Action = ActionYield
	}
	return p, nil
}

func parseAction(s string) (Action, error) {
	for a, name := range actionNames {
		if s == name {
			return Action(a), nil
		}
	}
	return ActionNone, fmt.Errorf("unknown action (want none, yield or sleep)")
}
