// Command netlab is the book's network laboratory: it measures servers
// across a delayed link between two network namespaces.
//
// Usage:
//
//	netlab time [flags] SERVER...
//		Time requests to each SERVER across the link at each RTT, with a
//		new connection per request and on one kept-alive connection, the
//		runs in a random order (-order-seed), fit time = a + k·RTT per series
//		with 95% intervals, print a table, and write the results and the
//		run's metadata to -json.
//		SERVER is NAME=EXE (both ways), NAME:new=EXE or NAME:keep=EXE;
//		arguments may follow EXE in the same word ("NAME=EXE ARG...").
//	netlab client [flags] -server 'EXE ARG...' [-udp] [-ready REGEXP] NAME='EXE ARG...'...
//		Time client programs as netlab time times requests (netlab time's
//		flags; -n is runs per client): at each RTT a fresh server EXE behind
//		the link, ready when it prints a line matching REGEXP or else
//		listens on -port (with -udp: has bound UDP -port), then each client
//		run -n times from exec to exit, or as it reports on a line
//		"netlab-time: 12.3ms". Clients reach the server at 10.77.0.2:PORT.
//	netlab table FILE
//		Print the table of a results file that any netlab command wrote.
//	netlab refit FILE...
//		Fit the lines of latency and pipeline results again from the
//		samples they hold (every sample at RTT > 0, 95% intervals) and
//		write the files back; nothing is measured again.
//	netlab chart [-title TEXT] -o FILE.svg RESULTS.json
//		For latency results, draw time per request against RTT: each
//		series' medians, its fitted line, both axes in ms; for load
//		results, requests/s and server CPU per request with the range of
//		the repeats; for pipeline results, a batch's time against RTT per
//		way of sending, without and with /slow first, and the fitted lines.
//		With <title> and <desc>.
//	netlab info
//		Print the run metadata netlab records (kernel, congestion control,
//		initial window, Go, CPUs, load) as JSON, without creating a link.
//	netlab serve [-addr localhost:8888] [-unbuffered] [-nagle] [-size N]
//		Serve chapter 4's response on kept-alive connections: buffered
//		(one Write) or -unbuffered (http.Response.Write straight to the
//		connection: 13 Writes), with Nagle's algorithm off (Go's default)
//		or on (-nagle). A server for netlab time: "NAME=EXE serve -nagle".
//	netlab trace [-rtt 50ms] [-n 3] [-unbuffered] [-nagle] [-size N] -pcap FILE -json FILE
//		Capture n requests to netlab serve across the link, on one kept-
//		alive connection and then on new ones, and count each response's
//		Writes and TCP segments.
//	netlab idle [-rtt 50ms] [-gap 1s] [-n 5] [-cc reno,bbr] [-ssai 1,0] [-size 65536] -json FILE
//		Time kept-alive requests back to back and after an idle gap, per
//		congestion control and net.ipv4.tcp_slow_start_after_idle.
//	netlab load [-c 1,16,64] [-d 2s] [-warmup 500ms] [-repeat 3] [-pin] -json FILE SERVER...
//		Closed-loop load on loopback, the load generator and the server
//		pinned to different CPUs, repeats interleaved; requests/s, p50,
//		p99 and the server's CPU time per request.
//	netlab memory [-counts 0,1000,2000,3000,4000] -json FILE NAME:new=EXE|NAME:keep=EXE...
//		The server's RSS per idle connection (slope; GOGC=1), idle before
//		its first request (new) or after one (keep); kernel socket memory.
//	netlab timewait [-n 1000] -json FILE NAME:new=EXE|NAME:keep=EXE...
//		TIME_WAIT sockets on each side after n connections: the server
//		closes first (new, Connection: close) or the client does (keep).
//	netlab compress [-rate 1mbit] [-rtt 50ms] [-n 10] [-accept ,gzip] -json FILE EXE
//		GET / from EXE (chapter 6's server) across the link without and
//		with Accept-Encoding: gzip: time, bytes and packets on the wire;
//		then the gzip size and CPU time of the document's prefixes at
//		BestSpeed and DefaultCompression, and where gzip starts to pay.
//	netlab stream [-rate 1mbit] [-rtt 50ms] [-n 10] -json FILE EXE
//		GET a body that EXE (chapter 7's server) produces over time,
//		streamed (chunked, with and without gzip; HTTP/1.0 to the close)
//		and buffered whole first (GET /buffered): when the response's first
//		byte, the body's first byte and its last byte arrive.
//	netlab loss [-rtt 50ms] [-repeat 5] [-n 200] [-loss 1%,5%] [-size 65536] [-cc reno] [-pcap FILE] -json FILE EXE
//		What one lost packet costs a request: the link drops one chosen
//		segment (the SYN, the SYN+ACK, a kept-alive request, a Hello
//		response, the middle or last segment of a -size response from
//		netlab serve), each case -repeat times on a fresh link, against
//		the same request without the drop; then -n requests to EXE
//		(chapter 4's server) at each random loss rate, on new and kept-
//		alive connections: p50, p99, mean. Runs in random order.
//
// load, memory and timewait run in a network namespace of their own when
// they can (root or user namespaces), otherwise on the machine's loopback.
// netlab table and netlab chart read every kind of results file.
//
// Flags of netlab time:
//
//	-rtt 0,10ms,50ms  the RTTs
//	-n 20             requests per series, RTT and repeat
//	-repeat 1         runs per series and RTT, each with a fresh server
//	-order-seed N     seed of the runs' random order (default: from the clock)
//	-rate 10mbit      limit each direction's bandwidth (token bucket); tc(8)
//	                  units: bit kbit mbit gbit, or bytes bps kbps mbps
//	-burst BYTES      the token bucket's size (default: 1 ms of rate, at least 3000);
//	                  it starts full: the first BYTES leave at once
//	-loss P           lose each packet with probability P (1% or 0.01), each
//	                  direction on its own random stream
//	-seed N           seed those streams (default 0): the same N, the same losses
//	-queue N          drop-tail: drop a packet when N packets wait for -rate in
//	                  its direction (default 0: up to 4096 wait, none dropped)
//	-pcap FILE        write every packet the link carries to FILE as the client
//	                  sees it, and to FILE.server.pcap as the server sees it
//	                  (pcap, LINKTYPE_RAW; read them with tcpdump -r FILE)
//	-cc NAME          congestion control in both namespaces (reno, cubic, bbr)
//	-sysctl K=V       set a net.* sysctl in both namespaces (repeatable)
//	-port 8888        where the servers listen, on localhost
//	-json FILE        write the results there
//
// trace, idle, compress, stream and pipeline take -loss, -seed and -queue
// too; compress and stream limit the rate by default (-rate 1mbit) and
// take -burst.
//
// The link needs root, or unprivileged user namespaces: netlab run as an
// ordinary user runs itself again in a user namespace.
package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"tcpbook/tools/netlab"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "time":
		err = timeCmd(args)
	case "client":
		err = clientCmd(args)
	case "table":
		err = tableCmd(args)
	case "refit":
		err = refitCmd(args)
	case "info":
		err = infoCmd(args)
	case "chart":
		err = chartCmd(args)
	case "serve":
		err = serveCmd(args)
	case "trace":
		err = traceCmd(args)
	case "idle":
		err = idleCmd(args)
	case "load":
		err = loadCmd(args)
	case "memory":
		err = memoryCmd(args)
	case "timewait":
		err = timewaitCmd(args)
	case "compress":
		err = compressCmd(args)
	case "stream":
		err = streamCmd(args)
	case "pipeline":
		err = pipelineCmd(args)
	case "loss":
		err = lossCmd(args)
	case "-h", "-help", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "netlab: unknown command %q\n", cmd)
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "netlab:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
	netlab time [-rtt 0,10ms,50ms] [-n 20] [-rate 10mbit] [-burst BYTES] [-loss 1%] [-seed N] [-queue N] [-pcap FILE] [-cc reno] [-json FILE] NAME[:new|:keep]=EXE...
	netlab client [netlab time's flags] -server 'EXE ARG...' [-udp] [-ready REGEXP] NAME='EXE ARG...'...
	netlab table FILE
	netlab refit FILE...
	netlab chart [-title TEXT] -o FILE.svg RESULTS.json
	netlab info
	netlab serve [-addr localhost:8888] [-unbuffered] [-nagle] [-size N]
	netlab trace [-rtt 50ms] [-n 3] [-unbuffered] [-nagle] -pcap FILE [-json FILE]
	netlab idle [-rtt 50ms] [-gap 1s] [-n 5] [-cc reno,bbr] [-ssai 1,0] [-json FILE]
	netlab load [-c 1,16,64] [-d 2s] [-repeat 3] [-json FILE] NAME[:new|:keep]=EXE...
	netlab memory [-counts 0,1000,2000] [-json FILE] NAME:new|keep=EXE...
	netlab timewait [-n 1000] [-json FILE] NAME:new|keep=EXE...
	netlab compress|stream|pipeline [flags] EXE [ARG...]
	netlab loss [-rtt 50ms] [-repeat 5] [-n 200] [-loss 1%,5%] [-cc reno] [-pcap FILE] [-json FILE] EXE [ARG...]
trace, idle, compress, stream and pipeline also take -loss, -seed and -queue.
Run "netlab COMMAND -h" for the flags.
`)
	os.Exit(2)
}

// sysctls is a repeatable -sysctl flag.
type sysctls map[string]string

func (s sysctls) String() string { return fmt.Sprint(map[string]string(s)) }
func (s sysctls) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(k, "net.") {
		return errors.New("want net.NAME=VALUE")
	}
	s[k] = val
	return nil
}

// dropFlags adds -loss, -seed and -queue to fs, for every command that
// creates the link.
func dropFlags(fs *flag.FlagSet) *netlab.Drops {
	d := new(netlab.Drops)
	fs.Func("loss", "lose each packet with probability `P`, each direction on its own: 1% or 0.01 (default 0)", func(s string) (err error) {
		d.Loss, err = parseShare(s)
		return err
	})
	fs.Uint64Var(&d.Seed, "seed", 0, "seed of the random losses: the same seed loses the same packets")
	fs.IntVar(&d.Queue, "queue", 0, "drop-tail limit: packets that may wait for -rate in each direction (0: 4096, and the link waits instead of dropping)")
	return d
}

// parseShare reads a share from 0 to 1, such as 0.01, or a percentage,
// such as 1%.
func parseShare(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if strings.HasSuffix(s, "%") {
		v /= 100
	}
	if err != nil || !(v >= 0 && v <= 1) {
		return 0, errors.New("want a share from 0 to 1, such as 0.01, or a percentage, such as 1%")
	}
	return v, nil
}

func timeCmd(args []string) error {
	fs := flag.NewFlagSet("netlab time", flag.ExitOnError)
	f := addTimingFlags(fs, 20, "requests per series, RTT and repeat")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: netlab time [flags] NAME=EXE | NAME:new=EXE | NAME:keep=EXE ...")
		fs.PrintDefaults()
	}
	fs.Parse(args)
	targets, err := parseTargets(fs.Args())
	if err != nil {
		return err
	}
	return f.run(targets, netlab.Measure)
}

// parseTargets reads NAME=EXE, NAME:new=EXE and NAME:keep=EXE.
func parseTargets(args []string) ([]netlab.Target, error) {
	if len(args) == 0 {
		return nil, errors.New("name at least one server: NAME=EXE, NAME:new=EXE or NAME:keep=EXE")
	}
	var targets []netlab.Target
	for _, a := range args {
		key, exe, ok := strings.Cut(a, "=")
		if !ok || key == "" || strings.TrimSpace(exe) == "" {
			return nil, fmt.Errorf("%q: want NAME=EXE, NAME:new=EXE or NAME:keep=EXE", a)
		}
		name, mode, hasMode := strings.Cut(key, ":")
		modes := []string{netlab.ModeNew, netlab.ModeKeep}
		if hasMode {
			if mode != netlab.ModeNew && mode != netlab.ModeKeep {
				return nil, fmt.Errorf("%q: the way to connect is new or keep, not %q", a, mode)
			}
			modes = []string{mode}
		}
		// EXE may be followed by arguments in the same word: "NAME=EXE ARG...".
		fields := strings.Fields(exe)
		if _, err := os.Stat(fields[0]); err != nil {
			return nil, fmt.Errorf("%s: %w (build it first, such as go build -o /tmp/ch04 ./chapters/04/server)", name, err)
		}
		var exeArgs []string
		if len(fields) > 1 {
			exeArgs = fields[1:]
		}
		targets = append(targets, netlab.Target{Name: name, Exe: fields[0], Args: exeArgs, Modes: modes})
	}
	return targets, nil
}

func parseRTTs(list string) ([]time.Duration, error) {
	var rtts []time.Duration
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "0" {
			s = "0s"
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("RTT %q: want a duration such as 10ms", s)
		}
		rtts = append(rtts, d)
	}
	return rtts, nil
}

func tableCmd(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: netlab table FILE")
	}
	t, err := netlab.ReadFile(args[0])
	if err != nil {
		return err
	}
	// The caption first, so that the table ends the output.
	fmt.Println(t.Describe())
	t.PrintTable(os.Stdout)
	return nil
}

func infoCmd(args []string) error {
	if len(args) != 0 {
		return errors.New("usage: netlab info")
	}
	data, err := json.MarshalIndent(netlab.CollectMetadata(commandLine()), "", "\t")
	if err != nil {
		return err
	}
	fmt.Println(string(data))
	return nil
}

// commandLine is os.Args with the program called netlab, not by the
// temporary path go run gives it.
func commandLine() []string {
	return append([]string{"netlab"}, os.Args[1:]...)
}

func chartCmd(args []string) error {
	fs := flag.NewFlagSet("netlab chart", flag.ExitOnError)
	out := fs.String("o", "", "the SVG file to write")
	title := fs.String("title", "", "the chart's title (default: by the kind of results)")
	fs.Parse(args)
	if *out == "" || fs.NArg() != 1 {
		return errors.New("usage: netlab chart [-title TEXT] -o FILE.svg RESULTS.json")
	}
	t, err := netlab.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	switch r := t.(type) {
	case *netlab.Results:
		err = r.LatencySVG(f, cmp.Or(*title, "RTT とリクエスト 1 つの時間"))
	case *netlab.LoadResults:
		err = r.ThroughputSVG(f, cmp.Or(*title, "ループバックでのスループットとリクエスト 1 つあたりのサーバーの CPU 時間"))
	case *netlab.PipelineResults:
		err = r.PipelineSVG(f, cmp.Or(*title, fmt.Sprintf("送り方ごとの、RTT と小さな GET %d 個の時間", r.N)))
	default:
		err = fmt.Errorf("%s: no chart for this kind of results", fs.Arg(0))
	}
	if err != nil {
		f.Close()
		os.Remove(*out)
		return err
	}
	return f.Close()
}
