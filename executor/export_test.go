package executor

import "github.com/paddock-go/paddock/internal/exechook"

// Hooks observe an executor's protocol edges in tests; see
// internal/exechook.
type Hooks = exechook.Hooks

// SetHooks installs h; call it before the first submission.
func SetHooks(e *Executor, h Hooks) { exechook.Install(e, h) }
