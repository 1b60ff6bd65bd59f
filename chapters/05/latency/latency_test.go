// Tests for the chapter's latency program (not part of the book's text):
// the keep-alive ratio over a real delayed link, and that the chapter
// shows the results it has saved. link_test.go tests the link itself.
package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// TestKeepAliveRatio re-runs a short measurement at 50 ms RTT and checks
// that the times fall where the chapter's accounting puts them. Where the
// delayed link cannot be built (no root, no user namespace, no TUN device)
// it skips, saying why.
//
// A busy machine only ever adds time (the link's goroutines or the servers
// wait for a CPU), so the test compares the fastest request of each kind,
// and measures again, up to three times, before it fails.
func TestKeepAliveRatio(t *testing.T) {
	// An unprivileged user becomes root in a user namespace of the test's own.
	if os.Geteuid() != 0 && !booktest.Isolate(t) {
		return
	}
	const rtt = 50 * time.Millisecond
	l, err := newLink(rtt)
	if err != nil {
		t.Skipf("NOTICE: the delayed link cannot be built here, so the keep-alive ratio is not measured: %v", err)
	}
	l.close()
	exes := programs{
		ch02: booktest.Build(t, "chapters/02"),
		ch04: booktest.Build(t, "chapters/04/server"),
		http: booktest.Build(t, "chapters/05/httpserver"),
	}
	var problems []string
	for attempt := 1; attempt <= 3; attempt++ {
		load, _ := os.ReadFile("/proc/loadavg")
		problems = ratioProblems(t, rtt, exes)
		if len(problems) == 0 {
			return
		}
		t.Logf("attempt %d (load average %s): %s", attempt, strings.Fields(string(load) + " ?")[0], strings.Join(problems, "; "))
	}
	t.Errorf("three measurements at %v RTT out of the chapter's bands:\n%s", rtt, strings.Join(problems, "\n"))
}

// ratioProblems measures once and says what falls outside the chapter's
// accounting.
func ratioProblems(t *testing.T, rtt time.Duration, exes programs) []string {
	runs, err := measure(rtt, 7, exes)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	fastest := map[string]time.Duration{}
	for _, r := range runs {
		for i, s := range r.Samples {
			// The delay applies to every packet: no handshake is faster than the RTT.
			if s.Dial != 0 && s.Dial < rtt {
				t.Errorf("%s: Dial took %v, less than the RTT %v", r.Server, s.Dial, rtt)
			}
			if i == 0 || s.Total < fastest[r.Server] {
				fastest[r.Server] = s.Total
			}
		}
		t.Logf("%s: fastest request %v (%.2f RTT)", r.Server, fastest[r.Server], float64(fastest[r.Server])/float64(rtt))
	}
	for _, keep := range []string{"ch04", "http-keep"} {
		if m := fastest[keep]; m < rtt || m > rtt*3/2 {
			problems = append(problems, fmt.Sprintf("%s: %v per request on a kept-alive connection, want about 1 RTT (%v)", keep, m, rtt))
		}
	}
	// On a kept-alive connection a request is a request and a response:
	// 2 packets. The count also holds the handshake, the close (FIN and
	// ACK each way: measure reads the count once the link has gone
	// quiet) and now and then an ACK, about 8 packets shared among the
	// 7 requests: about 3 per request, not the 13 or more of a response
	// written in pieces.
	for _, r := range runs {
		if r.Server != "ch04" && r.Server != "http-keep" {
			continue
		}
		per := float64(r.Packets) / float64(len(r.Samples))
		t.Logf("%s: %.1f packets per request", r.Server, per)
		if per > 6 {
			problems = append(problems, fmt.Sprintf("%s: %.1f packets per request on a kept-alive connection, want 6 or fewer: is the response sent in pieces?", r.Server, per))
		}
	}
	for _, c := range []struct {
		new, keep  string
		low, high  float64
		accounting string
	}{
		// Chapter 4: handshake, then request and response: 2 RTT against 1.
		{"http-new", "http-keep", 1.6, 2.4, "2 RTT against 1 (chapter 4)"},
		// The book's servers too, as they send a response in one segment.
		// Written straight to the conn, it was 13 segments, more than a
		// new connection's initial window of 10, and cost 3 RTT against 1
		// (chapter 5); this band fails if that comes back.
		{"ch02", "ch04", 1.6, 2.4, "2 RTT against 1 (chapter 4; one segment per response, chapter 5)"},
	} {
		r := float64(fastest[c.new]) / float64(fastest[c.keep])
		t.Logf("%s / %s = %.2f, want %.1f–%.1f: %s", c.new, c.keep, r, c.low, c.high, c.accounting)
		if r < c.low || r > c.high {
			problems = append(problems, fmt.Sprintf("%s / %s = %.2f, want between %.1f and %.1f: %s", c.new, c.keep, r, c.low, c.high, c.accounting))
		}
	}
	return problems
}

// TestChapterShowsResults checks that the chapter's tables are the ones
// the saved results print, so that the text, the tables, the chart and
// results/latency.json agree.
func TestChapterShowsResults(t *testing.T) {
	runs, err := load("../results/latency.json")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	printTable(&b, runs)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	table, _, _ := strings.Cut(b.String(), "\n\n")
	if !strings.Contains(string(readme), table+"\n") {
		t.Errorf("chapters/05/README.md does not show the table of results/latency.json; the table is:\n%s", table)
	}
	if !strings.Contains(string(readme), b.String()) {
		t.Errorf("chapters/05/README.md does not show the output of latency -from results/latency.json:\n%s", b.String())
	}
}
