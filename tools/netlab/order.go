package netlab

import "math/rand/v2"

// Cell is one measurement of a run: one series at one RTT, one repeat.
// The fields index the run's RTTs and series; Repeat counts from 0.
type Cell struct {
	RTT, Series, Repeat int
}

// MeasureOrder returns every cell of rtts × series × repeats once, in a
// random order that seed fixes. Measuring in one pass with the RTTs
// ascending would confound the RTT with whatever drifts during a run (the
// machine warming up, another job starting): a slope fitted to such data
// measures the drift too. In random order, drift becomes scatter, which
// the fit's interval accounts for; the seed, recorded in the results'
// meta, makes the order reproducible.
func MeasureOrder(rtts, series, repeats int, seed uint64) []Cell {
	var cells []Cell
	for r := range rtts {
		for s := range series {
			for rep := range repeats {
				cells = append(cells, Cell{RTT: r, Series: s, Repeat: rep})
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e65746c6162)) // "netlab"
	rng.Shuffle(len(cells), func(i, j int) { cells[i], cells[j] = cells[j], cells[i] })
	return cells
}
