package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"tcpbook/tools/netlab"
)

// pipelineCmd is netlab pipeline [-rtt 10ms,25ms,50ms] [-n 10] [-repeat 5]
// [-slow 1s] -json FILE EXE [ARG...]: batches of n small GETs to the
// server EXE (chapter 8's) across the link, sequential on one kept-alive
// connection, pipelined, on n parallel connections, and over HTTP/2
// without TLS to net/http's server in netlab; each without and with GET
// /slow first. The batches run in a random order that -order-seed fixes.
func pipelineCmd(args []string) error {
	fs := flag.NewFlagSet("netlab pipeline", flag.ExitOnError)
	rttFlag := fs.String("rtt", "10ms,25ms,50ms", "the RTTs, comma-separated")
	n := fs.Int("n", 10, "small GETs per batch")
	repeat := fs.Int("repeat", 5, "batches per series and RTT")
	orderSeed := fs.Uint64("order-seed", 0, "seed of the batches' random order (0: from the clock); recorded in the results")
	slow := fs.Duration("slow", time.Second, "how long EXE waits before answering /slow (the h2c server waits as long)")
	port := fs.Uint("port", 8888, "the port EXE listens on, on localhost; the h2c server listens on the next")
	out := fs.String("json", "", "write the results to this file")
	drops := dropFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: netlab pipeline [flags] EXE [ARG...]")
		fs.PrintDefaults()
	}
	fs.Parse(args)
	if fs.NArg() < 1 || *n < 1 || *repeat < 1 {
		fs.Usage()
		os.Exit(2)
	}
	if _, err := os.Stat(fs.Arg(0)); err != nil {
		return fmt.Errorf("%w (build it first, such as go build -o /tmp/ch08 ./chapters/08/server)", err)
	}
	if *port == 0 || *port > 65534 {
		return errors.New("-port: want 1 to 65534")
	}
	if err := inUserns(); err != nil {
		return err
	}
	meta := netlab.CollectMetadata(commandLine())
	rtts, err := parseRTTs(*rttFlag)
	if err != nil {
		return err
	}
	if *orderSeed == 0 {
		*orderSeed = uint64(time.Now().UnixNano())
	}
	r, err := netlab.MeasurePipeline(netlab.PipelinePlan{
		Exe: fs.Arg(0), Args: fs.Args()[1:], RTTs: rtts, N: *n, Repeat: *repeat,
		Slow: *slow, Port: uint16(*port), Seed: *orderSeed, Log: os.Stderr, Drops: *drops,
	}, &meta)
	if err != nil {
		return err
	}
	fmt.Println(r.Describe()) // the caption, as netlab table prints it
	r.PrintTable(os.Stdout)
	if *out != "" {
		return writeJSON(*out, r)
	}
	return nil
}
