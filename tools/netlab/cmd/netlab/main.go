// Command netlab is the book's network laboratory: it measures servers
// across a delayed link between two network namespaces. Its commands and
// their flags are in its help, the one place they are written down:
// netlab -h, and netlab COMMAND -h.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
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
	"timewait": timewaitCmd, "loss": lossCmd,
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
	netlab table FILE...
	netlab chart [-title TEXT] [-series A,B] [-y LABEL] -o FILE.svg RESULTS.json...
	netlab info
	netlab serve [-addr localhost:8888] [-unbuffered] [-nagle] [-size N]
	netlab trace [-rtt 50ms] [-n 3] [-unbuffered] [-nagle] -pcap FILE [-json FILE]
	netlab idle [-rtt 50ms] [-gap 1s] [-n 5] [-cc reno,bbr] [-ssai 1,0] [-json FILE]
	netlab load [-c 1,16,64] [-d 2s] [-repeat 3] [-json FILE] NAME[:new|:keep]=EXE...
	netlab memory [-counts 0,1000,2000] [-json FILE] NAME:new|keep=EXE...
	netlab timewait [-n 1000] [-json FILE] NAME:new|keep=EXE...
	netlab loss [-rtt 50ms] [-repeat 5] [-n 200] [-loss 1%,5%] [-cc reno] [-pcap FILE] [-json FILE] EXE [ARG...]
trace and idle also take -loss, -seed and -queue.
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

func tableCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: netlab table FILE [FILE...]")
	}
	t, err := readResults(args)
	if err == nil {
		printTable(t)
	}
	return err
}

// readResults reads one results file of any kind, or several of netlab
// time or client, which make one table or chart with the series of each
// in turn (Results.Join).
func readResults(files []string) (netlab.Table, error) {
	var all []*netlab.Results
	for _, name := range files {
		t, err := netlab.ReadFile(name)
		if err != nil || len(files) == 1 {
			return t, err
		}
		r, ok := t.(*netlab.Results)
		if !ok {
			return nil, fmt.Errorf("%s: only results of netlab time and client join with others", name)
		}
		all = append(all, r)
	}
	return all[0], all[0].Join(all[1:]...)
}

// printTable prints the caption and then the table, so that the table
// ends the output.
func printTable(t netlab.Table) {
	fmt.Println(t.Describe())
	t.PrintTable(os.Stdout)
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
	series := fs.String("series", "", "draw only these series of netlab time or client, comma-separated, in this order (default: all)")
	ylabel := fs.String("y", "", "the time axis' label, for results of netlab time or client (default: リクエスト 1 つの時間（ms）)")
	fs.Parse(args)
	if *out == "" || fs.NArg() < 1 {
		return errors.New("usage: netlab chart [-title TEXT] [-series A,B] [-y LABEL] -o FILE.svg RESULTS.json [RESULTS.json...]")
	}
	t, err := readResults(fs.Args())
	if err != nil {
		return err
	}
	if r, ok := t.(*netlab.Results); ok {
		r.YLabel = *ylabel
		if *series != "" {
			err = r.Only(splitList(*series))
		}
	} else if *series != "" || *ylabel != "" {
		err = errors.New("-series and -y: only for results of netlab time and client")
	}
	if err != nil {
		return err
	}
	c, ok := t.(netlab.Chart)
	if !ok {
		return fmt.Errorf("%s: no chart for this kind of results", fs.Arg(0))
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := c.SVG(f, *title); err != nil {
		f.Close()
		os.Remove(*out)
		return err
	}
	return f.Close()
}

// serveCmd runs netlab's own server: chapter 4's response, buffered or
// not, with Nagle's algorithm on or off.
func serveCmd(args []string) error {
	fs := newFlags("netlab serve")
	addr := fs.String("addr", "localhost:8888", "where to listen")
	o := serveFlags(fs, "write each response straight to the connection, a Write per piece of the header",
		"turn Nagle's algorithm on (SetNoDelay(false))", "the body's size in bytes (0: \"Hello World\\n\")")
	fs.Parse(args)
	if fs.NArg() != 0 {
		return errors.New("usage: netlab serve [-addr localhost:8888] [-unbuffered] [-nagle] [-size N]")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	return netlab.Serve(ln, *o)
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

// parseRTTs reads a comma-separated list of durations.
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
