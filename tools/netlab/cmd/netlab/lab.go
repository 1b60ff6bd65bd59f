package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"tcpbook/tools/netlab"
)

// serveCmd runs netlab's own server: chapter 4's response, buffered or
// not, with Nagle's algorithm on or off.
func serveCmd(args []string) error {
	fs := newFlags("netlab serve")
	addr := fs.String("addr", "localhost:8888", "where to listen")
	var o netlab.ServeOptions
	fs.BoolVar(&o.Unbuffered, "unbuffered", false, "write each response straight to the connection, a Write per piece of the header")
	fs.BoolVar(&o.Nagle, "nagle", false, "turn Nagle's algorithm on (SetNoDelay(false))")
	fs.IntVar(&o.Size, "size", 0, "the body's size in bytes (0: \"Hello World\\n\")")
	fs.Parse(args)
	if fs.NArg() != 0 {
		return errors.New("usage: netlab serve [-addr localhost:8888] [-unbuffered] [-nagle] [-size N]")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	return netlab.Serve(ln, o)
}

// selfInUserns goes into a user namespace (inUserns) and returns
// netlab's own executable, which serves in netlab trace, idle and loss.
func selfInUserns() (string, error) {
	if err := inUserns(); err != nil {
		return "", err
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding netlab's executable: %w", err)
	}
	return exe, nil
}

// inUserns runs the command again in a user namespace if it is not root,
// as netlab time does; it returns only in the process that goes on.
func inUserns() error {
	if os.Geteuid() != 0 && os.Getenv(netlab.EnvUserns) == "" {
		code, err := netlab.RerunInUserNamespace()
		if err != nil {
			return err
		}
		os.Exit(code)
	}
	return nil
}

// createPcap creates the capture file name, unless name is empty, keeping
// snaplen bytes of each packet (0: all of them), and beside it the server's
// side of the link (serverPcap). done flushes and closes both.
func createPcap(name string, snaplen int) (w *netlab.PcapWriter, done func() error, err error) {
	if name == "" {
		return nil, func() error { return nil }, nil
	}
	var files []*os.File
	var writers []*netlab.PcapWriter
	done = func() error {
		var errs []error
		for i, f := range files {
			if i < len(writers) {
				errs = append(errs, writers[i].Flush())
				fmt.Fprintf(os.Stderr, "wrote %d packets to %s\n", writers[i].Packets(), f.Name())
			}
			errs = append(errs, f.Close())
		}
		return errors.Join(errs...)
	}
	for _, name := range []string{name, serverPcap(name)} {
		f, err := os.Create(name)
		if err != nil {
			return nil, nil, errors.Join(err, done())
		}
		files = append(files, f)
		pw, err := netlab.NewPcapWriter(f, snaplen)
		if err != nil {
			return nil, nil, errors.Join(err, done())
		}
		writers = append(writers, pw)
	}
	writers[0].Server = writers[1]
	return writers[0], done, nil
}

// measureCapturing runs measure with the captures createPcap makes for
// name in *pw, closes them and reports the results to out.
func measureCapturing(name string, snaplen int, pw **netlab.PcapWriter, out string, measure func() (netlab.Table, error)) error {
	var done func() error
	var err error
	if *pw, done, err = createPcap(name, snaplen); err != nil {
		return err
	}
	res, err := measure()
	if perr := done(); err == nil {
		err = perr
	}
	if err != nil {
		return err // when the link cannot be created, the message says what to do
	}
	return report(res, out)
}

// serverPcap names the capture of the server's side that goes beside the
// client's capture name: h2c.pcap → h2c.server.pcap.
func serverPcap(name string) string { return strings.TrimSuffix(name, ".pcap") + ".server.pcap" }

// orNow returns seed, or if it is 0 a seed from the clock.
func orNow(seed uint64) uint64 {
	if seed == 0 {
		return uint64(time.Now().UnixNano())
	}
	return seed
}

func traceCmd(args []string) error {
	fs := newFlags("netlab trace")
	rtt := fs.Duration("rtt", 50*time.Millisecond, "the RTT")
	n := fs.Int("n", 3, "requests on one kept-alive connection, and then on new connections")
	pcapFile := fs.String("pcap", "", "write every packet the link carries to this pcap file (required)")
	out := fs.String("json", "", "write the results to this file")
	port := fs.Uint("port", 8888, "the port the server listens on, on localhost")
	var o netlab.ServeOptions
	fs.BoolVar(&o.Unbuffered, "unbuffered", false, "the server writes each response unbuffered")
	fs.BoolVar(&o.Nagle, "nagle", false, "the server turns Nagle's algorithm on")
	fs.IntVar(&o.Size, "size", 0, "the body's size in bytes")
	sys := sysctls{}
	fs.Var(sys, "sysctl", "net.NAME=VALUE to set in both namespaces (repeatable)")
	drops := dropFlags(fs)
	fs.Parse(args)
	if *pcapFile == "" || fs.NArg() != 0 || *n < 1 {
		return errors.New("usage: netlab trace [-rtt 50ms] [-n 3] [-unbuffered] [-nagle] [-size N] -pcap FILE [-json FILE]")
	}
	exe, err := selfInUserns()
	if err != nil {
		return err
	}
	meta := netlab.CollectMetadata(commandLine())
	f, err := os.Create(*pcapFile)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := netlab.Trace(netlab.TracePlan{
		Exe: exe, Server: o, RTT: *rtt, N: *n, Port: uint16(*port), Sysctl: sys, Log: os.Stderr, Drops: *drops,
	}, &meta, f)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	res.Link.Pcap = filepath.Base(*pcapFile) // it sits beside the JSON
	return report(res, *out)
}

func idleCmd(args []string) error {
	fs := newFlags("netlab idle")
	rtt := fs.Duration("rtt", 50*time.Millisecond, "the RTT")
	gap := fs.Duration("gap", time.Second, "the idle gap before each request after the first ones")
	n := fs.Int("n", 5, "requests back to back, then requests each after the gap")
	ccs := fs.String("cc", "reno,bbr", "congestion controls, comma-separated")
	ssai := fs.String("ssai", "1,0", "values of net.ipv4.tcp_slow_start_after_idle, comma-separated")
	size := fs.Int("size", 65536, "the larger response's body in bytes (0: leave it out)")
	port := fs.Uint("port", 8888, "the port the server listens on, on localhost")
	out := fs.String("json", "", "write the results to this file")
	drops := dropFlags(fs)
	fs.Parse(args)
	if fs.NArg() != 0 || *n < 1 {
		return errors.New("usage: netlab idle [-rtt 50ms] [-gap 1s] [-n 5] [-cc reno,bbr] [-ssai 1,0] [-size 65536] [-json FILE]")
	}
	exe, err := selfInUserns()
	if err != nil {
		return err
	}
	responses := []netlab.IdleResponse{{Name: "unbuffered Hello", Server: netlab.ServeOptions{Unbuffered: true}}}
	if *size > 0 {
		responses = append(responses, netlab.IdleResponse{Name: fmt.Sprintf("%d-byte body", *size), Server: netlab.ServeOptions{Size: *size}})
	}
	meta := netlab.CollectMetadata(commandLine())
	res, err := netlab.MeasureIdle(netlab.IdlePlan{
		Exe: exe, Responses: responses, CCs: splitList(*ccs), SSAI: splitList(*ssai),
		RTT: *rtt, Gap: *gap, N: *n, Port: uint16(*port), Log: os.Stderr, Drops: *drops,
	}, &meta)
	if err != nil {
		return err
	}
	return report(res, *out)
}

// isolate runs the command again in a network namespace of its own, so
// that nothing else uses its port or counts in its socket tables; it
// returns only in the process that goes on. Where no namespace can be
// made, it goes on in this one, says so, and reports the network in use.
func isolate(port uint16) (network string, err error) {
	if os.Getenv(netlab.EnvNetns) == "" {
		code, err := netlab.RerunInNetns()
		if err == nil {
			os.Exit(code)
		}
		fmt.Fprintf(os.Stderr, "NOTICE: %v; measuring on this machine's loopback, shared with everything else\n", err)
		if ok, _ := netlab.LocalListening(port); ok {
			return "", fmt.Errorf("port %d is in use: stop what listens there first", port)
		}
		return "this machine's loopback", nil
	}
	if err := netlab.LoopbackUp(); err != nil {
		return "", err
	}
	return "loopback in a network namespace of its own", nil
}

// loopback is how load, memory and timewait start: it reads the servers
// NAME[:new|:keep]=EXE that fs was left with, one target per way of
// connecting, checks the other flags with check, goes into a network
// namespace of its own (isolate) and collects the run's metadata.
func loopback(fs *flag.FlagSet, port uint, check func() error) ([]netlab.LoadTarget, string, netlab.Metadata, error) {
	targets, err := parseTargets(fs.Args())
	if err == nil && check != nil {
		err = check()
	}
	var network string
	if err == nil {
		network, err = isolate(uint16(port))
	}
	if err != nil {
		return nil, "", netlab.Metadata{}, err
	}
	var out []netlab.LoadTarget
	for _, t := range targets {
		for _, m := range t.Modes {
			out = append(out, netlab.LoadTarget{Name: t.Name, Mode: m, Exe: t.Exe, Args: t.Args})
		}
	}
	return out, network, netlab.CollectMetadata(commandLine()), nil
}

func loadCmd(args []string) error {
	fs := newFlags("netlab load", "usage: netlab load [flags] NAME=EXE | NAME:new=EXE | NAME:keep=EXE ...")
	connList := fs.String("c", "1,16,64", "concurrent connections, comma-separated")
	d := fs.Duration("d", 2*time.Second, "the measured time of each run")
	warmup := fs.Duration("warmup", 500*time.Millisecond, "the load before the measured time")
	repeats := fs.Int("repeat", 3, "repeats, interleaved")
	pin := fs.Bool("pin", true, "pin the load generator and the server to different CPUs (with at least two)")
	port := fs.Uint("port", 8888, "the port the servers listen on, on localhost")
	out := fs.String("json", "", "write the results to this file")
	fs.Parse(args)
	var conns []int
	targets, network, meta, err := loopback(fs, *port, func() (err error) {
		conns, err = parseInts(*connList)
		return err
	})
	if err != nil {
		return err
	}
	plan := netlab.LoadPlan{Targets: targets, Conns: conns, Warmup: *warmup, Duration: *d, Repeats: *repeats, Port: uint16(*port), Log: os.Stderr}
	if cpus, err := netlab.Affinity(0); *pin && err == nil && len(cpus) >= 2 {
		plan.ClientCPUs, plan.ServerCPUs = cpus[:1], cpus[1:2]
		runtime.GOMAXPROCS(1) // the load generator has one CPU
	}
	runs, err := netlab.MeasureLoad(plan)
	if err != nil {
		return err
	}
	res := &netlab.LoadResults{
		Kind: netlab.KindLoad, Meta: meta, Load: netlab.ClosedLoop, Network: network,
		ClientCPUs: plan.ClientCPUs, ServerCPUs: plan.ServerCPUs,
		WarmupS: warmup.Seconds(), DurationS: d.Seconds(), Repeats: *repeats,
		Order:  "repeat by repeat: every series at every number of connections, then again (ABAB, not AABB)",
		Points: netlab.SummariseLoad(runs), Runs: runs,
	}
	return report(res, *out)
}

func memoryCmd(args []string) error {
	fs := newFlags("netlab memory", "usage: netlab memory [flags] NAME:new=EXE (idle before a request) | NAME:keep=EXE (idle after one) ...")
	counts := fs.String("counts", "0,1000,2000,3000,4000", "numbers of idle connections, rising, comma-separated")
	port := fs.Uint("port", 8888, "the port the servers listen on, on localhost")
	out := fs.String("json", "", "write the results to this file")
	fs.Parse(args)
	var levels []int
	loads, network, meta, err := loopback(fs, *port, func() (err error) {
		levels, err = parseInts(*counts)
		return err
	})
	if err != nil {
		return err
	}
	var targets []netlab.MemoryTarget
	for _, t := range loads {
		targets = append(targets, netlab.MemoryTarget{Name: t.Name, Request: t.Mode == netlab.ModeKeep, Exe: t.Exe, Args: t.Args})
	}
	env := []string{"GOGC=1"}
	series, err := netlab.MeasureMemory(netlab.MemoryPlan{Targets: targets, Counts: levels, Env: env, Port: uint16(*port), Log: os.Stderr})
	if err != nil {
		return err
	}
	res := &netlab.MemoryResults{Kind: netlab.KindMemory, Meta: meta, Network: network, ServerEnv: env, Note: netlab.MemoryNote, Series: series}
	return report(res, *out)
}

func timewaitCmd(args []string) error {
	fs := newFlags("netlab timewait", "usage: netlab timewait [flags] NAME:new=EXE (the server closes first) | NAME:keep=EXE (the client closes first) ...")
	n := fs.Int("n", 1000, "connections per case, one request each")
	port := fs.Uint("port", 8888, "the port the servers listen on, on localhost")
	out := fs.String("json", "", "write the results to this file")
	fs.Parse(args)
	loads, network, meta, err := loopback(fs, *port, nil)
	if err != nil {
		return err
	}
	var cases []netlab.TimeWaitCase
	for _, t := range loads {
		cases = append(cases, netlab.TimeWaitCase{Name: t.Name, ClientCloses: t.Mode == netlab.ModeKeep, Exe: t.Exe, Args: t.Args})
	}
	res, err := netlab.MeasureTimeWait(cases, *n, uint16(*port), os.Stderr)
	if err != nil {
		return err
	}
	res.Meta, res.Network = meta, network
	return report(res, *out)
}

// report prints the caption and the table of res, as netlab table does,
// and writes res to out, if out is not empty.
func report(res netlab.Table, out string) error {
	fmt.Println(res.Describe())
	res.PrintTable(os.Stdout)
	if out == "" {
		return nil
	}
	return netlab.WriteJSON(out, res)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%q: want whole numbers, comma-separated", s)
		}
		out = append(out, v)
	}
	return out, nil
}
