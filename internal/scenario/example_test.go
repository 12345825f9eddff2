package scenario_test

import (
	"context"
	"fmt"

	"github.com/paddock-go/paddock/internal/scenario"
)

// Run a scenario on paddock and read what its detectors saw.
func ExampleScenario_Run() {
	s, _ := scenario.Lookup("freelist")
	res, err := s.Run(context.Background(), scenario.Config{Impl: scenario.Paddock, Workers: 2, Rounds: 3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s on %s: %d rounds, %d operations, %d violations\n", res.Scenario, res.Impl, res.Rounds, res.Ops, res.Total())
	// Output: freelist on paddock: 3 rounds, 12000 operations, 0 violations
}

func ExampleNames() {
	fmt.Println(scenario.Names())
	// Output: [arena freelist gil executor]
}
