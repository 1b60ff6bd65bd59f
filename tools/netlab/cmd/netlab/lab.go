package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"tcpbook/tools/netlab"
)

// lab is a measuring command: its flags, with the ones every measuring
// command has (-json, -port) and those of the link (-loss, -seed, -queue,
// and -pcap where it captures), and the one path every command takes
// from its flags to its results: checks, a namespace, the run's metadata,
// the measurement (captured), the table, the results file.
type lab struct {
	*flag.FlagSet
	out, pcap string
	port      uint
	snaplen   int           // of the capture; 0: whole packets
	drops     *netlab.Drops // nil for the commands on the loopback
	exe       string        // netlab's own executable, which serves in netlab trace, idle and loss
}

// newLab returns a command's flags with -json and -port, which portUsage
// describes (empty: the servers on localhost).
func newLab(name, portUsage string, usage ...string) *lab {
	c := &lab{FlagSet: newFlags(name, usage...)}
	c.StringVar(&c.out, "json", "", "write the results to this file")
	c.UintVar(&c.port, "port", 8888, cmp.Or(portUsage, "the port the servers listen on, on localhost"))
	return c
}

// linkFlags adds -loss, -seed and -queue, which every command that creates
// the link has.
func (c *lab) linkFlags() *lab {
	c.drops = dropFlags(c.FlagSet)
	return c
}

// dropFlags adds -loss, -seed and -queue to fs.
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

// pcapFlag adds -pcap, described by usage, keeping snaplen bytes of each
// packet.
func (c *lab) pcapFlag(usage string, snaplen int) {
	c.StringVar(&c.pcap, "pcap", "", usage)
	c.snaplen = snaplen
}

// server returns the server EXE [ARG...] that the command was left with,
// once EXE is there (build says how to build it). Without EXE, or unless
// ok (the other flags are valid), it prints the usage and exits.
func (c *lab) server(ok bool, build string) ([]string, error) {
	if c.NArg() < 1 || !ok {
		c.Usage()
		os.Exit(2)
	}
	if _, err := os.Stat(c.Arg(0)); err != nil {
		return nil, fmt.Errorf("%w (build it first, such as %s)", err, build)
	}
	return c.Args(), nil
}

// A measurement measures with the run's metadata, capturing into pw if
// -pcap is set.
type measurement func(meta *netlab.Metadata, pw *netlab.PcapWriter) (netlab.Table, error)

// onLink measures across the link, in a user namespace if not root: the
// command runs again there, and onLink returns only in the process that
// goes on.
func (c *lab) onLink(measure measurement) error {
	if err := c.checkPort(); err != nil {
		return err
	}
	if os.Geteuid() != 0 && os.Getenv(netlab.EnvUserns) == "" {
		code, err := netlab.RerunInUserNamespace()
		if err != nil {
			return err // the message says what to do
		}
		os.Exit(code)
	}
	return c.run("", measure)
}

// onLoopback measures on a loopback interface: that of a network
// namespace of its own, so that nothing else uses the port or counts in
// the socket tables (the command runs again there, and onLoopback returns
// only in the process that goes on), or where no namespace can be made,
// this machine's, which it says. measure gets the network in use.
func (c *lab) onLoopback(measure func(network string, meta *netlab.Metadata) (netlab.Table, error)) error {
	if err := c.checkPort(); err != nil {
		return err
	}
	network := "loopback in a network namespace of its own"
	if os.Getenv(netlab.EnvNetns) == "" {
		code, err := netlab.RerunInNetns()
		if err == nil {
			os.Exit(code)
		}
		fmt.Fprintf(os.Stderr, "NOTICE: %v; measuring on this machine's loopback, shared with everything else\n", err)
		if ok, _ := netlab.LocalListening(uint16(c.port)); ok {
			return fmt.Errorf("port %d is in use: stop what listens there first", c.port)
		}
		network = "this machine's loopback"
	} else if err := netlab.LoopbackUp(); err != nil {
		return err
	}
	return c.run(network, func(meta *netlab.Metadata, _ *netlab.PcapWriter) (netlab.Table, error) { return measure(network, meta) })
}

func (c *lab) checkPort() error {
	if c.port == 0 || c.port > 65535 {
		return fmt.Errorf("-port %d: want 1 to 65535", c.port)
	}
	return nil
}

// run collects the run's metadata, measures, capturing to -pcap if set,
// prints the caption and the table as netlab table does, and writes the
// results to -json if set.
func (c *lab) run(network string, measure measurement) error {
	meta := netlab.CollectMetadata(commandLine())
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding netlab's executable: %w", err)
	}
	c.exe = exe
	pw, done, err := createPcap(c.pcap, c.snaplen)
	if err != nil {
		return err
	}
	res, err := measure(&meta, pw)
	if perr := done(); err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	printTable(res)
	if c.out == "" {
		return nil
	}
	return netlab.WriteJSON(c.out, res)
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

// sysctlFlag adds the repeatable -sysctl.
func (c *lab) sysctlFlag() sysctls {
	s := sysctls{}
	c.Var(s, "sysctl", "net.NAME=VALUE to set in both namespaces (repeatable)")
	return s
}
