package main

import (
	"flag"
	"fmt"
	"os"

	"tcpbook/tools/netlab"
)

// linkFlags are the flags of the link that netlab time, client, compress
// and stream share.
type linkFlags struct {
	rtt, rate, out string
	n, burst       int
	port           uint
	drops          *netlab.Drops
}

// addLinkFlags adds the flags to fs with the defaults given; -n is as
// nUsage says.
func addLinkFlags(fs *flag.FlagSet, rtt, rttUsage, rate string, n int, nUsage string) *linkFlags {
	f := new(linkFlags)
	fs.StringVar(&f.rtt, "rtt", rtt, rttUsage)
	fs.StringVar(&f.rate, "rate", rate, "bandwidth limit per direction, such as 10mbit (tc units; empty: none)")
	fs.IntVar(&f.n, "n", n, nUsage)
	fs.IntVar(&f.burst, "burst", 0, "token bucket size in bytes (0: 1 ms of the rate, at least 3000)")
	fs.UintVar(&f.port, "port", 8888, "the port the servers listen on, on localhost")
	fs.StringVar(&f.out, "json", "", "write the results to this file")
	f.drops = dropFlags(fs)
	return f
}

// link goes into a user namespace if not root, collects the run's
// metadata and checks the rate and the port.
func (f *linkFlags) link() (netlab.Metadata, float64, error) {
	if err := inUserns(); err != nil {
		return netlab.Metadata{}, 0, err
	}
	meta := netlab.CollectMetadata(commandLine())
	rate, err := netlab.ParseRate(f.rate)
	if err == nil && (f.port == 0 || f.port > 65535) {
		err = fmt.Errorf("-port %d: want 1 to 65535", f.port)
	}
	return meta, rate, err
}

// plan checks the flags and the server EXE [ARG...] that fs was left with
// (build names how to build EXE) for compress and stream, which measure
// at one RTT, and returns the plan with the run's metadata.
func (f *linkFlags) plan(fs *flag.FlagSet, build string) (netlab.LinkPlan, error) {
	server, err := serverArgs(fs, true, build)
	if err != nil {
		return netlab.LinkPlan{}, err
	}
	meta, rate, err := f.link()
	if err != nil {
		return netlab.LinkPlan{}, err
	}
	rtts, err := parseRTTs(f.rtt)
	if err != nil || len(rtts) != 1 {
		return netlab.LinkPlan{}, fmt.Errorf("-rtt %q: want one duration", f.rtt)
	}
	return netlab.LinkPlan{
		Exe: server[0], Args: server[1:], RTT: rtts[0], Rate: rate, Burst: f.burst, N: f.n,
		Port: uint16(f.port), Log: os.Stderr, Metadata: &meta, Drops: *f.drops,
	}, nil
}

// streamCmd is netlab stream: GET a body that the server EXE (chapter
// 7's) produces over time, streamed and buffered whole first, and time the
// response's first byte, the body's first byte and its last byte.
func streamCmd(args []string) error {
	fs := newFlags("netlab stream", "usage: netlab stream [flags] EXE [ARG...]",
		"cases: GET / on HTTP/1.1 (chunked) with and without gzip, GET / on HTTP/1.0, GET /buffered with and without gzip")
	f := addLinkFlags(fs, "50ms", "the link's RTT", "1mbit", 10, "requests per case")
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
