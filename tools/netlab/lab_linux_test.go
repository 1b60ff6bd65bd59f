//go:build linux

package netlab

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"

	"tcpbook/internal/pcap"
)

// Trace captures the unbuffered server's responses: 13 Writes on a
// kept-alive connection, 14 with Connection: close, the bytes of chapter
// 4's response, and a first response that, when it needed more segments
// than the initial window of 10, waited an RTT for an ACK. The capture
// is a pcap file the exchanges were counted from.
func TestTrace(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	newTestLink(t, Config{}) // skips if no link can be made
	const rtt = 30 * time.Millisecond
	var capture bytes.Buffer
	meta := CollectMetadata(nil)
	r, err := Trace(TracePlan{Exe: testExe(t), Server: ServeOptions{Unbuffered: true}, RTT: rtt, N: 2, Port: 8888}, &meta, &capture)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindTrace || r.WritesKeep != 13 || r.WritesClose != 14 || len(r.Series) != 2 {
		t.Errorf("kind %q, writes %d and %d, %d series", r.Kind, r.WritesKeep, r.WritesClose, len(r.Series))
	}
	if len(r.Exchanges) != 4 {
		t.Fatalf("exchanges %+v, want 2 on connection 1 and one on each of 2 and 3", r.Exchanges)
	}
	for i, e := range r.Exchanges {
		want := 129 // chapter 4's response; with Connection: close, 19 bytes more
		if e.Connection > 1 {
			want += len("Connection: close\r\n")
		}
		if e.Bytes != want || e.Segments < 1 || e.Segments > 14 {
			t.Errorf("exchange %d: %+v, want %d bytes in 1 to 14 segments", i, e, want)
		}
		t.Logf("connection %d request %d: %d segments, %.1f ms", e.Connection, e.Request, e.Segments, e.TimeMS)
		if e.Request == 1 && e.Segments > DefaultInitCwnd && e.SpreadMS < ms(rtt) {
			t.Errorf("exchange %d: %d segments on a new connection within %.1f ms, less than an RTT", i, e.Segments, e.SpreadMS)
		}
	}
	_, packets, err := pcap.Read(&capture)
	if err != nil || len(packets) < 30 {
		t.Errorf("the capture holds %d packets, %v", len(packets), err)
	}
}

// After an idle gap longer than the retransmission timeout, reno with
// tcp_slow_start_after_idle=1 shrinks its window (halving it for each RTO
// of idleness, down to the initial window): a 64 KiB response (45
// segments) takes at least one more RTT than the kept-alive 1 RTT; with 0
// it keeps its window and takes less. Timing
// on a busy machine only adds, so the test retries before it fails.
func TestMeasureIdle(t *testing.T) {
	if !inNamespaces(t) {
		return
	}
	newTestLink(t, Config{}) // skips if no link can be made
	const rtt = 20 * time.Millisecond
	plan := IdlePlan{
		Exe:       testExe(t),
		Responses: []IdleResponse{{Name: "64k", Server: ServeOptions{Size: 65536}}},
		CCs:       []string{"reno"}, SSAI: []string{"1", "0"},
		RTT: rtt, Gap: 600 * time.Millisecond, N: 2, Port: 8888,
	}
	var problem string
	for attempt := 1; attempt <= 3; attempt++ {
		meta := CollectMetadata(nil)
		r, err := MeasureIdle(plan, &meta)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Runs) != 2 || r.Runs[0].SlowStartAfterIdle != "1" || r.Runs[0].ServerNet.CongestionControl != "reno" ||
			r.Runs[1].ServerNet.SlowStartAfterIdle != "0" || len(r.Runs[0].AfterIdle) != 2 || len(r.Runs[0].BackToBack) != 2 {
			t.Fatalf("runs %+v", r.Runs)
		}
		restart, kept := r.Runs[0], r.Runs[1]
		t.Logf("attempt %d: after idle %.2f RTT with restart, %.2f RTT without", attempt, restart.AfterIdleRTTs, kept.AfterIdleRTTs)
		for _, v := range restart.AfterIdle {
			if v < 2*ms(rtt) {
				t.Errorf("after idle with tcp_slow_start_after_idle=1: %.1f ms, less than 2 RTT", v)
			}
		}
		problem = ""
		if kept.AfterIdleRTTs >= restart.AfterIdleRTTs-0.5 {
			problem = fmt.Sprintf("without the restart %.2f RTT, with it %.2f RTT", kept.AfterIdleRTTs, restart.AfterIdleRTTs)
		}
		if problem == "" {
			return
		}
	}
	t.Error(problem)
}

// StartPinned starts a program on the CPUs given, and PinProcess's
// helper Affinity reads them back.
func TestStartPinned(t *testing.T) {
	cpus, err := Affinity(0)
	if err != nil {
		t.Fatal(err)
	}
	want := cpus[len(cpus)-1:]
	cmd := exec.Command("sleep", "30")
	if err := StartPinned(cmd, want); err != nil {
		t.Skipf("NOTICE: cannot start sleep: %v", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	got, err := Affinity(cmd.Process.Pid)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("the program runs on CPUs %v (%v), want %v", got, err, want)
	}
	if mine, _ := Affinity(0); !slices.Equal(mine, cpus) {
		t.Errorf("starting it changed this thread's CPUs from %v to %v", cpus, mine)
	}
}
