package schedpoint_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPointInlinesAway compiles testdata/inline, a loop carrying a point,
// and reads the compiler's decisions and assembly: in an ordinary build the
// call is inlined and no CALL to Point is left; built with -tags schedtest
// the CALL is there. The second build is how we know the first check can
// fail.
func TestPointInlinesAway(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a program twice")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	const callee = "internal/schedpoint.Point"
	for _, tt := range []struct {
		tags     string
		wantCall bool
	}{
		{"", false},
		{"schedtest", true},
	} {
		out := compile(t, gobin, tt.tags)
		if !tt.wantCall && !strings.Contains(out, "inlining call to schedpoint.Point") {
			t.Errorf("tags %q: the compiler did not inline Point:\n%s", tt.tags, out)
		}
		if got := hasCall(out, callee); got != tt.wantCall {
			t.Errorf("tags %q: CALL to %s in the assembly: %v, want %v", tt.tags, callee, got, tt.wantCall)
		}
	}
}

// compile builds testdata/inline with -m (inlining decisions) and -S
// (assembly) for that package only, and returns what the compiler printed.
func compile(t *testing.T, gobin, tags string) string {
	t.Helper()
	args := []string{"build", "-o", t.TempDir() + "/inline", "-gcflags=-m -S"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	args = append(args, "./testdata/inline")
	out, err := exec.Command(gobin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func hasCall(asm, callee string) bool {
	for line := range strings.Lines(asm) {
		if strings.Contains(line, "CALL") && strings.Contains(line, callee) {
			return true
		}
	}
	return false
}
