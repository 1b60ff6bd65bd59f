// Benchmarks of the chapter's request path (not part of the book's text):
// handle over an in-memory connection, so that a change that makes it
// slower shows up in benchstat. Chapter 5 explains what they measure and
// how to compare two runs.
package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// benchConn is a net.Conn over a fixed input that counts what is written
// to it, and keeps it only when out is set. Each Write is one system call
// on a real connection, and with TCP_NODELAY (Go's default) one TCP
// segment, so the benchmarks report writes/op.
type benchConn struct {
	in     io.Reader
	out    *bytes.Buffer
	writes int
}

func (c *benchConn) Read(p []byte) (int, error) { return c.in.Read(p) }
func (c *benchConn) Close() error               { return nil }
func (c *benchConn) CloseWrite() error          { return nil }
func (c *benchConn) LocalAddr() net.Addr        { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8888} }
func (c *benchConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}
func (c *benchConn) SetDeadline(t time.Time) error      { return nil }
func (c *benchConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *benchConn) SetWriteDeadline(t time.Time) error { return nil }

func (c *benchConn) Write(p []byte) (int, error) {
	c.writes++
	if c.out != nil {
		c.out.Write(p)
	}
	return len(p), nil
}

// benchStdout sends the server's log to /dev/null, as a server run for
// speed would, for the rest of the benchmark.
func benchStdout(b *testing.B) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = null
	b.Cleanup(func() { os.Stdout = stdout; null.Close() })
}

const benchRequest = "GET / HTTP/1.1\r\nHost: localhost:8888\r\nUser-Agent: bench\r\n\r\n"

// BenchmarkHandle measures one connection with one request: read it, log
// it, answer it, and close.
func BenchmarkHandle(b *testing.B) {
	benchStdout(b)
	// First check that the path measured is the one that succeeds.
	out := &bytes.Buffer{}
	handle(&benchConn{in: strings.NewReader(benchRequest), out: out})
	resp, err := http.ReadResponse(bufio.NewReader(out), nil)
	if err != nil {
		b.Fatalf("the response does not parse: %v\n%q", err, out)
	}
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(body) != "Hello World\n" {
		b.Fatalf("got %s %q, want 200 OK and Hello World", resp.Status, body)
	}
	b.ReportAllocs()
	writes := 0
	for b.Loop() {
		c := &benchConn{in: strings.NewReader(benchRequest)}
		handle(c)
		writes += c.writes
	}
	b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
}
