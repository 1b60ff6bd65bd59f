//go:build race

package netlab

// raceEnabled: under the race detector, starting the test binary as a
// client takes seconds on a busy machine, so the client tests check what
// they measured but not the fitted k (make test runs them without it).
const raceEnabled = true
