package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"tcpbook/tools/netlab"
)

// compressCmd is netlab compress [-rate 1mbit] [-rtt 50ms] [-n 10]
// [-accept ,gzip] [-sizes ...] -json FILE EXE [ARG...]: GET / from the
// server EXE across the link with each Accept-Encoding (an empty one sends
// none), then the gzip size and CPU time of the document's prefixes.
func compressCmd(args []string) error {
	fs := flag.NewFlagSet("netlab compress", flag.ExitOnError)
	rateFlag := fs.String("rate", "1mbit", "bandwidth limit per direction (tc units)")
	rttFlag := fs.String("rtt", "50ms", "the link's RTT")
	n := fs.Int("n", 10, "requests per Accept-Encoding")
	accepts := fs.String("accept", ",gzip", "Accept-Encoding values, comma-separated; an empty one sends none")
	sizes := fs.String("sizes", "64,128,192,256,384,512,1024,2048,0", "prefix sizes of the document in bytes; 0 is all of it")
	cpuFor := fs.Duration("cpu", 300e6, "how long to compress each prefix for its CPU time")
	port := fs.Uint("port", 8888, "the port the server listens on, on localhost")
	out := fs.String("json", "", "write the results to this file")
	burst := fs.Int("burst", 0, "token bucket size in bytes (0: 1 ms of the rate, at least 3000)")
	drops := dropFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: netlab compress [flags] EXE [ARG...]")
		fs.PrintDefaults()
	}
	fs.Parse(args)
	if fs.NArg() < 1 {
		fs.Usage()
		os.Exit(2)
	}
	if _, err := os.Stat(fs.Arg(0)); err != nil {
		return fmt.Errorf("%w (build it first, such as go build -o /tmp/ch06 ./chapters/06/server)", err)
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
	var sz []int
	for _, s := range strings.Split(*sizes, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v < 0 {
			return fmt.Errorf("-sizes: %q is not a size", s)
		}
		sz = append(sz, v)
	}
	if *port == 0 || *port > 65535 {
		return fmt.Errorf("-port %d: want 1 to 65535", *port)
	}
	r, err := netlab.MeasureCompress(netlab.CompressPlan{
		Exe: fs.Arg(0), Args: fs.Args()[1:], RTT: rtts[0], Rate: rate, Burst: *burst, N: *n, Port: uint16(*port),
		Accepts: strings.Split(*accepts, ","), Sizes: sz, CPUFor: *cpuFor, Log: os.Stderr, Metadata: &meta, Drops: *drops,
	})
	if err != nil {
		return err
	}
	r.PrintTable(os.Stdout)
	fmt.Println()
	fmt.Println(r.Describe())
	if *out != "" {
		return netlab.WriteJSON(*out, r)
	}
	return nil
}
