// Benchmarks of the chapter's request path (not part of the book's text):
// handle over an in-memory connection, so that a change that makes it
// slower shows up in benchstat. Chapter 5 explains what they measure and
// how to compare two runs. booktest.Conn counts the writes: each would
// be a system call and a TCP segment on a real connection.
package main

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"tcpbook/internal/booktest"
)

const benchRequest = "GET / HTTP/1.1\r\nHost: localhost:8888\r\nUser-Agent: bench\r\n\r\n"

// BenchmarkHandle measures one connection with one request: read it, log
// it, answer it, and close.
func BenchmarkHandle(b *testing.B) {
	booktest.Quiet(b)
	// First check that the path measured is the one that succeeds.
	first := &booktest.Conn{In: strings.NewReader(benchRequest)}
	handle(first)
	resp, err := http.ReadResponse(bufio.NewReader(&first.Out), nil)
	if err != nil {
		b.Fatalf("the response does not parse: %v\n%q", err, first.Out.String())
	}
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(body) != "Hello World\n" {
		b.Fatalf("got %s %q, want 200 OK and Hello World", resp.Status, body)
	}
	b.ReportAllocs()
	writes := 0
	for b.Loop() {
		c := &booktest.Conn{In: strings.NewReader(benchRequest), Discard: true}
		handle(c)
		writes += c.Writes
	}
	b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
}
