// Package machine describes the machine a benchmark run measured, as the
// configuration lines at the top of a results file: the CPU model from
// /proc/cpuinfo, the logical CPU count, the Go version and the date.
//
// Example:
//
//	for _, kv := range machine.Describe(time.Now()) {
//		fmt.Fprintf(w, "%s: %s\n", kv.Key, kv.Value)
//	}
package machine

import (
	"bufio"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/paddock-go/paddock/bench/internal/results"
)

// A KV is one configuration line.
type KV struct{ Key, Value string }

// Describe returns the machine lines: cpu-model, cores, go and date (start,
// in UTC).
func Describe(start time.Time) []KV {
	model := "unknown"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		if m := CPUModel(f); m != "" {
			model = m
		}
		f.Close()
	}
	return []KV{
		{results.KeyCPUModel, model},
		{results.KeyCores, strconv.Itoa(runtime.NumCPU())},
		{results.KeyGo, runtime.Version()},
		{results.KeyDate, start.UTC().Format(time.RFC3339)},
	}
}

// CPUModel returns the first model name of a /proc/cpuinfo listing: the
// "model name" of x86, else the "Processor" or "cpu model" line of other
// architectures; "" when there is none.
func CPUModel(r io.Reader) string {
	sc := bufio.NewScanner(r)
	fallback := ""
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.Join(strings.Fields(value), " ")
		switch {
		case value == "":
		case key == "model name":
			return value
		case (key == "Processor" || key == "cpu model" || key == "cpu") && fallback == "":
			fallback = value
		}
	}
	return fallback
}
