package main

import (
	"flag"
	"fmt"
	"os"

	"tcpbook/tools/netlab"
)

// linkFlags are the flags of netlab compress and netlab stream: one
// server behind a rate-limited link at one RTT.
type linkFlags struct {
	rate, rtt, out string
	n, burst       int
	port           uint
	drops          *netlab.Drops
}

// addLinkFlags adds the flags to fs; -n, as usage says, defaults to 10.
func addLinkFlags(fs *flag.FlagSet, usage string) *linkFlags {
	f := new(linkFlags)
	fs.StringVar(&f.rate, "rate", "1mbit", "bandwidth limit per direction (tc units)")
	fs.StringVar(&f.rtt, "rtt", "50ms", "the link's RTT")
	fs.IntVar(&f.n, "n", 10, usage)
	fs.UintVar(&f.port, "port", 8888, "the port the server listens on, on localhost")
	fs.StringVar(&f.out, "json", "", "write the results to this file")
	fs.IntVar(&f.burst, "burst", 0, "token bucket size in bytes (0: 1 ms of the rate, at least 3000)")
	f.drops = dropFlags(fs)
	return f
}

// plan checks the flags and the server EXE [ARG...] that fs was left with
// (build names how to build EXE), goes into a user namespace if not root,
// and returns the plan with the run's metadata.
func (f *linkFlags) plan(fs *flag.FlagSet, build string) (netlab.LinkPlan, error) {
	server, err := serverArgs(fs, true, build)
	if err != nil {
		return netlab.LinkPlan{}, err
	}
	if err := inUserns(); err != nil {
		return netlab.LinkPlan{}, err
	}
	meta := netlab.CollectMetadata(commandLine())
	rate, err := netlab.ParseRate(f.rate)
	if err != nil {
		return netlab.LinkPlan{}, err
	}
	rtts, err := parseRTTs(f.rtt)
	if err != nil || len(rtts) != 1 {
		return netlab.LinkPlan{}, fmt.Errorf("-rtt %q: want one duration", f.rtt)
	}
	if f.port == 0 || f.port > 65535 {
		return netlab.LinkPlan{}, fmt.Errorf("-port %d: want 1 to 65535", f.port)
	}
	return netlab.LinkPlan{
		Exe: server[0], Args: server[1:], RTT: rtts[0], Rate: rate, Burst: f.burst, N: f.n,
		Port: uint16(f.port), Log: os.Stderr, Metadata: &meta, Drops: *f.drops,
	}, nil
}

// streamCmd is netlab stream [-rate 1mbit] [-rtt 50ms] [-n 10] -json FILE
// EXE [ARG...]: GET a body that the server EXE (chapter 7's) produces over
// time, across the link, streamed and buffered whole first, and time the
// response's first byte, the body's first byte and its last byte.
func streamCmd(args []string) error {
	fs := newFlags("netlab stream", "usage: netlab stream [flags] EXE [ARG...]",
		"cases: GET / on HTTP/1.1 (chunked) with and without gzip, GET / on HTTP/1.0, GET /buffered with and without gzip")
	f := addLinkFlags(fs, "requests per case")
	fs.Parse(args)
	p, err := f.plan(fs, "go build -o /tmp/ch07 ./chapters/07/server")
	if err != nil {
		return err
	}
	r, err := netlab.MeasureStream(p, netlab.StreamCases)
	if err != nil {
		return err
	}
	return report(r, f.out)
}
