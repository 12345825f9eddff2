package arena_test

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/paddock-go/paddock/arena"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"2K", 2048, true},
		{"2k", 2048, true},
		{"2m", 2 << 20, true},
		{"2M", 2 << 20, true},
		{" 16 ", 16, true},
		{"-1", -1, true},
		{"+3k", 3072, true},
		{"0", 0, true},
		{"wat", 0, false},
		{"", 0, false},
		{"k", 0, false},
		{"1.5m", 0, false},
		{"2g", 0, false},
		{"1kk", 0, false},
		{"9223372036854775807m", 0, false},
	}
	for _, tt := range tests {
		got, err := arena.ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestParseSizeErrors: a number too large for an int is out of range,
// whether its suffix or its digits make it so (the digits once gave "not an
// integer").
func TestParseSizeErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"9999999999999999999", `arena: "9999999999999999999" is out of range`},
		{"-9999999999999999999k", `arena: "-9999999999999999999k" is out of range`},
		{"9999999999999m", `arena: "9999999999999m" is out of range`},
		{"12x", `arena: "12x" is not an integer with an optional k or m suffix`},
	} {
		if _, err := arena.ParseSize(tt.in); err == nil || err.Error() != tt.want {
			t.Errorf("ParseSize(%q): got %v, want %s", tt.in, err, tt.want)
		}
	}
}

// sizeGrammar is what ParseSize accepts once surrounding spaces are gone.
var sizeGrammar = regexp.MustCompile(`^[+-]?([0-9]+)[kKmM]?$`)

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"2K", "2m", " 7 ", "-3k", "wat", "", "9223372036854775807", "8796093022207k", "\u00a012k\t", "1_000", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := arena.ParseSize(s)
		// Accepted exactly when s is, around Unicode spaces, a sign, digits
		// and an optional k or m in either case (a short number always fits).
		m := sizeGrammar.FindStringSubmatch(strings.TrimFunc(s, unicode.IsSpace))
		if m == nil && err == nil {
			t.Fatalf("ParseSize(%q) = %d, want an error: not an integer with an optional k or m", s, n)
		}
		if m != nil && len(m[1]) <= 12 && err != nil {
			t.Fatalf("ParseSize(%q): %v, want it accepted", s, err)
		}
		if err != nil {
			return
		}
		// The value round-trips through its plain decimal form.
		if m, err := arena.ParseSize(strconv.Itoa(n)); err != nil || m != n {
			t.Fatalf("ParseSize(%q) = %d, but ParseSize(%q) = %d, %v", s, n, strconv.Itoa(n), m, err)
		}
		// Case does not matter.
		if m, err := arena.ParseSize(strings.ToUpper(s)); err != nil || m != n {
			t.Fatalf("ParseSize(%q) = %d, but upper case gives %d, %v", s, n, m, err)
		}
		// A suffix multiplies exactly.
		v := strings.ToLower(strings.TrimSpace(s))
		unit := map[byte]int{'k': 1 << 10, 'm': 1 << 20}[v[len(v)-1]]
		if unit != 0 {
			base, err := strconv.Atoi(v[:len(v)-1])
			if err != nil || base*unit != n {
				t.Fatalf("ParseSize(%q) = %d, want %d x %d", s, n, base, unit)
			}
		}
	})
}

func TestFromEnvUnits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want arena.Config
	}{
		{map[string]string{}, arena.Config{Alignment: 1, BlockSize: 16 << 20}},
		{map[string]string{"PADDOCK_BLOCKS_MAX": "2K"}, arena.Config{Alignment: 1, BlockSize: 16 << 20, BlocksMax: 2048}},
		{map[string]string{"PADDOCK_BLOCK_SIZE": "2m"}, arena.Config{Alignment: 1, BlockSize: 2 << 20}},
		{map[string]string{"PADDOCK_ALIGNMENT": "16", "PADDOCK_BLOCK_SIZE": "8K", "PADDOCK_BLOCKS_MAX": "10"},
			arena.Config{Alignment: 16, BlockSize: 8192, BlocksMax: 10}},
	}
	for _, tt := range tests {
		var logs bytes.Buffer
		got := arena.FromEnv(lookupIn(tt.env), slog.New(slog.NewTextHandler(&logs, nil)))
		if got != tt.want {
			t.Errorf("FromEnv(%v) = %+v, want %+v", tt.env, got, tt.want)
		}
		if logs.Len() != 0 {
			t.Errorf("FromEnv(%v) logged %q, want nothing", tt.env, logs.String())
		}
	}
}

func TestFromEnvWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value, reason string
	}{
		{"PADDOCK_ALIGNMENT", "15", "power of two"},
		{"PADDOCK_BLOCK_SIZE", "1024", "multiple of 4096"},
		{"PADDOCK_BLOCKS_MAX", "wat", "not an integer"},
		{"PADDOCK_BLOCKS_MAX", "-1", "greater than 0"},
	}
	for _, tt := range tests {
		var logs bytes.Buffer
		got := arena.FromEnv(lookupIn(map[string]string{tt.name: tt.value}), slog.New(slog.NewTextHandler(&logs, nil)))
		if want := (arena.Config{Alignment: 1, BlockSize: 16 << 20}); got != want {
			t.Errorf("%s=%s: got %+v, want the defaults %+v", tt.name, tt.value, got, want)
		}
		out := logs.String()
		if !strings.Contains(out, "level=WARN") || !strings.Contains(out, tt.name) || !strings.Contains(out, tt.reason) {
			t.Errorf("%s=%s: logged %q, want a warning naming the variable and %q", tt.name, tt.value, out, tt.reason)
		}
	}
}

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// TestDefaultReadsEnvironment runs the test binary again with PADDOCK_*
// set, since Default reads the environment once per process: units are
// applied, a bad value keeps its default, and the warning reaches slog's
// default logger (stderr) naming the variable and the reason.
func TestDefaultReadsEnvironment(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), defaultHelperEnv+"=1",
		"PADDOCK_ALIGNMENT=3", "PADDOCK_BLOCK_SIZE=8K", "PADDOCK_BLOCKS_MAX=2k")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v; stderr: %s", err, stderr.String())
	}
	if got, want := stdout.String(), "1 8192 2048\n"; got != want {
		t.Errorf("Default() settings: got %q, want %q (alignment, block size, blocks max)", got, want)
	}
	if out := stderr.String(); !strings.Contains(out, "WARN") || !strings.Contains(out, "PADDOCK_ALIGNMENT") ||
		!strings.Contains(out, "power of two") || strings.Contains(out, "PADDOCK_BLOCK_SIZE") {
		t.Errorf("stderr %q: want one warning naming PADDOCK_ALIGNMENT and why", out)
	}
}
