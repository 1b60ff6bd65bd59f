//go:build linux

package netlab

import (
	"bytes"
	"testing"
	"time"

	"tcpbook/internal/booktest"
	"tcpbook/internal/pcap"
)

// Chapter 8's measuring client, timed by netlab client against the
// chapter's server and its h2c server, each a process of its own, and the
// capture shows what chapter 8 explains its slopes of 3 RTT with: a side that sends more data segments than the
// initial window of 10 before any ACK sends the 11th an RTT after the
// first. Pipelined, the server sends the 10 responses in 10 segments, the
// window exactly; behind /slow, it sends 11. Over h2c, the client sends
// its preface and SETTINGS, then each request's HEADERS in a segment of
// its own: 11.
func TestChapter8Captures(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	newTestLink(t, Config{}) // skips if no link can be made
	const rtt = 30 * time.Millisecond
	var capture bytes.Buffer
	pw, err := NewPcapWriter(&capture, 0)
	if err != nil {
		t.Fatal(err)
	}
	bench := booktest.Build(t, "chapters/08/bench")
	for _, run := range []struct {
		server  string
		clients []Target
	}{
		{"chapters/08/server", []Target{{Name: "pipelined", Exe: bench, Args: []string{"-mode", "pipelined"}},
			{Name: "pipelined+slow", Exe: bench, Args: []string{"-mode", "pipelined", "-slow"}}}},
		{"chapters/08/h2cserver", []Target{{Name: "h2c", Exe: bench, Args: []string{"-mode", "h2c"}}}},
	} {
		plan := ClientPlan{Server: []string{booktest.Build(t, run.server)}, Plan: Plan{
			Targets: run.clients, RTTs: []time.Duration{rtt}, N: 1, Repeat: 1, Port: 8888, Seed: 1, Link: Config{Pcap: pw},
		}}
		series, err := MeasureClients(plan, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range series {
			floor := 2 * rtt
			if s.Name == "pipelined+slow" {
				floor += time.Second // every response waits for /slow's
			}
			if got := s.Points[0].Samples[0].Total; got < floor {
				t.Errorf("%s: %v, less than %v", s.Name, got, floor)
			}
		}
	}
	if err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	_, packets, err := pcap.Read(&capture)
	if err != nil {
		t.Fatal(err)
	}
	// The batches' connections, in the order they ran, and each side's
	// data segments on each.
	type side struct{ client, server []TCPSegment }
	var order []uint16
	conns := map[uint16]*side{}
	for _, s := range TCPSegments(packets) {
		c := conns[s.ClientPort]
		if c == nil {
			c = &side{}
			conns[s.ClientPort] = c
			order = append(order, s.ClientPort)
		}
		if s.Payload == 0 {
			continue
		}
		if s.FromClient {
			c.client = append(c.client, s)
		} else {
			c.server = append(c.server, s)
		}
	}
	if len(order) != 3 {
		t.Fatalf("%d connections in the capture, want 3", len(order))
	}
	counted := map[string]bool{}
	for _, port := range order {
		c := conns[port]
		var name string
		var sender []TCPSegment
		switch {
		case len(c.client) > 1:
			name, sender = "h2c", c.client
		case len(c.server) > 0 && c.server[0].Time.Sub(c.client[0].Time) >= time.Second:
			name, sender = "pipelined+slow", c.server
		default:
			name, sender = "pipelined", c.server
		}
		counted[name] = true
		want := map[string]int{"pipelined": 10, "pipelined+slow": 11, "h2c": 11}[name]
		t.Logf("%s: %d client and %d server data segments", name, len(c.client), len(c.server))
		if name == "h2c" && len(sender) < want {
			t.Errorf("h2c: the client sent %d data segments, want the preface and a HEADERS segment per request (%d) or more", len(sender), want)
		} else if name != "h2c" && len(sender) != want {
			t.Errorf("%s: the server sent %d data segments, want one per response (%d)", name, len(sender), want)
		}
		if len(sender) > DefaultInitCwnd {
			if gap := sender[DefaultInitCwnd].Time.Sub(sender[0].Time); gap < rtt {
				t.Errorf("%s: data segment %d left %v after the first, within an RTT: the initial window is not 10 segments", name, DefaultInitCwnd+1, gap)
			}
		}
		if name == "pipelined" && sender[len(sender)-1].Time.Sub(sender[0].Time) >= rtt {
			t.Errorf("pipelined: the 10 responses took %v to leave; the initial window holds them all", sender[len(sender)-1].Time.Sub(sender[0].Time))
		}
	}
	if len(counted) != 3 {
		t.Errorf("connections told apart as %v", counted)
	}
}
