package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"tcpbook/tools/netlab"
)

// The commands that measure across the link.

// config returns the link's settings and RTTs from the flags.
func (f *timingFlags) config() (netlab.Config, []time.Duration, error) {
	rate, err := netlab.ParseRate(f.rate)
	if err != nil {
		return netlab.Config{}, nil, err
	}
	rtts, err := parseRTTs(f.rtt)
	return netlab.Config{Rate: rate, Burst: f.burst, Drops: *f.drops}, rtts, err
}

func timeCmd(args []string) error {
	c := newLab("netlab time", "", "usage: netlab time [flags] NAME=EXE | NAME:new=EXE | NAME:keep=EXE ...")
	f := addTimingFlags(c, 20, "requests per series, RTT and repeat")
	c.Parse(args)
	targets, err := parseTargets(c.Args())
	if err != nil {
		return err
	}
	return f.run(targets, netlab.Measure)
}

// clientCmd is netlab client: time client programs across the link
// against a server program, with netlab time's flags, order, fits and
// results.
func clientCmd(args []string) error {
	c := newLab("netlab client", "", "usage: netlab client [flags] -server 'EXE ARG...' NAME='EXE ARG...' ...",
		"Each client reaches the server at "+netlab.ServerIP+":PORT. A run is timed from exec to exit,",
		"or as the client says on a line \""+netlab.TimeLine+" 12.3ms\" on its stdout.")
	f := addTimingFlags(c, 10, "runs of each client per RTT and repeat")
	server := c.String("server", "", "the server program and its arguments, in one word: 'EXE ARG...'; it listens on localhost:-port")
	ready := c.String("ready", "", "a regular expression: the server is ready when it prints a matching line (default: when it listens on -port)")
	udp := c.Bool("udp", false, "the server listens on UDP -port: ready, without -ready, when it has bound the port")
	timeout := c.Duration("timeout", time.Minute, "the longest a run of a client may take")
	c.Parse(args)
	if c.NArg() == 0 {
		return errors.New("name at least one client: NAME='EXE ARG...'")
	}
	clients, err := parseTargets(c.Args())
	if err != nil {
		return err
	}
	for i, cl := range clients {
		if len(cl.Modes) == 1 {
			return fmt.Errorf("%s: a client is NAME='EXE ARG...', without :new or :keep", cl.Name)
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
	*lab
	rtt, rate, cc    string
	n, burst, repeat int
	seed             uint64
	sys              sysctls
}

// addTimingFlags adds the flags to c; -n, as usage says, defaults to n.
func addTimingFlags(c *lab, n int, usage string) *timingFlags {
	f := &timingFlags{lab: c.linkFlags(), sys: c.sysctlFlag()}
	c.StringVar(&f.rtt, "rtt", "0,10ms,50ms", "the RTTs, comma-separated")
	c.StringVar(&f.rate, "rate", "", "bandwidth limit per direction, such as 10mbit (tc units; empty: none)")
	c.IntVar(&f.n, "n", n, usage)
	c.IntVar(&f.burst, "burst", 0, "token bucket size in bytes (0: 1 ms of the rate, at least 3000)")
	c.pcapFlag("write every packet the link carries to this pcap file, as the client sees it, and as the server sees it to FILE.server.pcap", 0)
	c.StringVar(&f.cc, "cc", "", "congestion control in both namespaces, such as reno or bbr")
	c.IntVar(&f.repeat, "repeat", 1, "runs per series and RTT, each with a fresh server")
	c.Uint64Var(&f.seed, "order-seed", 0, "seed of the runs' random order (0: from the clock); recorded in the results")
	return f
}

// run measures targets with measure across the link the flags describe
// and writes the latency results.
func (f *timingFlags) run(targets []netlab.Target, measure func(netlab.Plan, *netlab.Metadata) ([]netlab.Series, error)) error {
	cfg, rtts, err := f.config()
	if err != nil {
		return err
	}
	if f.repeat < 1 {
		return fmt.Errorf("-repeat %d: want at least 1", f.repeat)
	}
	if f.cc != "" {
		f.sys["net.ipv4.tcp_congestion_control"] = f.cc
	}
	cfg.Sysctl = f.sys
	return f.onLink(func(meta *netlab.Metadata, pw *netlab.PcapWriter) (netlab.Table, error) {
		cfg.Pcap = pw
		plan := netlab.Plan{Targets: targets, RTTs: rtts, N: f.n, Repeat: f.repeat, Seed: orNow(f.seed), Port: uint16(f.port), Log: os.Stderr, Link: cfg}
		res := &netlab.Results{Head: netlab.Head{Kind: netlab.KindLatency}, Link: netlab.LinkInfo{Port: uint16(f.port), Pcap: f.pcap, Drops: *f.drops}}
		if cfg.Rate > 0 {
			res.Link.Rate, res.Link.Burst = netlab.FormatRate(cfg.Rate), cmp.Or(f.burst, netlab.DefaultBurst(cfg.Rate))
		}
		series, err := measure(plan, meta)
		res.Meta, res.Series = *meta, series
		return res, err
	})
}

func traceCmd(args []string) error {
	c := newLab("netlab trace", "the port the server listens on, on localhost").linkFlags()
	rtt := c.Duration("rtt", 50*time.Millisecond, "the RTT")
	n := c.Int("n", 3, "requests on one kept-alive connection, and then on new connections")
	pcapFile := c.String("pcap", "", "write every packet the link carries to this pcap file (required)")
	o := serveFlags(c.FlagSet, "the server writes each response unbuffered", "the server turns Nagle's algorithm on", "the body's size in bytes")
	sys := c.sysctlFlag()
	c.Parse(args)
	if *pcapFile == "" || c.NArg() != 0 || *n < 1 {
		return errors.New("usage: netlab trace [-rtt 50ms] [-n 3] [-unbuffered] [-nagle] [-size N] -pcap FILE [-json FILE]")
	}
	return c.onLink(func(meta *netlab.Metadata, _ *netlab.PcapWriter) (netlab.Table, error) {
		f, err := os.Create(*pcapFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		res, err := netlab.Trace(netlab.TracePlan{
			Exe: c.exe, Server: *o, RTT: *rtt, N: *n, Port: uint16(c.port), Sysctl: sys, Log: os.Stderr, Drops: *c.drops,
		}, meta, f)
		if err == nil {
			err = f.Close()
			res.Link.Pcap = filepath.Base(*pcapFile) // it sits beside the JSON
		}
		return res, err
	})
}

// serveFlags adds netlab serve's -unbuffered, -nagle and -size to fs,
// with the usages given.
func serveFlags(fs *flag.FlagSet, unbuffered, nagle, size string) *netlab.ServeOptions {
	var o netlab.ServeOptions
	fs.BoolVar(&o.Unbuffered, "unbuffered", false, unbuffered)
	fs.BoolVar(&o.Nagle, "nagle", false, nagle)
	fs.IntVar(&o.Size, "size", 0, size)
	return &o
}

func idleCmd(args []string) error {
	c := newLab("netlab idle", "the port the server listens on, on localhost").linkFlags()
	rtt := c.Duration("rtt", 50*time.Millisecond, "the RTT")
	gap := c.Duration("gap", time.Second, "the idle gap before each request after the first ones")
	n := c.Int("n", 5, "requests back to back, then requests each after the gap")
	ccs := c.String("cc", "reno,bbr", "congestion controls, comma-separated")
	ssai := c.String("ssai", "1,0", "values of net.ipv4.tcp_slow_start_after_idle, comma-separated")
	size := c.Int("size", 65536, "the larger response's body in bytes (0: leave it out)")
	c.Parse(args)
	if c.NArg() != 0 || *n < 1 {
		return errors.New("usage: netlab idle [-rtt 50ms] [-gap 1s] [-n 5] [-cc reno,bbr] [-ssai 1,0] [-size 65536] [-json FILE]")
	}
	responses := []netlab.IdleResponse{{Name: "unbuffered Hello", Server: netlab.ServeOptions{Unbuffered: true}}}
	if *size > 0 {
		responses = append(responses, netlab.IdleResponse{Name: fmt.Sprintf("%d-byte body", *size), Server: netlab.ServeOptions{Size: *size}})
	}
	return c.onLink(func(meta *netlab.Metadata, _ *netlab.PcapWriter) (netlab.Table, error) {
		return netlab.MeasureIdle(netlab.IdlePlan{
			Exe: c.exe, Responses: responses, CCs: splitList(*ccs), SSAI: splitList(*ssai),
			RTT: *rtt, Gap: *gap, N: *n, Port: uint16(c.port), Log: os.Stderr, Drops: *c.drops,
		}, meta)
	})
}

// lossCmd is netlab loss: what one lost packet costs a request to EXE
// (chapter 4's server) and to netlab's own server of a larger response,
// each packet dropped on purpose, and the request times under random
// loss, on new and kept-alive connections.
func lossCmd(args []string) error {
	c := newLab("netlab loss", "", "usage: netlab loss [flags] EXE [ARG...]   (EXE: chapter 4's server)")
	rtt := c.Duration("rtt", 50*time.Millisecond, "the link's RTT")
	repeat := c.Int("repeat", 5, "runs per case, each on a fresh link and server")
	n := c.Int("n", 200, "requests per random-loss run")
	lossList := c.String("loss", "1%,5%", "random loss rates, comma-separated")
	seed := c.Uint64("seed", 1, "seed of the random losses")
	orderSeed := c.Uint64("order-seed", 0, "seed of the runs' random order (0: from the clock); recorded in the results")
	size := c.Int("size", 65536, "the larger response's body in bytes, served by netlab serve")
	cc := c.String("cc", "reno", "congestion control in both namespaces (empty: the machine's)")
	// 96 bytes hold the IP and TCP headers with any options: enough for
	// tcpdump to show every segment, and the file stays small.
	c.pcapFlag("write the packets of the first run of -pcap-case to this pcap file (headers only), and the server's side to FILE.server.pcap", 96)
	pcapCase := c.String("pcap-case", "last", "the case to capture: hello-new, syn, synack, hello-keep, request, hello, large-keep, middle, last, last2")
	c.Parse(args)
	server, err := c.server(*repeat >= 1 && *n >= 1 && *size >= 1, "go build -o /tmp/ch04 ./chapters/04/server")
	if err != nil {
		return err
	}
	var losses []float64
	for _, s := range splitList(*lossList) {
		v, err := parseShare(s)
		if err != nil || v == 0 || v == 1 {
			return fmt.Errorf("-loss %q: want rates such as 1%% or 0.01", s)
		}
		losses = append(losses, v)
	}
	if len(losses) == 0 {
		return errors.New("-loss: name at least one rate")
	}
	sys := map[string]string{}
	if *cc != "" {
		sys["net.ipv4.tcp_congestion_control"] = *cc
	}
	return c.onLink(func(meta *netlab.Metadata, pw *netlab.PcapWriter) (netlab.Table, error) {
		large := netlab.ServeOptions{Size: *size}
		res, err := netlab.MeasureLoss(netlab.LossPlan{
			Hello: server, Large: append([]string{c.exe}, large.Args(uint16(c.port))...), LargeBody: large.Body(),
			RTT: *rtt, Repeat: *repeat, N: *n, Losses: losses, Seed: *seed, OrderSeed: orNow(*orderSeed),
			Port: uint16(c.port), Sysctl: sys, Log: os.Stderr, Pcap: pw, PcapCase: *pcapCase,
		}, meta)
		if err == nil && c.pcap != "" {
			res.Pcap = filepath.Base(c.pcap) // it sits beside the JSON
		}
		return res, err
	})
}
