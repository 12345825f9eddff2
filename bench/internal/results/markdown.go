package results

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Machine keys: the configuration lines the report command writes at the
// top of its raw file, which WriteMarkdown states above the tables.
const (
	KeyCPUModel = "cpu-model" // the model name of /proc/cpuinfo
	KeyCores    = "cores"     // logical CPUs (runtime.NumCPU)
	KeyGo       = "go"        // the Go version that ran the benchmarks
	KeyDate     = "date"      // when the run started, RFC 3339 in UTC
	KeyMode     = "mode"      // quick or full, and the benchtime
	KeyCommit   = "commit"    // the paddock commit measured
)

// Machine returns one line naming the machine and run of set, from the
// keys above and go test's own goos, goarch and cpu lines.
func Machine(set *Set) string {
	c := set.Config
	cpu := c[KeyCPUModel]
	if cpu == "" {
		cpu = c["cpu"]
	}
	if cpu == "" {
		cpu = "unknown CPU"
	}
	var b strings.Builder
	b.WriteString(cpu)
	if c[KeyCores] != "" {
		fmt.Fprintf(&b, ", %s cores", c[KeyCores])
	}
	if c["goos"] != "" {
		fmt.Fprintf(&b, ", %s/%s", c["goos"], c["goarch"])
	}
	for _, k := range []string{KeyGo, KeyDate, KeyMode} {
		if c[k] != "" {
			b.WriteString(", " + c[k])
		}
	}
	if c[KeyCommit] != "" {
		b.WriteString(", paddock " + c[KeyCommit])
	}
	return b.String()
}

// WriteMarkdown writes the machine line and one table per component. A
// baseline cell holds its median and allocs/op; a peer cell holds the ratio
// baseline / peer, in bold when below 1 (the baseline took less). When the
// baseline did not run a row, the peers' own values are shown instead.
func WriteMarkdown(w io.Writer, set *Set, tables []Table) error {
	ew := &errWriter{w: w}
	ew.printf("Machine: %s.\n\n", Machine(set))
	if len(tables) > 0 {
		ew.printf("Each peer column is %s / peer for the same case and -cpu: the time ratio, lower is better;"+
			" below 1.00x (bold) %s is faster. Medians of %s.\n", tables[0].Baseline, tables[0].Baseline, runsPhrase(tables))
	}
	for _, t := range tables {
		ew.printf("\n### %s\n\n", t.Component)
		ew.printf("| case | metric | -cpu | %s |", t.Baseline)
		for _, p := range t.Peers {
			ew.printf(" %s |", p)
		}
		ew.printf("\n|:--|:--|--:|--:|%s\n", strings.Repeat("--:|", len(t.Peers)))
		for _, r := range t.Rows {
			name := r.Case
			if name == "" {
				name = "–"
			}
			ew.printf("| %s | %s | %d | %s |", name, r.Unit, r.Procs, valueCell(r.Base, r.Unit))
			for _, c := range r.Peers {
				ew.printf(" %s |", peerCell(c, r.Base.OK, r.Unit))
			}
			ew.printf("\n")
		}
	}
	return ew.err
}

func runsPhrase(tables []Table) string {
	lo, hi := 0, 0
	for _, t := range tables {
		for _, r := range t.Rows {
			for _, c := range append([]Cell{r.Base}, r.Peers...) {
				if !c.OK {
					continue
				}
				if lo == 0 || c.Runs < lo {
					lo = c.Runs
				}
				hi = max(hi, c.Runs)
			}
		}
	}
	switch {
	case hi <= 1:
		return "1 run"
	case lo == hi:
		return strconv.Itoa(hi) + " runs"
	default:
		return fmt.Sprintf("%d to %d runs", lo, hi)
	}
}

func valueCell(c Cell, unit string) string {
	if !c.OK {
		return "—"
	}
	s := FormatValue(c.Value, unit)
	if c.HasAllocs && unit == "ns/op" { // allocs/op counts the op, which other units do not measure
		s += " · " + strconv.FormatFloat(c.Allocs, 'f', -1, 64) + " allocs"
	}
	return s
}

func peerCell(c Cell, haveBase bool, unit string) string {
	switch {
	case !c.OK:
		return "—"
	case !haveBase || !c.HasRatio:
		return FormatValue(c.Value, unit)
	case c.Ratio < 1:
		return "**" + FormatRatio(c.Ratio) + "**"
	default:
		return FormatRatio(c.Ratio)
	}
}

// FormatRatio writes a ratio with two decimals, with no decimals from 100
// up, and with two significant digits below 0.1: "0.52x", "12.30x", "140x",
// "0.00020x".
func FormatRatio(r float64) string {
	switch {
	case r >= 100:
		return strconv.FormatFloat(r, 'f', 0, 64) + "x"
	case r > 0 && r < 0.1:
		decimals := 1 - int(math.Floor(math.Log10(r)))
		return strconv.FormatFloat(r, 'f', decimals, 64) + "x"
	}
	return strconv.FormatFloat(r, 'f', 2, 64) + "x"
}

// FormatValue writes a value of unit for people: a time in nanoseconds
// (ns/op, ns/task, maxwait-ns, ...) scaled to ns, µs, ms or s with three
// significant digits; any other value with three significant digits and its
// unit.
func FormatValue(v float64, unit string) string {
	if IsNanoseconds(unit) {
		scaled, suffix := v, "ns"
		for _, s := range []string{"µs", "ms", "s"} {
			if scaled < 999.5 { // what sig3 would print as 1000
				break
			}
			scaled, suffix = scaled/1000, s
		}
		return sig3(scaled) + " " + suffix
	}
	return sig3(v) + " " + unit
}

// IsNanoseconds reports whether unit measures time in nanoseconds.
func IsNanoseconds(unit string) bool {
	return strings.HasPrefix(unit, "ns/") || strings.HasSuffix(unit, "-ns") || unit == "ns"
}

// sig3 writes v with three significant digits and no exponent, v >= 0.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
