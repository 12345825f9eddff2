package results

import (
	"slices"
	"sort"
	"strings"
)

// A Table compares one component's implementations: one row per case,
// compared unit and -cpu; one column for the baseline and one per peer.
type Table struct {
	Component string
	Baseline  string   // the implementation compared with the others
	Peers     []string // the other implementations, in order of first appearance
	Rows      []Row
}

// A Row is one case at one -cpu for one unit.
type Row struct {
	Case  string
	Unit  string // "ns/op", or the unit that replaces it ("ns/shutdown"), or an extra "-ns" metric
	Procs int
	Base  Cell   // the baseline's value; Base.OK is false when it did not run
	Peers []Cell // one per Table.Peers
}

// A Cell is the median of an implementation's runs, and its ratio to it.
type Cell struct {
	OK        bool    // the implementation ran this case at this -cpu
	Value     float64 // median of the runs, in Row.Unit
	Runs      int     // how many runs the median is of
	Allocs    float64 // median allocs/op, when HasAllocs
	HasAllocs bool
	Ratio     float64 // for a peer: baseline value / this value, when HasRatio
	HasRatio  bool
}

// PrimaryOverride lists the units that, when a case reports them, are
// compared instead of ns/op, because one op of that case is mostly setup
// (BenchmarkExecutorShutdown fills a pool, then times the shutdown alone).
var PrimaryOverride = []string{"ns/shutdown"}

type groupKey struct {
	component, caseName, impl string
	procs                     int
}

// Compare groups the results of set by component, case, implementation and
// -cpu, takes the median of repeated runs, and compares baseline with every
// other implementation of the same component. Components, cases and peers
// keep their order of first appearance; -cpu values are sorted.
func Compare(set *Set, baseline string) []Table {
	runs := map[groupKey][]Result{}
	var components []string
	cases := map[string][]string{}
	impls := map[string][]string{}
	procs := map[[2]string][]int{}
	units := map[[2]string][]string{} // every unit a case reported, in order
	for _, r := range set.Results {
		k := groupKey{r.Component, r.Case, r.Impl, r.Procs}
		ck := [2]string{r.Component, r.Case}
		if _, ok := cases[r.Component]; !ok {
			components = append(components, r.Component)
		}
		cases[r.Component] = appendNew(cases[r.Component], r.Case)
		impls[r.Component] = appendNew(impls[r.Component], r.Impl)
		procs[ck] = appendNew(procs[ck], r.Procs)
		for _, u := range r.Units {
			units[ck] = appendNew(units[ck], u)
		}
		runs[k] = append(runs[k], r)
	}

	var tables []Table
	for _, comp := range components {
		t := Table{Component: comp, Baseline: baseline}
		for _, impl := range impls[comp] {
			if impl != baseline {
				t.Peers = append(t.Peers, impl)
			}
		}
		for _, c := range cases[comp] {
			ck := [2]string{comp, c}
			ps := slices.Clone(procs[ck])
			sort.Ints(ps)
			for _, unit := range comparedUnits(units[ck]) {
				for _, p := range ps {
					row := Row{Case: c, Unit: unit, Procs: p}
					row.Base = cell(runs[groupKey{comp, c, baseline, p}], unit)
					for _, peer := range t.Peers {
						pc := cell(runs[groupKey{comp, c, peer, p}], unit)
						if row.Base.OK && pc.OK && pc.Value > 0 {
							pc.Ratio, pc.HasRatio = row.Base.Value/pc.Value, true
						}
						row.Peers = append(row.Peers, pc)
					}
					t.Rows = append(t.Rows, row)
				}
			}
		}
		tables = append(tables, t)
	}
	return tables
}

// PrimaryUnit returns the unit a case's charts and first rows use: the
// first of PrimaryOverride that the case reported, else ns/op.
func PrimaryUnit(reported []string) string {
	for _, u := range PrimaryOverride {
		if slices.Contains(reported, u) {
			return u
		}
	}
	return "ns/op"
}

// comparedUnits: the primary unit, then every reported unit ending in "-ns"
// (a latency the benchmark measured itself, such as maxwait-ns).
func comparedUnits(reported []string) []string {
	out := []string{PrimaryUnit(reported)}
	for _, u := range reported {
		if strings.HasSuffix(u, "-ns") && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

func cell(rs []Result, unit string) Cell {
	var vals, allocs []float64
	for _, r := range rs {
		if v, ok := r.Values[unit]; ok {
			vals = append(vals, v)
		}
		if a, ok := r.Values["allocs/op"]; ok {
			allocs = append(allocs, a)
		}
	}
	if len(vals) == 0 {
		return Cell{}
	}
	c := Cell{OK: true, Value: Median(vals), Runs: len(vals)}
	if len(allocs) > 0 {
		c.Allocs, c.HasAllocs = Median(allocs), true
	}
	return c
}

// Median returns the median of xs (the mean of the middle two for an even
// count), as benchstat summarizes repeated runs. xs must not be empty; it
// is not modified.
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func appendNew[T comparable](s []T, x T) []T {
	if slices.Contains(s, x) {
		return s
	}
	return append(s, x)
}

// Series is one implementation's values of one case's primary unit by
// -cpu, for a chart.
type Series struct {
	Impl   string
	Procs  []int
	Values []float64
}

// A Chart is the data of one component's chart: per case, one series per
// implementation, the baseline first.
type Chart struct {
	Component string
	Cases     []ChartCase
}

// A ChartCase is one panel of a chart.
type ChartCase struct {
	Case   string
	Unit   string
	Series []Series
}

// Charts extracts from tables, for every component, each case's primary unit
// by -cpu and implementation.
func Charts(tables []Table) []Chart {
	var charts []Chart
	for _, t := range tables {
		ch := Chart{Component: t.Component}
		var order []string
		byCase := map[string]*ChartCase{}
		for _, row := range t.Rows {
			cc, ok := byCase[row.Case]
			if !ok {
				cc = &ChartCase{Case: row.Case, Unit: row.Unit}
				byCase[row.Case] = cc
				order = append(order, row.Case)
				cc.Series = append(cc.Series, Series{Impl: t.Baseline})
				for _, p := range t.Peers {
					cc.Series = append(cc.Series, Series{Impl: p})
				}
			}
			if row.Unit != cc.Unit {
				continue // an extra metric: tables only
			}
			for i, c := range append([]Cell{row.Base}, row.Peers...) {
				if c.OK {
					s := &cc.Series[i]
					s.Procs = append(s.Procs, row.Procs)
					s.Values = append(s.Values, c.Value)
				}
			}
		}
		for _, c := range order {
			cc := byCase[c]
			cc.Series = slices.DeleteFunc(cc.Series, func(s Series) bool { return len(s.Values) == 0 })
			ch.Cases = append(ch.Cases, *cc)
		}
		charts = append(charts, ch)
	}
	return charts
}
