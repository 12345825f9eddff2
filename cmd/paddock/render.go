package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/paddock-go/paddock/internal/scenario"
)

// maxSamplesShown bounds the violation messages printed per result.
const maxSamplesShown = 2

// renderTable prints the results as a table, scenario x implementation,
// followed by a few violation messages and the verdict. It depends only on
// rep, so the same report always prints the same text.
func renderTable(w io.Writer, rep verifyReport) error {
	fmt.Fprintf(w, "paddock verify: %s mode, seed %d, GOMAXPROCS %d\n", rep.Mode, rep.Seed, rep.GOMAXPROCS)
	if rep.Sched != "" {
		fmt.Fprintf(w, "scheduling points: %s\n", rep.Sched)
	}
	if rep.Note != "" {
		fmt.Fprintf(w, "note: %s\n", rep.Note)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tIMPL\tOPERATIONS\tVIOLATIONS\tPEAK MEM\tTIME\tVERDICT")
	for _, r := range rep.Results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n",
			r.Scenario, r.Impl, r.Ops, violations(r), bytesIEC(r.PeakBytes), elapsed(r.Elapsed), verdict(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var samples []string
	for _, r := range rep.Results {
		n := len(r.Samples)
		if r.Impl == scenario.Naive {
			n = min(n, maxSamplesShown)
		}
		for _, s := range r.Samples[:n] {
			samples = append(samples, fmt.Sprintf("  %s/%s: %s", r.Scenario, r.Impl, s))
		}
	}
	if len(samples) > 0 {
		fmt.Fprintf(w, "\nexamples:\n%s\n", strings.Join(samples, "\n"))
	}
	_, err := fmt.Fprintf(w, "\n%s\n", strings.Join(rep.Summary, "\n"))
	return err
}

// violations formats a result's violation counts, only the kinds seen.
func violations(r scenario.Result) string {
	var parts []string
	for _, c := range r.Violations {
		if c.N > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c.Kind, c.N))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// bytesIEC formats n bytes with a binary unit.
func bytesIEC(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// jsonRow is a result as the JSON output shows it: the result and its
// verdict.
type jsonRow struct {
	scenario.Result
	Verdict string `json:"verdict"`
}

// renderJSON prints the report as indented JSON.
func renderJSON(w io.Writer, rep verifyReport) error {
	rep.Rows = make([]jsonRow, len(rep.Results))
	for i, r := range rep.Results {
		rep.Rows[i] = jsonRow{r, verdict(r)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
