//go:build linux

package netlab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
	"tcpbook/internal/pcap"
	"tcpbook/internal/pcap/pcaptest"
)

// newTestLink creates a link, or skips the test saying why it cannot be
// created here (also in CI, where the skip is a NOTICE in the log). The
// link is closed when the test ends.
func newTestLink(t *testing.T, cfg Config) *Link {
	t.Helper()
	l, err := NewLink(cfg)
	if errors.Is(err, ErrNoLink) {
		t.Skipf("NOTICE: the delayed link cannot be created here, so %s does not run: %v", t.Name(), err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// inNamespaces runs a test that creates links as root: an ordinary user
// goes on in a child process that is root in a user namespace of its own
// (booktest.Isolate), and the parent returns false.
func inNamespaces(t *testing.T) bool {
	return os.Geteuid() == 0 || booktest.Isolate(t)
}

// echoServer listens in the link's server namespace on 127.0.0.1 and
// echoes each line; it returns the address the client dials.
func echoServer(t *testing.T, l *Link) string {
	t.Helper()
	ln, err := l.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(time.Minute))
				io.Copy(c, c)
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return net.JoinHostPort(ServerIP, port)
}

func dialTest(t *testing.T, l *Link, addr string) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := l.Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(time.Minute))
	t.Cleanup(func() { c.Close() })
	return c
}

// The link delays: a handshake and an exchange each take at least one
// RTT (a busy machine only adds time, so only the lower bound is checked).
// It counts what it carries, and sets and reports each namespace's TCP
// settings.
func TestLink(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	const rtt = 40 * time.Millisecond
	l := newTestLink(t, Config{RTT: rtt, Sysctl: map[string]string{
		"net.ipv4.tcp_congestion_control":    "reno",
		"net.ipv4.tcp_slow_start_after_idle": "0",
	}})
	addr := echoServer(t, l)
	start := time.Now()
	c := dialTest(t, l, addr)
	if d := time.Since(start); d < rtt {
		t.Errorf("the handshake took %v, less than the RTT %v", d, rtt)
	}
	r := bufio.NewReader(c)
	for i := range 3 {
		start := time.Now()
		fmt.Fprintf(c, "ping %d\n", i)
		line, err := r.ReadString('\n')
		if err != nil || line != fmt.Sprintf("ping %d\n", i) {
			t.Fatalf("echo %d: %q, %v", i, line, err)
		}
		if d := time.Since(start); d < rtt {
			t.Errorf("echo %d took %v, less than the RTT %v", i, d, rtt)
		}
	}
	if s := l.Stats(); s.Packets < 3+3*2 || s.Bytes < int64(s.Packets)*40 {
		t.Errorf("the link counted %+v: fewer than the handshake and three exchanges", s)
	}
	client, server := l.Net()
	for _, n := range []NetInfo{client, server} {
		if n.CongestionControl != "reno" || n.SlowStartAfterIdle != "0" || n.InitCwnd != DefaultInitCwnd {
			t.Errorf("namespace settings %+v, want reno, tcp_slow_start_after_idle 0, initcwnd 10", n)
		}
	}
	// A bad sysctl is refused with a message that says what is available.
	_, err := NewLink(Config{Sysctl: map[string]string{"net.ipv4.tcp_congestion_control": "no-such-cc"}})
	if err == nil || !strings.Contains(err.Error(), "available") {
		t.Errorf("an unknown congestion control gave %v, want an error listing the available ones", err)
	}
	if _, err := NewLink(Config{Sysctl: map[string]string{"kernel.hostname": "x"}}); err == nil {
		t.Error("a sysctl outside net.* was accepted")
	}
}

// sendTest listens behind the link, sends total zero bytes to the one
// client it accepts, and returns that client's connection: the transfer
// starts as the caller reads.
func sendTest(t *testing.T, l *Link, total int) net.Conn {
	t.Helper()
	ln, err := l.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Minute))
		c.Write(make([]byte, total))
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return dialTest(t, l, net.JoinHostPort(ServerIP, port))
}

// With -rate, a transfer of N bytes takes about N/rate: never much less,
// and within a generous bound more.
func TestLinkRate(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	rate, _ := ParseRate("8mbit") // 1,000,000 bytes per second
	const total = 600_000
	l := newTestLink(t, Config{RTT: 2 * time.Millisecond, Rate: rate})
	c := sendTest(t, l, total)
	start := time.Now()
	n, err := io.Copy(io.Discard, c)
	elapsed := time.Since(start)
	if err != nil || n != total {
		t.Fatalf("read %d bytes, %v; want %d", n, err, total)
	}
	ideal := time.Duration(float64(total) / rate * float64(time.Second))
	t.Logf("%d bytes at %s took %v (payload alone: %v; the wire also carries 52 bytes of headers per 1448)", total, FormatRate(rate), elapsed.Round(time.Millisecond), ideal)
	// The first burst (DefaultBurst) goes at once; everything after waits for tokens.
	if low := ideal - time.Duration(float64(DefaultBurst(rate))/rate*float64(time.Second)); elapsed < low {
		t.Errorf("%d bytes took %v, faster than %s allows (%v)", total, elapsed, FormatRate(rate), low)
	}
	if elapsed > 5*ideal+2*time.Second {
		t.Errorf("%d bytes took %v at %s, more than five times the %v they should", total, elapsed, FormatRate(rate), ideal)
	}
}

// With 5% loss each way, TCP still delivers every byte, retransmitting
// what the link lost, and the link counts the lost packets. Seed 1 keeps
// the handshake (the first packets of both directions), whose loss would
// cost the 1 s initial RTO.
func TestLinkLoss(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	const total = 100_000
	l := newTestLink(t, Config{RTT: 2 * time.Millisecond, Drops: Drops{Loss: 0.05, Seed: 1}})
	c := sendTest(t, l, total)
	start := time.Now()
	if n, err := io.Copy(io.Discard, c); err != nil || n != total {
		t.Fatalf("read %d bytes, %v; want %d", n, err, total)
	}
	s := l.Quiet()
	t.Logf("%d bytes in %v; the link carried %d packets and dropped %d", total, time.Since(start).Round(time.Millisecond), s.Packets, s.Dropped)
	if s.Dropped == 0 {
		t.Errorf("the link carried %d packets at 5%% loss and dropped none", s.Packets)
	}
}

// The pcap file holds every packet the link carried, as the client sees
// them: the handshake first, with the SYN+ACK at least an RTT after the
// SYN; tcpdump reads it.
func TestLinkPcap(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	const rtt = 30 * time.Millisecond
	var file, serverFile bytes.Buffer
	pw, _ := NewPcapWriter(&file, 0)
	pw.Server, _ = NewPcapWriter(&serverFile, 0)
	l := newTestLink(t, Config{RTT: rtt, Pcap: pw})
	addr := echoServer(t, l)
	c := dialTest(t, l, addr)
	fmt.Fprintf(c, "ping\n")
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("echo: %q, %v", line, err)
	}
	c.Close()
	carried := l.Quiet()
	l.Close()
	if err := errors.Join(pw.Flush(), pw.Server.Flush()); err != nil {
		t.Fatal(err)
	}
	_, packets, err := pcap.Read(bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(packets)) != carried.Packets || len(packets) < 8 {
		t.Fatalf("the file holds %d packets, the link carried %d (want at least 8: handshake, ping, echo, close)", len(packets), carried.Packets)
	}
	client4 := [4]byte{10, 77, 0, 1}
	flags := func(p pcap.Packet) byte { return p.Data[20+13] }
	syn, synack := packets[0], packets[1]
	if [4]byte(syn.Data[12:16]) != client4 || [4]byte(syn.Data[16:20]) != server4 || flags(syn) != 0x02 {
		t.Errorf("first packet %v → %v flags %#x, want a SYN from the client to %s", syn.Data[12:16], syn.Data[16:20], flags(syn), ServerIP)
	}
	if [4]byte(synack.Data[12:16]) != server4 || flags(synack) != 0x12 {
		t.Errorf("second packet from %v flags %#x, want the SYN+ACK from %s", synack.Data[12:16], flags(synack), ServerIP)
	}
	if d := synack.Time.Sub(syn.Time); d < rtt {
		t.Errorf("SYN+ACK %v after the SYN, less than the RTT %v", d, rtt)
	}
	for i, p := range packets {
		if checksum(p.Data[:20], 0) != 0 || checksum(p.Data[20:], transportSum(p.Data)) != 0 {
			t.Errorf("packet %d has a bad checksum", i)
		}
		if i > 0 && p.Time.Before(packets[i-1].Time) {
			t.Errorf("packet %d is stamped before the one ahead of it", i)
		}
	}
	port := binary.BigEndian.Uint16(syn.Data[20:])
	_, sport, _ := net.SplitHostPort(addr)
	pcaptest.Tcpdump(t, file.Bytes(), len(packets), fmt.Sprintf("IP %s.%d > %s.%s: Flags [S]", ClientIP, port, ServerIP, sport))

	// The server's side: the same packets, in the same order (nothing was
	// lost), each a one-way delay later or earlier, with 127.0.0.1.
	_, served, err := pcap.Read(bytes.NewReader(serverFile.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(served) != len(packets) {
		t.Fatalf("the server's side holds %d packets, the client's %d", len(served), len(packets))
	}
	for i, p := range served {
		c := packets[i]
		toServer := [4]byte(c.Data[12:16]) == client4
		if addr := [4]byte(p.Data[16:20]); toServer && addr != loopback4 {
			t.Errorf("server's packet %d to %v, want 127.0.0.1", i, addr)
		}
		// The same TCP segment but its checksum, which covers the address.
		if !bytes.Equal(p.Data[20:36], c.Data[20:36]) || !bytes.Equal(p.Data[38:], c.Data[38:]) {
			t.Errorf("packet %d differs in TCP between the two sides", i)
		}
		late := p.Time.Sub(c.Time) // positive: the server saw it after the client
		if !toServer {
			late = -late
		}
		// Never sooner than the one-way delay; later by what a busy
		// machine makes the link's timers lag (CI saw 31.6 ms against
		// 15), but not by the RTT of a packet matched to the wrong one.
		if late < rtt/2 || late > rtt/2+200*time.Millisecond {
			t.Errorf("packet %d crossed in %v, want the one-way delay %v (or a little more)", i, late, rtt/2)
		}
	}
	pcaptest.Tcpdump(t, serverFile.Bytes(), len(served), fmt.Sprintf("IP %s.%d > 127.0.0.1.%s: Flags [S]", ClientIP, port, sport))
}

// Measure times a server program (this test binary, serving as
// TestMain allows) at two RTTs both ways, and fits each series' line.
// The physical bounds are checked on every request (a new connection
// cannot take less than 2 RTT, a kept-alive request less than 1 RTT);
// the fitted slopes, which a busy machine can bend, are checked within
// wide bands, and the measurement is repeated up to three times before
// the test fails.
func TestMeasure(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	newTestLink(t, Config{}) // skips if no link can be made
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const port = 8888
	rtts := []time.Duration{10 * time.Millisecond, 30 * time.Millisecond}
	plan := Plan{
		Targets: []Target{{Name: "go", Exe: exe, Args: []string{"-netlab.serve", fmt.Sprintf("127.0.0.1:%d", port)}, Modes: []string{ModeNew, ModeKeep}}},
		RTTs:    rtts,
		N:       5,
		Port:    port,
	}
	var problems []string
	for attempt := 1; attempt <= 3; attempt++ {
		meta := CollectMetadata(nil)
		series, err := Measure(plan, &meta)
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 2 || series[0].Name != "go-new" || series[1].Name != "go-keep" {
			t.Fatalf("series %+v, want go-new and go-keep", series)
		}
		if meta.Server == nil || meta.Server.CongestionControl == "" {
			t.Errorf("Measure did not record the server namespace's settings: %+v", meta.Server)
		}
		problems = nil
		for _, s := range series {
			if len(s.Points) != len(rtts) || s.SlopeRTT == nil || s.InterceptMS == nil {
				t.Fatalf("%s: %d points, slope %v, intercept %v", s.Name, len(s.Points), s.SlopeRTT, s.InterceptMS)
			}
			rtts := 1.0 // RTTs a request costs at least
			if s.Mode == ModeNew {
				rtts = 2
			}
			for _, p := range s.Points {
				if len(p.Samples) != plan.N || p.Carried.Packets == 0 {
					t.Errorf("%s at %v: %d samples, %d packets", s.Name, p.RTT, len(p.Samples), p.Carried.Packets)
				}
				if p.MinMS < rtts*p.RTTMS {
					t.Errorf("%s at %v: fastest request %.2f ms, less than %v RTT", s.Name, p.RTT, p.MinMS, rtts)
				}
			}
			t.Logf("attempt %d: %s: time = %.2f ms + %.2f × RTT", attempt, s.Name, *s.InterceptMS, *s.SlopeRTT)
			if k := *s.SlopeRTT; k < rtts-0.4 || k > rtts+0.8 {
				problems = append(problems, fmt.Sprintf("%s: slope %.2f RTT, want about %v", s.Name, k, rtts))
			}
		}
		if len(problems) == 0 {
			return
		}
	}
	t.Errorf("three measurements out of band:\n%s", strings.Join(problems, "\n"))
}

// Listen listens in the server's namespace, as a server started with
// StartServer would: Listen("tcp", "127.0.0.1:0"), and the client reaches
// it at ServerIP and the same port.
func (l *Link) Listen(network, addr string) (ln net.Listener, err error) {
	l.server.run(func() { ln, err = net.Listen(network, addr) })
	return ln, err
}
