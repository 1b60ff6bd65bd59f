package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"tcpbook/tools/netlab"
)

// pipelineCmd is netlab pipeline: batches of n small GETs to the server
// EXE (chapter 8's) across the link, sequential on one kept-alive
// connection, pipelined, on n parallel connections, and over HTTP/2
// without TLS to the -h2c server; each without and with GET /slow first.
func pipelineCmd(args []string) error {
	fs := newFlags("netlab pipeline", "usage: netlab pipeline [flags] EXE [ARG...]")
	rttFlag := fs.String("rtt", "10ms,25ms,50ms", "the RTTs, comma-separated")
	n := fs.Int("n", 10, "small GETs per batch")
	repeat := fs.Int("repeat", 5, "batches per series and RTT")
	orderSeed := fs.Uint64("order-seed", 0, "seed of the batches' random order (0: from the clock); recorded in the results")
	slow := fs.Duration("slow", time.Second, "how long EXE and the h2c server wait before answering /slow (recorded in the results)")
	port := fs.Uint("port", 8888, "the port EXE and the h2c server listen on, on localhost")
	h2c := fs.String("h2c", "", "the h2c server, such as go build -o /tmp/h2c ./chapters/08/h2cserver (needed for the h2c series)")
	series := fs.String("series", "", "measure only these series, comma-separated, such as h2c,pipelined+slow (default: all)")
	pcapFile := fs.String("pcap", "", "write every packet of every batch to this pcap file, and the server's side to FILE.server.pcap")
	out := fs.String("json", "", "write the results to this file")
	drops := dropFlags(fs)
	fs.Parse(args)
	server, err := serverArgs(fs, *n >= 1 && *repeat >= 1, "go build -o /tmp/ch08 ./chapters/08/server")
	if err != nil {
		return err
	}
	if *port == 0 || *port > 65535 {
		return errors.New("-port: want 1 to 65535")
	}
	if *h2c != "" {
		if _, err := os.Stat(*h2c); err != nil {
			return fmt.Errorf("-h2c: %w (build it first, such as go build -o /tmp/h2c ./chapters/08/h2cserver)", err)
		}
	}
	var names []string
	if *series != "" {
		names = strings.Split(*series, ",")
	}
	if err := inUserns(); err != nil {
		return err
	}
	meta := netlab.CollectMetadata(commandLine())
	rtts, err := parseRTTs(*rttFlag)
	if err != nil {
		return err
	}
	plan := netlab.PipelinePlan{
		Exe: server[0], Args: server[1:], H2C: *h2c, RTTs: rtts, N: *n, Repeat: *repeat,
		Slow: *slow, Port: uint16(*port), Seed: orNow(*orderSeed), Log: os.Stderr, Drops: *drops, Series: names,
	}
	return measureCapturing(*pcapFile, 0, &plan.Pcap, *out, func() (netlab.Table, error) { return netlab.MeasurePipeline(plan, &meta) })
}
