//go:build race

package render

// raceEnabled: the race detector slows chroma's regular expressions
// tenfold, so the comparisons with chroma take a sample of the texts
// (make test runs them whole without it).
const raceEnabled = true
