package naive_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the ports' own tests leave no goroutine behind. The
// ports are exercised mostly from internal/scenario and the packages'
// naive-detection tests, which account for the goroutines a port strands.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	module = "github.com/paddock-go/paddock"
	self   = module + "/internal/naive"
)

// TestNothingPublicImportsNaive: no package of the module outside internal/
// and cmd/ depends on the racy ports, directly or not. internal/scenario
// must be seen depending on them, which is how we know the check can fail.
func TestNothingPublicImportsNaive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	out, err := exec.Command(gobin, "list", "-e", "-f", `{{.ImportPath}} {{join .Deps " "}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	sawScenario := false
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, deps := fields[0], fields[1:]
		uses := slices.Contains(deps, self)
		if pkg == module+"/internal/scenario" {
			sawScenario = uses
		}
		if uses && !strings.HasPrefix(pkg, module+"/internal/") && !strings.HasPrefix(pkg, module+"/cmd/") {
			t.Errorf("public package %s depends on %s", pkg, self)
		}
	}
	if !sawScenario {
		t.Errorf("go list did not show internal/scenario depending on %s; the check sees nothing:\n%s", self, out)
	}
}
