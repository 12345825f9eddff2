package schedpoint

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Policy
	}{
		{"", Policy{}},
		{"seed=7", Policy{Seed: 7}},
		{"seed=1,p=0.5", Policy{Seed: 1, P: 0.5, Action: ActionYield}},
		{"seed=1,p=1,action=sleep,max=200us,filter=arena.|executor.",
			Policy{Seed: 1, P: 1, Action: ActionSleep, Max: 200 * time.Microsecond, Filter: "arena.|executor."}},
		{" p=0.25 , action=none ", Policy{P: 0.25}},
	}
	for _, tt := range tests {
		got, err := ParsePolicy(tt.in)
		if err != nil {
			t.Errorf("ParsePolicy(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParsePolicy(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParsePolicyErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"seed", "seed=-1", "p=2", "p=-0.1", "p=NaN", "action=pause", "max=-1s", "max=soon", "color=red"} {
		if p, err := ParsePolicy(in); err == nil {
			t.Errorf("ParsePolicy(%q) = %+v, want an error", in, p)
		}
	}
}

func TestPolicyStringRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []Policy{
		{},
		{Seed: 99, P: 0.125, Action: ActionYield},
		{Seed: 1 << 63, P: 1, Action: ActionSleep, Max: time.Millisecond, Filter: "gil."},
	} {
		got, err := ParsePolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePolicy(%q) = %+v, %v; want %+v", p.String(), got, err, p)
		}
	}
}

func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{"", "seed=1,p=0.5,action=sleep,max=1ms,filter=a.|b", "p=1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePolicy(s)
		if err != nil {
			return
		}
		if p.P < 0 || p.P > 1 || p.Max < 0 {
			t.Fatalf("ParsePolicy(%q) accepted an out-of-range policy %+v", s, p)
		}
		q, err := ParsePolicy(p.String())
		if err != nil {
			t.Fatalf("ParsePolicy(%q) (from %q): %v", p.String(), s, err)
		}
		if q != p {
			t.Fatalf("round trip of %q: got %+v, want %+v", s, q, p)
		}
	})
}
