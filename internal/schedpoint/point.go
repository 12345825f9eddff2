//go:build !schedtest

package schedpoint

// Enabled reports whether this binary was built with -tags schedtest, that is
// whether [Point] can do anything at all.
const Enabled = false

// Point marks a scheduling point. Without -tags schedtest it does nothing and
// inlines away.
func Point(name string) {}

// Set installs p as the policy for the points that follow and returns a
// function restoring the previous one. Without -tags schedtest it only
// validates nothing and returns a no-op, so tests can call it unconditionally
// and check [Enabled] to know whether it took effect.
func Set(p Policy) (restore func()) { return func() {} }

// Current returns the policy in force; without -tags schedtest, the zero
// policy.
func Current() Policy { return Policy{} }

// Describe returns a one-line description of the policy in force, suitable
// for PADDOCK_SCHED, so a failing run can be replayed.
func Describe() string { return "schedpoint: disabled (build with -tags schedtest)" }
