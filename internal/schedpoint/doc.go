// Package schedpoint marks the protocol edges of paddock's concurrent parts
// with named scheduling points, so that tests can widen race windows on
// purpose and replay a failing interleaving from its seed.
//
// In an ordinary build [Point] is an empty function that the compiler inlines
// away: production code pays nothing for the points it carries. Built with
// -tags schedtest, every Point consults a [Policy]: with probability P it
// yields the processor or sleeps a random time up to Max, for the points whose
// names match the policy's filter. The decisions come from a source seeded
// per run, never the global math/rand source, so the same seed makes the same
// sequence of decisions; a failing test prints [Describe] so the run can be
// replayed with PADDOCK_SCHED set to what it printed.
//
// The policy is read once from the environment variable PADDOCK_SCHED, a
// comma-separated list of key=value pairs (see [ParsePolicy]):
//
//	PADDOCK_SCHED='seed=42,p=0.5,action=sleep,max=200us,filter=arena.|executor.submit'
//
// Tests may replace it at run time with [Set], which returns a function that
// restores the previous policy.
//
// Point names are dotted, package first: "arena.get.afterPop",
// "executor.submit.afterCheck", "lifecycle.finalize.beforeJoin".
//
// Example:
//
//	func (c *cache) pop() *block {
//		n := c.n
//		schedpoint.Point("naive.arena.get.afterRead")
//		c.n = n - 1
//		return c.blocks[n-1]
//	}
package schedpoint
