package main

import (
	"flag"
	"fmt"
	"os"

	"tcpbook/tools/netlab"
)

// streamCmd is netlab stream [-rate 1mbit] [-rtt 50ms] [-n 10] -json FILE
// EXE [ARG...]: GET a body that the server EXE (chapter 7's) produces over
// time, across the link, streamed and buffered whole first, and time the
// response's first byte, the body's first byte and its last byte.
func streamCmd(args []string) error {
	fs := flag.NewFlagSet("netlab stream", flag.ExitOnError)
	rateFlag := fs.String("rate", "1mbit", "bandwidth limit per direction (tc units)")
	rttFlag := fs.String("rtt", "50ms", "the link's RTT")
	n := fs.Int("n", 10, "requests per case")
	port := fs.Uint("port", 8888, "the port the server listens on, on localhost")
	out := fs.String("json", "", "write the results to this file")
	burst := fs.Int("burst", 0, "token bucket size in bytes (0: 1 ms of the rate, at least 3000)")
	drops := dropFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: netlab stream [flags] EXE [ARG...]")
		fmt.Fprintln(fs.Output(), "cases: GET / on HTTP/1.1 (chunked) with and without gzip, GET / on HTTP/1.0, GET /buffered with and without gzip")
		fs.PrintDefaults()
	}
	fs.Parse(args)
	if fs.NArg() < 1 {
		fs.Usage()
		os.Exit(2)
	}
	if _, err := os.Stat(fs.Arg(0)); err != nil {
		return fmt.Errorf("%w (build it first, such as go build -o /tmp/ch07 ./chapters/07/server)", err)
	}
	if err := inUserns(); err != nil {
		return err
	}
	meta := netlab.CollectMetadata(commandLine())
	rate, err := netlab.ParseRate(*rateFlag)
	if err != nil {
		return err
	}
	rtts, err := parseRTTs(*rttFlag)
	if err != nil || len(rtts) != 1 {
		return fmt.Errorf("-rtt %q: want one duration", *rttFlag)
	}
	if *port == 0 || *port > 65535 {
		return fmt.Errorf("-port %d: want 1 to 65535", *port)
	}
	r, err := netlab.MeasureStream(netlab.StreamPlan{
		Exe: fs.Arg(0), Args: fs.Args()[1:], RTT: rtts[0], Rate: rate, Burst: *burst, N: *n, Port: uint16(*port),
		Cases: netlab.StreamCases, Log: os.Stderr, Metadata: &meta, Drops: *drops,
	})
	if err != nil {
		return err
	}
	return report(r, *out)
}
