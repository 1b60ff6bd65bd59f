package netlab

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

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

// eachCell measures every cell of MeasureOrder(len(rtts), len(names),
// repeat, seed) in that order, each on a link of its own (cfg at the
// cell's RTT) with do, and logs each as "LOG NAME at RTT r, WHAT n (i of
// N)". meta gets the seed and the first link's settings.
func eachCell(cfg Config, rtts []time.Duration, names []string, repeat int, seed uint64,
	meta *Metadata, log io.Writer, prefix, what string, do func(l *Link, c Cell) error) error {
	if meta != nil {
		meta.OrderSeed = &seed
	}
	order := MeasureOrder(len(rtts), len(names), max(repeat, 1), seed)
	for i, c := range order {
		logf(log, "%s%s at RTT %v, %s %d (%d of %d)\n", prefix, names[c.Series], rtts[c.RTT], what, c.Repeat+1, i+1, len(order))
		cfg.RTT = rtts[c.RTT]
		l, err := NewLink(cfg)
		if err != nil {
			return err
		}
		meta.AddLink(l)
		err = do(l, c)
		l.Close()
		if err != nil {
			return fmt.Errorf("RTT %v: %w", cfg.RTT, err)
		}
	}
	return nil
}
