package results

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A Result is one benchmark line: one run of one benchmark at one -cpu.
type Result struct {
	Component string             // the top-level name without "Benchmark": "Arena"
	Case      string             // the other elements but impl, joined by "/": "size=1MiB"; "" when none
	Impl      string             // the value of the impl= element; "" when none
	Procs     int                // GOMAXPROCS: the -N suffix, 1 when absent
	Iters     int                // the iteration count
	Values    map[string]float64 // value by unit: "ns/op", "allocs/op", "maxwait-ns", ...
	Units     []string           // the units in the order of the line
}

// A Set is a parsed benchmark file: its results in order, and its
// configuration lines ("cpu: ...", "goos: ...") by key, the last value of
// each key.
type Set struct {
	Results []Result
	Config  map[string]string
	Keys    []string // configuration keys in order of first appearance
	Skipped []string // "line N: why" for each result line that could not be parsed
}

// Parse reads the Go benchmark format. Lines that are neither configuration
// nor results (PASS, ok, test output) are skipped, as benchstat skips them.
// A line that starts like a result but cannot be parsed (a failed
// benchmark's "BenchmarkX-2 --- FAIL", a run cut short after its name) is
// skipped too and recorded in Set.Skipped with its line number, as
// benchstat warns and goes on; one bad line does not hide the others.
func Parse(r io.Reader) (*Set, error) {
	set := &Set{Config: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := sc.Text()
		if key, value, ok := configLine(line); ok {
			if _, seen := set.Config[key]; !seen {
				set.Keys = append(set.Keys, key)
			}
			set.Config[key] = value
			continue
		}
		if !isResultLine(line) {
			continue
		}
		res, err := parseResult(line)
		if err != nil {
			set.Skipped = append(set.Skipped, fmt.Sprintf("line %d: %v", lineNo, err))
			continue
		}
		set.Results = append(set.Results, res)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return set, nil
}

// configLine recognizes "key: value", where key starts with a lower-case
// letter and holds no space or upper-case letter, as the format defines it.
func configLine(line string) (key, value string, ok bool) {
	key, value, found := strings.Cut(line, ":")
	if !found || key == "" || key[0] < 'a' || key[0] > 'z' {
		return "", "", false
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r == ' ' || r == '\t' || ('A' <= r && r <= 'Z') }) {
		return "", "", false
	}
	if value != "" && value[0] != ' ' && value[0] != '\t' {
		return "", "", false
	}
	return key, strings.TrimSpace(value), true
}

// isResultLine: "Benchmark" followed by the end of the name or a character
// that is not a lower-case letter (so "Benchmarking ..." is not a result).
func isResultLine(line string) bool {
	rest, ok := strings.CutPrefix(line, "Benchmark")
	if !ok {
		return false
	}
	return rest == "" || rest[0] < 'a' || rest[0] > 'z'
}

func parseResult(line string) (Result, error) {
	fields := strings.Fields(line)
	if len(fields) < 4 || len(fields)%2 != 0 {
		return Result{}, fmt.Errorf("want a name, an iteration count and value-unit pairs, got %q", line)
	}
	res := Result{Values: map[string]float64{}}
	full := strings.TrimPrefix(fields[0], "Benchmark")
	name, procs := splitProcs(full)
	res.Procs = procs
	res.Component, res.Case, res.Impl = splitName(name)
	iters, err := strconv.Atoi(fields[1])
	if err != nil || iters <= 0 {
		return Result{}, fmt.Errorf("%s: iteration count %q is not a positive integer", fields[0], fields[1])
	}
	res.Iters = iters
	for i := 2; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return Result{}, fmt.Errorf("%s: value %q of unit %q is not a number", fields[0], fields[i], fields[i+1])
		}
		unit := fields[i+1]
		if _, dup := res.Values[unit]; !dup {
			res.Units = append(res.Units, unit)
		}
		res.Values[unit] = v
	}
	return res, nil
}

// splitProcs splits the -N suffix off a name; without one, GOMAXPROCS was 1.
func splitProcs(name string) (string, int) {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i == len(name)-1 {
		return name, 1
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil || n <= 0 || strings.ContainsAny(name[i+1:], "+") {
		return name, 1
	}
	return name[:i], n
}

// splitName splits "Component/a=1/impl=x/b=2" into "Component", "a=1/b=2"
// and "x".
func splitName(name string) (component, caseName, impl string) {
	parts := strings.Split(name, "/")
	component = parts[0]
	var rest []string
	for _, p := range parts[1:] {
		if v, ok := strings.CutPrefix(p, "impl="); ok && impl == "" {
			impl = v
			continue
		}
		rest = append(rest, p)
	}
	return component, strings.Join(rest, "/"), impl
}
