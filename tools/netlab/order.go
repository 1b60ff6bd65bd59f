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
	return shuffle(cells, seed)
}

// shuffle puts runs in the random order that seed fixes, and returns them.
func shuffle[R any](runs []R, seed uint64) []R {
	rng := rand.New(rand.NewPCG(seed, 0x6e65746c6162)) // "netlab"
	rng.Shuffle(len(runs), func(i, j int) { runs[i], runs[j] = runs[j], runs[i] })
	return runs
}

// A run is one measurement, on a link of its own.
type run struct {
	name string // for the log and errors
	link Config
	do   func(l *Link) error
}

// eachRun measures every run in turn, each on a fresh link, and logs each
// as "PREFIX NAME (i of N)". meta gets the first link's settings.
func eachRun(runs []run, meta *Metadata, log io.Writer, prefix string) error {
	for i, r := range runs {
		logf(log, "%s%s (%d of %d)\n", prefix, r.name, i+1, len(runs))
		l, err := NewLink(r.link)
		if err != nil {
			return err
		}
		meta.AddLink(l)
		err = r.do(l)
		l.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
	}
	return nil
}

// eachCell measures every cell of MeasureOrder(len(rtts), len(names),
// repeat, seed) in that order, each on a link of its own (cfg at the
// cell's RTT) with do, and logs each as "PREFIX NAME at RTT r, WHAT n (i
// of N)". meta gets the seed and the first link's settings.
func eachCell(cfg Config, rtts []time.Duration, names []string, repeat int, seed uint64,
	meta *Metadata, log io.Writer, prefix, what string, do func(l *Link, c Cell) error) error {
	if meta != nil {
		meta.OrderSeed = &seed
	}
	var runs []run
	for _, c := range MeasureOrder(len(rtts), len(names), max(repeat, 1), seed) {
		cfg.RTT = rtts[c.RTT]
		runs = append(runs, run{fmt.Sprintf("%s at RTT %v, %s %d", names[c.Series], cfg.RTT, what, c.Repeat+1), cfg,
			func(l *Link) error { return do(l, c) }})
	}
	return eachRun(runs, meta, log, prefix)
}
