package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"tcpbook/tools/netlab"
)

// lossCmd is netlab loss: what one lost packet costs a request to EXE
// (chapter 4's server) and to netlab's own server of a larger response,
// each packet dropped on purpose, and the request times under random
// loss, on new and kept-alive connections.
func lossCmd(args []string) error {
	fs := newFlags("netlab loss", "usage: netlab loss [flags] EXE [ARG...]   (EXE: chapter 4's server)")
	rtt := fs.Duration("rtt", 50*time.Millisecond, "the link's RTT")
	repeat := fs.Int("repeat", 5, "runs per case, each on a fresh link and server")
	n := fs.Int("n", 200, "requests per random-loss run")
	lossList := fs.String("loss", "1%,5%", "random loss rates, comma-separated")
	seed := fs.Uint64("seed", 1, "seed of the random losses")
	orderSeed := fs.Uint64("order-seed", 0, "seed of the runs' random order (0: from the clock); recorded in the results")
	size := fs.Int("size", 65536, "the larger response's body in bytes, served by netlab serve")
	cc := fs.String("cc", "reno", "congestion control in both namespaces (empty: the machine's)")
	pcapFile := fs.String("pcap", "", "write the packets of the first run of -pcap-case to this pcap file (headers only), and the server's side to FILE.server.pcap")
	pcapCase := fs.String("pcap-case", "last", "the case to capture: hello-new, syn, synack, hello-keep, request, hello, large-keep, middle, last, last2")
	port := fs.Uint("port", 8888, "the port the servers listen on, on localhost")
	out := fs.String("json", "", "write the results to this file")
	fs.Parse(args)
	server, err := serverArgs(fs, *repeat >= 1 && *n >= 1 && *size >= 1, "go build -o /tmp/ch04 ./chapters/04/server")
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
	exe, err := selfInUserns()
	if err != nil {
		return err
	}
	sys := map[string]string{}
	if *cc != "" {
		sys["net.ipv4.tcp_congestion_control"] = *cc
	}
	large := netlab.ServeOptions{Size: *size}
	plan := netlab.LossPlan{
		Hello: server, Large: append([]string{exe}, large.Args(uint16(*port))...), LargeBody: large.Body(),
		RTT: *rtt, Repeat: *repeat, N: *n, Losses: losses, Seed: *seed, OrderSeed: orNow(*orderSeed),
		Port: uint16(*port), Sysctl: sys, Log: os.Stderr, PcapCase: *pcapCase,
	}
	// 96 bytes hold the IP and TCP headers with any options: enough for
	// tcpdump to show every segment, and the file stays small.
	meta := netlab.CollectMetadata(commandLine())
	return measureCapturing(*pcapFile, 96, &plan.Pcap, *out, func() (netlab.Table, error) {
		res, err := netlab.MeasureLoss(plan, &meta)
		if err == nil && *pcapFile != "" {
			res.Pcap = filepath.Base(*pcapFile) // it sits beside the JSON
		}
		return res, err
	})
}
