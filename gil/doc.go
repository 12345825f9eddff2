// Package gil is CPython's global interpreter lock done right for Go: a
// fair lock for the threads of a [lifecycle.Runtime] that never returns to a
// thread that must exit.
package gil
