package arena_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/paddock-go/paddock/arena"
)

func TestMain(m *testing.M) {
	if os.Getenv(defaultHelperEnv) != "" {
		// A child of TestDefaultReadsEnvironment: report what Default
		// made of the environment (its warnings go to stderr).
		a := arena.Default()
		fmt.Println(a.Alignment(), a.BlockSize(), a.BlocksMax())
		return
	}
	goleak.VerifyTestMain(m)
}

// defaultHelperEnv makes the test binary print Default's settings and exit.
const defaultHelperEnv = "PADDOCK_ARENA_TEST_DEFAULT"

// mustNew returns an arena for cfg or fails the test.
func mustNew(t testing.TB, cfg arena.Config) *arena.Arena {
	t.Helper()
	a, err := arena.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return a
}

// checkConserved fails t unless allocated = in use + cached + freed.
func checkConserved(t testing.TB, st arena.Stats) {
	t.Helper()
	if got, want := st.InUseBlocks+st.BlocksCached+st.FreedBlocks, st.AllocatedBlocks; got != want {
		t.Errorf("in use %d + cached %d + freed %d = %d, want allocated %d",
			st.InUseBlocks, st.BlocksCached, st.FreedBlocks, got, want)
	}
}

// mustPanic runs f and fails t unless it panics with exactly want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		got := recover()
		if got == nil {
			t.Errorf("no panic, want %q", want)
			return
		}
		if s, _ := got.(string); s != want {
			t.Errorf("panic %v, want %q", got, want)
		}
	}()
	f()
}
