package main

import (
	"os"
	"runtime"
	"time"

	"tcpbook/tools/netlab"
)

// The commands that measure servers on a loopback interface.

// loopbackTargets reads the servers NAME[:new|:keep]=EXE that c was left
// with, one target per way of connecting, after check has checked the
// other flags.
func (c *lab) loopbackTargets(check func() error) ([]netlab.LoadTarget, error) {
	targets, err := parseTargets(c.Args())
	if err == nil && check != nil {
		err = check()
	}
	var out []netlab.LoadTarget
	for _, t := range targets {
		for _, m := range t.Modes {
			out = append(out, netlab.LoadTarget{Name: t.Name, Mode: m, Exe: t.Exe, Args: t.Args})
		}
	}
	return out, err
}

func loadCmd(args []string) error {
	c := newLab("netlab load", "", "usage: netlab load [flags] NAME=EXE | NAME:new=EXE | NAME:keep=EXE ...")
	connList := c.String("c", "1,16,64", "concurrent connections, comma-separated")
	d := c.Duration("d", 2*time.Second, "the measured time of each run")
	warmup := c.Duration("warmup", 500*time.Millisecond, "the load before the measured time")
	repeats := c.Int("repeat", 3, "repeats, interleaved")
	pin := c.Bool("pin", true, "pin the load generator and the server to different CPUs (with at least two)")
	c.Parse(args)
	var conns []int
	targets, err := c.loopbackTargets(func() (err error) {
		conns, err = parseInts(*connList)
		return err
	})
	if err != nil {
		return err
	}
	return c.onLoopback(func(network string, meta *netlab.Metadata) (netlab.Table, error) {
		plan := netlab.LoadPlan{Targets: targets, Conns: conns, Warmup: *warmup, Duration: *d, Repeats: *repeats, Port: uint16(c.port), Log: os.Stderr}
		if cpus, err := netlab.Affinity(0); *pin && err == nil && len(cpus) >= 2 {
			plan.ClientCPUs, plan.ServerCPUs = cpus[:1], cpus[1:2]
			runtime.GOMAXPROCS(1) // the load generator has one CPU
		}
		runs, err := netlab.MeasureLoad(plan)
		return &netlab.LoadResults{
			Head: netlab.Head{Kind: netlab.KindLoad, Meta: *meta}, Load: netlab.ClosedLoop, Network: network,
			ClientCPUs: plan.ClientCPUs, ServerCPUs: plan.ServerCPUs,
			WarmupS: warmup.Seconds(), DurationS: d.Seconds(), Repeats: *repeats,
			Order:  "repeat by repeat: every series at every number of connections, then again (ABAB, not AABB)",
			Points: netlab.SummariseLoad(runs), Runs: runs,
		}, err
	})
}

func memoryCmd(args []string) error {
	c := newLab("netlab memory", "", "usage: netlab memory [flags] NAME:new=EXE (idle before a request) | NAME:keep=EXE (idle after one) ...")
	counts := c.String("counts", "0,1000,2000,3000,4000", "numbers of idle connections, rising, comma-separated")
	c.Parse(args)
	var levels []int
	loads, err := c.loopbackTargets(func() (err error) {
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
	return c.onLoopback(func(network string, meta *netlab.Metadata) (netlab.Table, error) {
		env := []string{"GOGC=1"}
		series, err := netlab.MeasureMemory(netlab.MemoryPlan{Targets: targets, Counts: levels, Env: env, Port: uint16(c.port), Log: os.Stderr})
		return &netlab.MemoryResults{Head: netlab.Head{Kind: netlab.KindMemory, Meta: *meta}, Network: network, ServerEnv: env, Note: netlab.MemoryNote, Series: series}, err
	})
}

func timewaitCmd(args []string) error {
	c := newLab("netlab timewait", "", "usage: netlab timewait [flags] NAME:new=EXE (the server closes first) | NAME:keep=EXE (the client closes first) ...")
	n := c.Int("n", 1000, "connections per case, one request each")
	c.Parse(args)
	loads, err := c.loopbackTargets(nil)
	if err != nil {
		return err
	}
	var cases []netlab.TimeWaitCase
	for _, t := range loads {
		cases = append(cases, netlab.TimeWaitCase{Name: t.Name, ClientCloses: t.Mode == netlab.ModeKeep, Exe: t.Exe, Args: t.Args})
	}
	return c.onLoopback(func(network string, meta *netlab.Metadata) (netlab.Table, error) {
		res, err := netlab.MeasureTimeWait(cases, *n, uint16(c.port), os.Stderr)
		if err == nil {
			res.Meta, res.Network = *meta, network
		}
		return res, err
	})
}
