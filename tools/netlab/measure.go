package netlab

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// Target is a server program to measure and the ways to connect to it.
type Target struct {
	Name  string
	Exe   string
	Args  []string
	Modes []string // ModeNew, ModeKeep
}

// Plan is a timing run: every target, every mode, at every RTT.
type Plan struct {
	Targets []Target
	RTTs    []time.Duration
	N       int    // requests per series and RTT
	Port    uint16 // where the servers listen (on localhost in their namespace)
	Link    Config // the link's settings; RTT is set from RTTs
	Log     io.Writer
}

// Measure runs the plan: for each RTT it creates a link and measures each
// target with a fresh server process per series. It returns the series
// with their fitted lines; meta gets the link's namespaces' settings.
func Measure(p Plan, meta *Metadata) ([]Series, error) {
	if p.N < 1 {
		return nil, fmt.Errorf("need at least one request per series")
	}
	var series []Series
	index := map[string]int{}
	for _, rtt := range p.RTTs {
		if p.Log != nil {
			fmt.Fprintf(p.Log, "measuring at RTT %v\n", rtt)
		}
		cfg := p.Link
		cfg.RTT = rtt
		l, err := NewLink(cfg)
		if err != nil {
			return nil, err
		}
		if meta != nil && meta.Server == nil {
			meta.AddLink(l)
		}
		err = measureLink(l, p, func(t Target, mode string, pt Point) {
			name := t.Name + "-" + mode
			i, ok := index[name]
			if !ok {
				i = len(series)
				index[name] = i
				series = append(series, Series{Name: name, Server: t.Name, Mode: mode})
			}
			series[i].Points = append(series[i].Points, pt)
		})
		l.Close()
		if err != nil {
			return nil, fmt.Errorf("RTT %v: %w", rtt, err)
		}
	}
	for i := range series {
		series[i].FitSeries()
	}
	return series, nil
}

func measureLink(l *Link, p Plan, add func(Target, string, Point)) error {
	addr := net.JoinHostPort(ServerIP, strconv.Itoa(int(p.Port)))
	client := &Client{
		Dial: func(ctx context.Context) (net.Conn, error) { return l.Dial(ctx, "tcp", addr) },
		Host: "localhost:" + strconv.Itoa(int(p.Port)),
	}
	for _, t := range p.Targets {
		for _, mode := range t.Modes {
			srv, err := StartServer(l, p.Port, t.Exe, t.Args...)
			if err != nil {
				return err
			}
			before := l.Stats() // quiet: the last series waited for its closing packets
			samples, err := client.Time(p.N, mode == ModeKeep)
			after := l.Quiet()
			srv.Stop()
			if err != nil {
				return fmt.Errorf("%s %s: %w", t.Name, mode, err)
			}
			add(t, mode, NewPoint(l.Config().RTT, mode, samples, after.Sub(before)))
		}
	}
	return nil
}
