package main

import (
	"fmt"
	"os"
	"strings"

	"tcpbook/tools/netlab"
)

// compressCmd is netlab compress: GET / from the server EXE (chapter 6's)
// across the link with each Accept-Encoding, then the gzip size and CPU
// time of the document's prefixes.
func compressCmd(args []string) error {
	fs := newFlags("netlab compress", "usage: netlab compress [flags] EXE [ARG...]")
	f := addLinkFlags(fs, "50ms", "the link's RTT", "1mbit", 10, "requests per Accept-Encoding")
	accepts := fs.String("accept", ",gzip", "Accept-Encoding values, comma-separated; an empty one sends none")
	sizes := fs.String("sizes", "64,128,192,256,384,512,1024,2048,0", "prefix sizes of the document in bytes; 0 is all of it")
	cpuFor := fs.Duration("cpu", 300e6, "how long to compress each prefix for its CPU time")
	fs.Parse(args)
	p, err := f.plan(fs, "go build -o /tmp/ch06 ./chapters/06/server")
	if err != nil {
		return err
	}
	sz, err := parseInts(*sizes)
	if err != nil {
		return fmt.Errorf("-sizes: %w", err)
	}
	r, err := netlab.MeasureCompress(netlab.CompressPlan{LinkPlan: p, Accepts: strings.Split(*accepts, ","), Sizes: sz, CPUFor: *cpuFor})
	if err != nil {
		return err
	}
	r.PrintTable(os.Stdout)
	fmt.Println()
	fmt.Println(r.Describe())
	if f.out != "" {
		return netlab.WriteJSON(f.out, r)
	}
	return nil
}
