package netlab

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// ClientPlan is a run of MeasureClients: client programs, each timed
// across the link against one server program, as netlab time times its
// own requests.
type ClientPlan struct {
	// Plan holds the clients as Targets (Name, Exe, Args, no Modes: each
	// client is one series called Name), the RTTs, N (runs of each client
	// per RTT and repeat), Repeat, Seed, Port, Link and Log.
	// MeasureClients sets its Run.
	Plan
	// Server is the server program and its arguments. It listens on
	// localhost:Port in the server's namespace; the clients reach it at
	// ServerIP:Port.
	Server []string
	UDP    bool // the server listens on UDP, not TCP
	// Ready, if not nil, matches a line the server prints on stdout or
	// stderr once it is ready. Without it, the server is ready when it
	// listens on TCP Port or, with UDP, when it has bound UDP Port.
	Ready *regexp.Regexp
	// Timeout bounds each run of a client; one minute if zero.
	Timeout time.Duration
}

// TimeLine starts the line on which a client program may report its own
// time, such as "netlab-time: 12.3ms" (a Go duration). Without it, a run
// is timed from exec to exit, so that a includes the program's start-up.
const TimeLine = "netlab-time:"

// MeasureClients runs every client program p.N times at every RTT, in the
// random order Measure gives for p.Seed; each series at each RTT and
// repeat gets a link of its own and a fresh server, started once before
// the runs and waited for as p.Ready says. A run is timed from exec to
// exit, or as the client reports on a TimeLine; each Sample has what the
// link carried for its run, which ends when the link has been quiet for
// an RTT (Quiet). A client that exits with an error fails the measurement,
// with its stderr in the error. meta gets the link's settings, the seed
// and how the clients were timed.
func MeasureClients(p ClientPlan, meta *Metadata) ([]Series, error) {
	if len(p.Server) == 0 {
		return nil, errors.New("no server program")
	}
	own := map[string]bool{} // by client: whether it reports its own time
	p.Run = func(l *Link, _ Plan, t Target, _ string) ([]Sample, Stats, error) {
		srv, err := p.start(l)
		if err != nil {
			return nil, Stats{}, err
		}
		defer srv.Stop()
		var samples []Sample
		var sum Stats
		for range p.N {
			before := l.Stats()
			s, reported, err := p.run(l, t)
			if err != nil {
				return nil, Stats{}, fmt.Errorf("%s: %w", t.Name, err)
			}
			if was, ok := own[t.Name]; ok && was != reported {
				return nil, Stats{}, fmt.Errorf("%s: prints a %s line on some runs only", t.Name, TimeLine)
			}
			own[t.Name] = reported
			c := l.Quiet().Sub(before)
			s.Carried = &c
			samples = append(samples, s)
			sum.Packets, sum.Bytes, sum.Dropped = sum.Packets+c.Packets, sum.Bytes+c.Bytes, sum.Dropped+c.Dropped
		}
		return samples, sum, nil
	}
	series, err := Measure(p.Plan, meta)
	if err == nil && meta != nil {
		var reporting []string
		for _, t := range p.Targets {
			if own[t.Name] {
				reporting = append(reporting, t.Name)
			}
		}
		meta.Timing = "each run of a client program from exec to exit, its start-up included (in a)"
		if len(reporting) > 0 {
			meta.Timing += "; but " + strings.Join(reporting, ", ") + ": as the client reported on its " + TimeLine + " line"
		}
	}
	return series, err
}

// start starts the server in l's server namespace and waits until it is
// ready.
func (p ClientPlan) start(l *Link) (*Server, error) {
	exe, args := p.Server[0], p.Server[1:]
	switch {
	case p.Ready != nil:
		return startServer(l.Start, exe, args, p.Ready, fmt.Sprintf("to print a line matching %q", p.Ready), nil)
	case p.UDP:
		return startServer(l.Start, exe, args, nil, fmt.Sprintf("to bind UDP port %d", p.Port),
			func(pid int) (bool, error) { return udpBound(pid, p.Port) })
	}
	return StartServer(l, p.Port, exe, args...)
}

// run runs client t once in l's client namespace and times it: from exec
// to exit, or as it reports on a TimeLine (then reported is true).
func (p ClientPlan) run(l *Link, t Target) (s Sample, reported bool, err error) {
	timeout := cmp.Or(p.Timeout, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.Exe, t.Args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := l.StartClient(cmd); err != nil {
		return s, false, err
	}
	err = cmd.Wait()
	s.Total = time.Since(start)
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %v (-timeout)", timeout)
	}
	if err != nil {
		return s, false, fmt.Errorf("%s: %w; its stderr:\n%s", t.Exe, err, strings.TrimSpace(stderr.String()))
	}
	for line := range strings.Lines(stdout.String()) {
		v, ok := strings.CutPrefix(line, TimeLine)
		if !ok {
			continue
		}
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || reported {
			return s, false, fmt.Errorf("%s: want one line %s DURATION, such as %s 12.3ms, got %q", t.Exe, TimeLine, TimeLine, strings.TrimSpace(line))
		}
		s.Total, reported = d, true
	}
	return s, reported, nil
}

// udpBound reports whether a UDP socket is bound to port in the network
// namespace of process pid, by reading that namespace's socket tables.
func udpBound(pid int, port uint16) (bool, error) {
	want := fmt.Sprintf(":%04X", port)
	for _, table := range []string{"udp", "udp6"} {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, err
		}
		// sl local_address rem_address ...
		for line := range strings.Lines(string(data)) {
			if f := strings.Fields(line); len(f) > 1 && strings.HasSuffix(f[1], want) {
				return true, nil
			}
		}
	}
	return false, nil
}
