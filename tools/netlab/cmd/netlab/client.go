package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"tcpbook/tools/netlab"
)

// clientCmd is netlab client: time client programs across the link
// against a server program, with netlab time's flags, order, fits and
// results.
func clientCmd(args []string) error {
	fs := newFlags("netlab client", "usage: netlab client [flags] -server 'EXE ARG...' NAME='EXE ARG...' ...",
		"Each client reaches the server at "+netlab.ServerIP+":PORT. A run is timed from exec to exit,",
		"or as the client says on a line \""+netlab.TimeLine+" 12.3ms\" on its stdout.")
	f := addTimingFlags(fs, 10, "runs of each client per RTT and repeat")
	server := fs.String("server", "", "the server program and its arguments, in one word: 'EXE ARG...'; it listens on localhost:-port")
	ready := fs.String("ready", "", "a regular expression: the server is ready when it prints a matching line (default: when it listens on -port)")
	udp := fs.Bool("udp", false, "the server listens on UDP -port: ready, without -ready, when it has bound the port")
	timeout := fs.Duration("timeout", time.Minute, "the longest a run of a client may take")
	fs.Parse(args)
	if fs.NArg() == 0 {
		return errors.New("name at least one client: NAME='EXE ARG...'")
	}
	clients, err := parseTargets(fs.Args())
	if err != nil {
		return err
	}
	for i, c := range clients {
		if len(c.Modes) == 1 {
			return fmt.Errorf("%s: a client is NAME='EXE ARG...', without :new or :keep", c.Name)
		}
		clients[i].Modes = nil
	}
	srv := strings.Fields(*server)
	if len(srv) == 0 {
		return errors.New("-server 'EXE ARG...' names the server program")
	}
	if _, err := os.Stat(srv[0]); err != nil {
		return fmt.Errorf("-server: %w", err)
	}
	plan := netlab.ClientPlan{Server: srv, UDP: *udp, Timeout: *timeout}
	if *ready != "" {
		if plan.Ready, err = regexp.Compile(*ready); err != nil {
			return fmt.Errorf("-ready: %w", err)
		}
	}
	return f.run(clients, func(p netlab.Plan, meta *netlab.Metadata) ([]netlab.Series, error) {
		plan.Plan = p
		return netlab.MeasureClients(plan, meta)
	})
}

// timingFlags are the flags of the commands that time series across the
// link at several RTTs and fit their lines: netlab time and netlab client.
type timingFlags struct {
	*linkFlags
	pcap, cc string
	repeat   int
	seed     uint64
	sys      sysctls
}

// addTimingFlags adds the flags to fs; -n, as usage says, defaults to n.
func addTimingFlags(fs *flag.FlagSet, n int, usage string) *timingFlags {
	f := &timingFlags{linkFlags: addLinkFlags(fs, "0,10ms,50ms", "the RTTs, comma-separated", "", n, usage), sys: sysctls{}}
	fs.StringVar(&f.pcap, "pcap", "", "write every packet the link carries to this pcap file, as the client sees it, and as the server sees it to FILE.server.pcap")
	fs.StringVar(&f.cc, "cc", "", "congestion control in both namespaces, such as reno or bbr")
	fs.Var(f.sys, "sysctl", "net.NAME=VALUE to set in both namespaces (repeatable)")
	fs.IntVar(&f.repeat, "repeat", 1, "runs per series and RTT, each with a fresh server")
	fs.Uint64Var(&f.seed, "order-seed", 0, "seed of the runs' random order (0: from the clock); recorded in the results")
	return f
}

// run measures targets with measure across the link the flags describe
// (in a user namespace, if not root), prints the table and writes the
// latency results.
func (f *timingFlags) run(targets []netlab.Target, measure func(netlab.Plan, *netlab.Metadata) ([]netlab.Series, error)) error {
	meta, rate, err := f.link()
	if err != nil {
		return err
	}
	rtts, err := parseRTTs(f.rtt)
	if err != nil {
		return err
	}
	if f.cc != "" {
		f.sys["net.ipv4.tcp_congestion_control"] = f.cc
	}
	if f.repeat < 1 {
		return fmt.Errorf("-repeat %d: want at least 1", f.repeat)
	}
	f.seed = orNow(f.seed)
	plan := netlab.Plan{
		Targets: targets, RTTs: rtts, N: f.n, Repeat: f.repeat, Seed: f.seed, Port: uint16(f.port), Log: os.Stderr,
		Link: netlab.Config{Rate: rate, Burst: f.burst, Sysctl: f.sys, Drops: *f.drops},
	}
	res := netlab.Results{Kind: netlab.KindLatency, Link: netlab.LinkInfo{Port: uint16(f.port), Pcap: f.pcap, Drops: *f.drops}}
	if rate > 0 {
		res.Link.Rate = netlab.FormatRate(rate)
		res.Link.Burst = f.burst
		if f.burst == 0 {
			res.Link.Burst = netlab.DefaultBurst(rate)
		}
	}
	return measureCapturing(f.pcap, 0, &plan.Link.Pcap, f.out, func() (netlab.Table, error) {
		series, err := measure(plan, &meta)
		res.Meta, res.Series = meta, series
		return &res, err
	})
}
