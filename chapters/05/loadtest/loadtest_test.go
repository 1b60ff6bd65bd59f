// Tests for the chapter's load generator (not part of the book's text).
package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

func TestPercentile(t *testing.T) {
	var times []time.Duration
	for i := 1; i <= 100; i++ {
		times = append(times, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {1, 1}, {0, 1}} {
		if got := percentile(times, c.p); got != c.want {
			t.Errorf("p%v of 1..100 = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one = %v, want 7", got)
	}
}

// TestLoadAndMemory runs a short load and an idle-memory measurement
// against the real servers, on localhost:8888 in a network namespace of
// the test's own where it can have one.
func TestLoadAndMemory(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	ch02 := booktest.Build(t, "chapters/02")
	http := booktest.Build(t, "chapters/05/httpserver")
	for _, tg := range []target{{"ch02", ch02, false}, {"http-keep", http, true}} {
		r, err := loadOne(tg, 4, 100*time.Millisecond, 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d requests in %v, p50 %v, p99 %v, %d errors", tg.Name, r.Requests, r.Duration, r.P50, r.P99, r.Errors)
		if r.Requests < 10 || r.Errors != 0 || r.P50 <= 0 || r.P50 > r.P99 {
			t.Errorf("%s: %+v, want some requests, no errors, 0 < p50 <= p99", tg.Name, r)
		}
		if listening(port) {
			t.Fatalf("%s still listens after loadOne", tg.Name)
		}
		m, err := idleMemory(tg, 300)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: RSS %d → %d bytes with 300 idle connections", tg.Name, m.Before, m.After)
		// 300 connections are at least 300 goroutines and read buffers.
		if m.Before <= 0 || m.After-m.Before < 300*4096 {
			t.Errorf("%s: RSS %d → %d with 300 idle connections, want it to grow by at least 1.2 MB", tg.Name, m.Before, m.After)
		}
	}
}

// TestChapterShowsResults checks that the chapter shows the tables that
// results/load.json prints.
func TestChapterShowsResults(t *testing.T) {
	rep, err := readReport("../results/load.json")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	printTables(&b, rep)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range strings.Split(b.String(), "\n\n") {
		if !strings.Contains(string(readme), strings.TrimSpace(part)+"\n") {
			t.Errorf("chapters/05/README.md does not show this part of results/load.json:\n%s", part)
		}
	}
}
