package netlab

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Target is a server program to measure and the ways to connect to it.
type Target struct {
	Name  string
	Exe   string
	Args  []string
	Modes []string // ModeNew, ModeKeep; none for one series called Name
}

// Plan is a timing run: every target, every mode, at every RTT.
type Plan struct {
	Targets []Target
	RTTs    []time.Duration
	N       int    // requests per series, RTT and repeat
	Repeat  int    // runs per series and RTT, each with a fresh server; 1 if 0
	Seed    uint64 // orders the runs (MeasureOrder)
	Port    uint16 // where the servers listen (on localhost in their namespace)
	Link    Config // the link's settings; RTT is set from RTTs
	Log     io.Writer
	// Run measures one series (t, mode) across l: p.N requests to a fresh
	// server, as Measure's own timing loop does when Run is nil, or p.N
	// runs of a client program (MeasureClients).
	Run func(l *Link, p Plan, t Target, mode string) ([]Sample, Stats, error)
}

// Measure runs the plan: every series at every RTT, Repeat times, in the
// random order MeasureOrder gives for p.Seed; each run gets a link of its
// own and a fresh server process. It returns the series with their fitted
// lines; meta gets the link's namespaces' settings and the seed.
func Measure(p Plan, meta *Metadata) ([]Series, error) {
	if p.N < 1 {
		return nil, fmt.Errorf("need at least one request per series")
	}
	var targets []Target // by series
	var series []Series
	var names []string
	for _, t := range p.Targets {
		modes := t.Modes
		if len(modes) == 0 {
			modes = []string{""}
		}
		for _, mode := range modes {
			targets = append(targets, t)
			series = append(series, Series{Name: strings.TrimSuffix(t.Name+"-"+mode, "-"), Server: t.Name, Mode: mode})
			names = append(names, series[len(series)-1].Name)
		}
	}
	run := p.Run
	if run == nil {
		run = measureRun
	}
	samples := make([][][]Sample, len(series)) // by series, then RTT
	carried := make([][]Stats, len(series))
	for i := range series {
		samples[i], carried[i] = make([][]Sample, len(p.RTTs)), make([]Stats, len(p.RTTs))
	}
	if meta != nil {
		meta.Fit = FitMethod
	}
	err := eachCell(p.Link, p.RTTs, names, p.Repeat, p.Seed, meta, p.Log, "measuring ", "repeat", func(l *Link, c Cell) error {
		got, stats, err := run(l, p, targets[c.Series], series[c.Series].Mode)
		samples[c.Series][c.RTT] = append(samples[c.Series][c.RTT], got...)
		sum := &carried[c.Series][c.RTT]
		sum.Packets, sum.Bytes = sum.Packets+stats.Packets, sum.Bytes+stats.Bytes
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range series {
		for j, rtt := range p.RTTs {
			series[i].Points = append(series[i].Points, NewPoint(rtt, series[i].Mode, samples[i][j], carried[i][j]))
		}
		series[i].FitSeries()
	}
	return series, nil
}

// logf writes a line of progress to w, if w is not nil.
func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// linkClient returns a Client of the server that listens on port behind l.
func linkClient(l *Link, port uint16) *Client {
	addr := net.JoinHostPort(ServerIP, strconv.Itoa(int(port)))
	return &Client{
		Dial: func(ctx context.Context) (net.Conn, error) { return l.Dial(ctx, "tcp", addr) },
		Host: "localhost:" + strconv.Itoa(int(port)),
	}
}

// measureRun times p.N requests to a fresh server for t across l, one
// way, and returns the samples and what the link carried, closing included.
func measureRun(l *Link, p Plan, t Target, mode string) ([]Sample, Stats, error) {
	client := linkClient(l, p.Port)
	srv, err := StartServer(l, p.Port, t.Exe, t.Args...)
	if err != nil {
		return nil, Stats{}, err
	}
	before := l.Stats()
	samples, err := client.Time(p.N, mode == ModeKeep)
	after := l.Quiet() // the closing packets
	srv.Stop()
	if err != nil {
		return nil, Stats{}, fmt.Errorf("%s %s: %w", t.Name, mode, err)
	}
	return samples, after.Sub(before), nil
}
