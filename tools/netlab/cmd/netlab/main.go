// Command netlab is the book's network laboratory: it measures servers
// across a delayed link between two network namespaces. Its commands and
// their flags are in its help, the one place they are written down:
// netlab -h, and netlab COMMAND -h.
package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"tcpbook/tools/netlab"
)

// commands are netlab's commands by name.
var commands = map[string]func(args []string) error{
	"time": timeCmd, "client": clientCmd, "table": tableCmd, "info": infoCmd, "chart": chartCmd,
	"serve": serveCmd, "trace": traceCmd, "idle": idleCmd, "load": loadCmd, "memory": memoryCmd,
	"timewait": timewaitCmd, "compress": compressCmd, "stream": streamCmd, "pipeline": pipelineCmd, "loss": lossCmd,
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, ok := commands[os.Args[1]]
	switch {
	case slices.Contains([]string{"-h", "-help", "--help", "help"}, os.Args[1]):
		usage()
	case !ok:
		fmt.Fprintf(os.Stderr, "netlab: unknown command %q\n", os.Args[1])
		usage()
	}
	if err := cmd(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "netlab:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
	netlab time [-rtt 0,10ms,50ms] [-n 20] [-rate 10mbit] [-burst BYTES] [-loss 1%] [-seed N] [-queue N] [-pcap FILE] [-cc reno] [-json FILE] NAME[:new|:keep]=EXE...
	netlab client [netlab time's flags] -server 'EXE ARG...' [-udp] [-ready REGEXP] NAME='EXE ARG...'...
	netlab table FILE
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

// newFlags returns the flag set of a command; its -h prints the usage
// lines, if any, before the flags.
func newFlags(name string, usage ...string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	if len(usage) > 0 {
		fs.Usage = func() {
			fmt.Fprintln(fs.Output(), strings.Join(usage, "\n"))
			fs.PrintDefaults()
		}
	}
	return fs
}

// serverArgs returns the server EXE [ARG...] that fs was left with, once
// EXE is there (build says how to build it). Without EXE, or unless ok
// (the other flags are valid), it prints the usage and exits.
func serverArgs(fs *flag.FlagSet, ok bool, build string) ([]string, error) {
	if fs.NArg() < 1 || !ok {
		fs.Usage()
		os.Exit(2)
	}
	if _, err := os.Stat(fs.Arg(0)); err != nil {
		return nil, fmt.Errorf("%w (build it first, such as %s)", err, build)
	}
	return fs.Args(), nil
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
	fs := newFlags("netlab time", "usage: netlab time [flags] NAME=EXE | NAME:new=EXE | NAME:keep=EXE ...")
	f := addTimingFlags(fs, 20, "requests per series, RTT and repeat")
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
	fs := newFlags("netlab chart")
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
