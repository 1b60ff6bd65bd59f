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
	"testing"
	"time"
)

// benchConn is a net.Conn over an input that counts what is written to
// it, and keeps it only when out is set. Each Write is one system call on
// a real connection, and with TCP_NODELAY (Go's default) one TCP segment,
// so the benchmarks report writes/op.
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

// benchRequests reads as n copies of req, one request per Read, as
// requests arriving one at a time on a kept-alive connection, then io.EOF.
type benchRequests struct {
	req string
	n   int
	off int
}

func (r *benchRequests) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.req[r.off:])
	r.off += k
	if r.off == len(r.req) {
		r.off, r.n = 0, r.n-1
	}
	return k, nil
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

// benchCheck runs handle on n requests and checks that it answers each
// with 200 and Hello World on the one connection.
func benchCheck(b *testing.B, n int) {
	out := &bytes.Buffer{}
	handle(&benchConn{in: &benchRequests{req: benchRequest, n: n}, out: out})
	r := bufio.NewReader(out)
	for i := range n {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			b.Fatalf("response %d does not parse: %v", i, err)
		}
		if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(body) != "Hello World\n" || resp.Close {
			b.Fatalf("response %d: %s %q (close %v), want 200 OK, Hello World, kept alive", i, resp.Status, body, resp.Close)
		}
	}
	if rest, _ := io.ReadAll(r); len(rest) > 0 {
		b.Fatalf("%d bytes after %d responses: %q", len(rest), n, rest)
	}
}

// BenchmarkHandleKeepAlive measures one request on a kept-alive
// connection: all b.N requests arrive on one connection.
func BenchmarkHandleKeepAlive(b *testing.B) {
	benchStdout(b)
	benchCheck(b, 3)
	b.ReportAllocs()
	c := &benchConn{in: &benchRequests{req: benchRequest, n: b.N}}
	b.ResetTimer()
	handle(c)
	b.ReportMetric(float64(c.writes)/float64(b.N), "writes/op")
}

// BenchmarkHandleOneRequest measures a connection that brings one request
// and then closes, as a client that does not reuse connections would.
func BenchmarkHandleOneRequest(b *testing.B) {
	benchStdout(b)
	benchCheck(b, 1)
	b.ReportAllocs()
	writes := 0
	for b.Loop() {
		c := &benchConn{in: &benchRequests{req: benchRequest, n: 1}}
		handle(c)
		writes += c.writes
	}
	b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
}
