//go:build linux

package netlab

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The test binary stands in for the programs netlab client runs:
// "TESTBINARY -netlab.client PROGRAM ARG..." runs clientProgram, before
// TestMain.
func init() {
	if len(os.Args) > 2 && os.Args[1] == "-netlab.client" {
		if err := clientProgram(os.Args[2], os.Args[3:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
}

// clientProgram is one of the test's programs:
//
//	get ADDR [own]   GET / on a new TCP connection, Connection: close, read to
//	                 the end; with own, print the time on a netlab-time: line
//	echo ADDR [WAIT] a UDP echo server; with WAIT, it answers "early" for that
//	                 long after binding, and only then prints "ready"
//	ping ADDR [own]  one datagram to ADDR and its echo; with own, print the
//	                 time on a netlab-time: line
//	fail             a server that prints a line and exits at once
func clientProgram(name string, args []string) error {
	switch name {
	case "get":
		start := time.Now()
		c, err := net.Dial("tcp", args[0])
		if err != nil {
			return err
		}
		defer c.Close()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
		resp, err := io.ReadAll(c)
		if err != nil || !bytes.HasPrefix(resp, []byte("HTTP/1.1 200 OK")) {
			return fmt.Errorf("response %q, %v", resp, err)
		}
		if len(args) > 1 {
			fmt.Println(TimeLine, time.Since(start))
		}
	case "echo":
		c, err := net.ListenPacket("udp", args[0])
		if err != nil {
			return err
		}
		var early time.Time
		if len(args) > 1 {
			wait, _ := time.ParseDuration(args[1])
			early = time.Now().Add(wait)
			fmt.Println("warming up")
			time.AfterFunc(wait, func() { fmt.Println("ready") })
		}
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return err
			}
			if time.Now().Before(early) {
				copy(buf, "early")
				n = len("early")
			}
			c.WriteTo(buf[:n], from)
		}
	case "ping":
		start := time.Now()
		c, err := net.Dial("udp", args[0])
		if err != nil {
			return err
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "ping")
		buf := make([]byte, 100)
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != "ping" {
			return fmt.Errorf("ping: got %q, %v", buf[:n], err)
		}
		if len(args) > 1 {
			fmt.Println(TimeLine, time.Since(start))
		}
	case "fail":
		return fmt.Errorf("boom: no certificate")
	}
	return nil
}

// clientPlan measures the test binary's programs across the link at the
// given RTTs.
func clientPlan(t *testing.T, rtts []time.Duration, n int, server []string, clients ...Target) ClientPlan {
	newTestLink(t, Config{}) // skips if no link can be made
	exe := testExe(t)
	for i := range clients {
		clients[i].Exe, clients[i].Args = exe, append([]string{"-netlab.client"}, clients[i].Args...)
	}
	return ClientPlan{
		Plan:   Plan{Targets: clients, RTTs: rtts, N: n, Seed: 1, Port: 8888},
		Server: append([]string{exe}, server...),
	}
}

// A client that makes one request on a new TCP connection costs two RTTs
// (the handshake, then the request and its response), whether timed from
// exec to exit or by its own clock; each run carries the handshake, the
// request and response and the closing packets. Timing on a busy machine
// only adds, so the test retries before it fails on k.
func TestMeasureClientsTCP(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	addr := ServerIP + ":8888"
	p := clientPlan(t, []time.Duration{0, 50 * time.Millisecond, 200 * time.Millisecond}, 4,
		loopbackArgs(ServeOptions{}, 8888),
		Target{Name: "exec", Args: []string{"get", addr}}, Target{Name: "own", Args: []string{"get", addr, "own"}})
	var problem string
	for attempt := 1; attempt <= 3; attempt++ {
		meta := CollectMetadata(nil)
		series, err := MeasureClients(p, &meta)
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 2 || series[0].Name != "exec" || series[1].Name != "own" || meta.OrderSeed == nil ||
			!strings.Contains(meta.Timing, "but own: as the client reported") {
			t.Fatalf("series %+v, meta %+v", series, meta)
		}
		problem = ""
		for _, s := range series {
			if len(s.Points) != 3 || s.SlopeRTT == nil || s.FitSamples != 8 {
				t.Fatalf("%s: %d points, fit %+v", s.Name, len(s.Points), s.RTTFit)
			}
			for _, pt := range s.Points {
				var sum int64
				for _, sm := range pt.Samples {
					// 3 for the handshake, a request, a response, 2 FINs, 2 ACKs;
					// more if an ACK goes alone or a segment is sent again
					if sm.Carried == nil || sm.Carried.Packets < 7 || sm.Carried.Packets > 20 {
						t.Fatalf("%s at %v: a run carried %+v, want 7 to 20 packets", s.Name, pt.RTT, sm.Carried)
					}
					sum += sm.Carried.Packets
				}
				if len(pt.Samples) != 4 || pt.Carried.Packets != sum {
					t.Errorf("%s at %v: %d samples, %d packets, the runs' sum %d", s.Name, pt.RTT, len(pt.Samples), pt.Carried.Packets, sum)
				}
			}
			t.Logf("attempt %d: %s k = %s, a = %.2f ms", attempt, s.Name, s.K(), *s.InterceptMS)
			if k := *s.SlopeRTT; k < 1.5 || k > 2.6 {
				problem += fmt.Sprintf("%s: k = %.2f, want about 2; ", s.Name, k)
			}
		}
		if problem == "" || raceEnabled {
			return
		}
	}
	t.Error(problem)
}

// A client that sends one datagram and waits for its echo costs one RTT
// and carries two packets. The server is ready when it has bound its
// UDP port. The client times itself: the exec-to-exit time of the test
// binary varies by tens of milliseconds on a busy machine.
func TestMeasureClientsUDP(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	p := clientPlan(t, []time.Duration{50 * time.Millisecond, 200 * time.Millisecond}, 4,
		[]string{"-netlab.client", "echo", "127.0.0.1:8888"},
		Target{Name: "ping", Args: []string{"ping", ServerIP + ":8888", "own"}})
	p.UDP = true
	var problem string
	for attempt := 1; attempt <= 3; attempt++ {
		series, err := MeasureClients(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := series[0]
		for _, pt := range s.Points {
			for _, sm := range pt.Samples {
				if sm.Carried == nil || sm.Carried.Packets != 2 {
					t.Errorf("at %v: a run carried %+v, want 2 packets", pt.RTT, sm.Carried)
				}
			}
		}
		t.Logf("attempt %d: k = %s, a = %.2f ms", attempt, s.K(), *s.InterceptMS)
		problem = ""
		if k := *s.SlopeRTT; k < 0.6 || k > 1.5 {
			problem = fmt.Sprintf("k = %.2f, want about 1", k)
		}
		if problem == "" || raceEnabled {
			return
		}
	}
	t.Error(problem)
}

// With Ready, netlab waits for the server's line, not for its port: this
// server binds its port at once but answers "early" for half a second,
// and only then says it is ready; the client fails on "early". (Without
// Ready it would fail, unless starting it took half a second, as it may
// on a busy machine: so that is not tested.)
func TestMeasureClientsReadyLine(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	p := clientPlan(t, []time.Duration{10 * time.Millisecond}, 1,
		[]string{"-netlab.client", "echo", "127.0.0.1:8888", "500ms"},
		Target{Name: "ping", Args: []string{"ping", ServerIP + ":8888"}})
	p.UDP, p.Ready = true, regexp.MustCompile(`^ready$`)
	start := time.Now()
	if _, err := MeasureClients(p, nil); err != nil {
		t.Errorf("with Ready: %v", err)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Errorf("measured in %v, before the server said it was ready", took)
	}
}

// A server that exits before it is ready fails the measurement with an
// error that names it and shows its last output.
func TestMeasureClientsServerExits(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	p := clientPlan(t, []time.Duration{10 * time.Millisecond}, 1, []string{"-netlab.client", "fail"},
		Target{Name: "get", Args: []string{"get", ServerIP + ":8888"}})
	_, err := MeasureClients(p, nil)
	if err == nil || !strings.Contains(err.Error(), p.Server[0]+" exited (exit status 3) while netlab waited for it to listen on TCP port 8888") ||
		!strings.Contains(err.Error(), "\tboom: no certificate") {
		t.Errorf("got %v", err)
	}
}

// A server's output keeps its last ten lines and finds the ready line
// even when it arrives in pieces.
func TestOutput(t *testing.T) {
	o := &output{ready: regexp.MustCompile(`^listening on \S+$`)}
	for i := range 15 {
		fmt.Fprintf(o, "line %d\n", i)
	}
	io.WriteString(o, "listening ")
	if o.matched() {
		t.Error("matched half a line")
	}
	io.WriteString(o, "on :8888\nnot yet ended")
	want := "\tline 6\n\tline 7\n\tline 8\n\tline 9\n\tline 10\n\tline 11\n\tline 12\n\tline 13\n\tline 14\n\tlistening on :8888\n\tnot yet ended"
	if !o.matched() || o.tail() != want {
		t.Errorf("matched %v, tail\n%s\nwant\n%s", o.matched(), o.tail(), want)
	}
	if got := (&output{}).tail(); got != "\t(none)" {
		t.Errorf("no output: tail %q", got)
	}
}
