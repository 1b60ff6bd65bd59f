package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"tcpbook/tools/netlab"
)

func TestParseTargets(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "server")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	got, err := parseTargets([]string{"ch04=" + exe, "ch02:new=" + exe, "h:keep=" + exe})
	if err != nil {
		t.Fatal(err)
	}
	want := []netlab.Target{
		{Name: "ch04", Exe: exe, Modes: []string{"new", "keep"}},
		{Name: "ch02", Exe: exe, Modes: []string{"new"}},
		{Name: "h", Exe: exe, Modes: []string{"keep"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseTargets = %+v, want %+v", got, want)
	}
	for _, bad := range [][]string{nil, {"ch04"}, {"=" + exe}, {"ch04:both=" + exe}, {"ch04=/no/such/file"}} {
		if _, err := parseTargets(bad); err == nil {
			t.Errorf("parseTargets(%q) gave no error", bad)
		}
	}
}

func TestParseRTTs(t *testing.T) {
	got, err := parseRTTs("0, 10ms,50ms")
	if want := []time.Duration{0, 10 * time.Millisecond, 50 * time.Millisecond}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("parseRTTs = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"", "10", "-5ms", "10ms,,"} {
		if _, err := parseRTTs(bad); err == nil {
			t.Errorf("parseRTTs(%q) gave no error", bad)
		}
	}
}

// netlab.ReadFile reads each kind of results file by its "kind", a file without
// one as latency results, and refuses an unknown kind.
func TestReadAny(t *testing.T) {
	dir := t.TempDir()
	files := map[string]any{
		"old.json":   netlab.Results{Series: []netlab.Series{{Name: "ch04-keep"}}},
		"trace.json": netlab.TraceResults{Head: netlab.Head{Kind: netlab.KindTrace}},
		"idle.json":  netlab.IdleResults{Head: netlab.Head{Kind: netlab.KindIdle}},
		"load.json":  netlab.LoadResults{Head: netlab.Head{Kind: netlab.KindLoad}},
		"mem.json":   netlab.MemoryResults{Head: netlab.Head{Kind: netlab.KindMemory}},
		"tw.json":    netlab.TimeWaitResults{Head: netlab.Head{Kind: netlab.KindTimeWait}},
		"bad.json":   map[string]string{"kind": "nonsense"},
	}
	for name, v := range files {
		if err := netlab.WriteJSON(filepath.Join(dir, name), v); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"old.json": "*netlab.Results", "trace.json": "*netlab.TraceResults", "idle.json": "*netlab.IdleResults",
		"load.json": "*netlab.LoadResults", "mem.json": "*netlab.MemoryResults", "tw.json": "*netlab.TimeWaitResults",
	} {
		tab, err := netlab.ReadFile(filepath.Join(dir, name))
		if got := reflect.TypeOf(tab); err != nil || got == nil || got.String() != want {
			t.Errorf("ReadFile(%s) = %v, %v; want a %s", name, got, err, want)
		}
	}
	if _, err := netlab.ReadFile(filepath.Join(dir, "bad.json")); err == nil {
		t.Error("an unknown kind was read")
	}
}

// A server given with arguments in the same word keeps them.
func TestParseTargetsArgs(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "netlab")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	got, err := parseTargets([]string{"unbuffered:keep=" + exe + " serve -unbuffered"})
	want := []netlab.Target{{Name: "unbuffered", Exe: exe, Args: []string{"serve", "-unbuffered"}, Modes: []string{"keep"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("parseTargets = %+v, %v; want %+v", got, err, want)
	}
}

// -loss reads a share or a percentage from 0 to 1; -seed and -queue are
// whole numbers; none set is no loss and no queue limit.
func TestDropFlags(t *testing.T) {
	parse := func(args ...string) (netlab.Drops, error) {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		d := dropFlags(fs)
		return *d, fs.Parse(args)
	}
	for _, c := range []struct {
		args []string
		want netlab.Drops
	}{
		{nil, netlab.Drops{}},
		{[]string{"-loss", "1%", "-seed", "7", "-queue", "50"}, netlab.Drops{Loss: 0.01, Seed: 7, Queue: 50}},
		{[]string{"-loss", "0.05"}, netlab.Drops{Loss: 0.05}},
		{[]string{"-loss", "100%"}, netlab.Drops{Loss: 1}},
	} {
		if got, err := parse(c.args...); err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.args, got, err, c.want)
		}
	}
	for _, bad := range []string{"2", "-1%", "101%", "x", "%"} {
		if _, err := parse("-loss", bad); err == nil {
			t.Errorf("-loss %q gave no error", bad)
		}
	}
}

// Several results files of netlab time or client read as one, their
// series in turn; other kinds do not join.
func TestReadResultsJoins(t *testing.T) {
	dir := t.TempDir()
	files := map[string]any{
		"http1.json": netlab.Results{Head: netlab.Head{Kind: netlab.KindLatency}, Series: []netlab.Series{{Name: "sequential"}, {Name: "pipelined"}}},
		"h2c.json":   netlab.Results{Head: netlab.Head{Kind: netlab.KindLatency}, Series: []netlab.Series{{Name: "h2c"}}},
		"idle.json":  netlab.IdleResults{Head: netlab.Head{Kind: netlab.KindIdle}},
	}
	for name, v := range files {
		if err := netlab.WriteJSON(filepath.Join(dir, name), v); err != nil {
			t.Fatal(err)
		}
	}
	tab, err := readResults([]string{filepath.Join(dir, "http1.json"), filepath.Join(dir, "h2c.json")})
	r, ok := tab.(*netlab.Results)
	if err != nil || !ok || len(r.Series) != 3 || r.Series[2].Name != "h2c" {
		t.Fatalf("readResults = %+v, %v; want the three series in turn", tab, err)
	}
	if _, err := readResults([]string{filepath.Join(dir, "http1.json"), filepath.Join(dir, "idle.json")}); err == nil {
		t.Error("idle results joined latency results")
	}
}
