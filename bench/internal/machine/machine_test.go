package machine_test

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paddock-go/paddock/bench/internal/machine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCPUModel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, cpuinfo, want string }{
		{"x86", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC  7B13 64-Core Processor\nprocessor\t: 1\nmodel name\t: other\n", "AMD EPYC 7B13 64-Core Processor"},
		{"arm", "Processor\t: AArch64 Processor rev 1 (aarch64)\nprocessor\t: 0\nBogoMIPS\t: 50.00\n", "AArch64 Processor rev 1 (aarch64)"},
		{"ppc", "processor\t: 0\ncpu\t\t: POWER9, altivec supported\n", "POWER9, altivec supported"},
		{"model name wins", "cpu\t: X\nmodel name\t: Y\n", "Y"},
		{"empty model", "model name\t:\n", ""},
		{"none", "", ""},
	} {
		if got := machine.CPUModel(strings.NewReader(tc.cpuinfo)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 23, 17, 0, 0, 0, time.FixedZone("CET", 3600))
	kvs := machine.Describe(start)
	var keys []string
	for _, kv := range kvs {
		keys = append(keys, kv.Key)
		if kv.Value == "" {
			t.Errorf("%s: got an empty value", kv.Key)
		}
	}
	if got, want := strings.Join(keys, " "), "cpu-model cores go date"; got != want {
		t.Errorf("keys: got %q, want %q", got, want)
	}
	if got, want := kvs[3].Value, "2026-11-23T16:00:00Z"; got != want {
		t.Errorf("date: got %q, want %q", got, want)
	}
}
