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

const benchRequest = "GET / HTTP/1.1\r\nHost: localhost:8888\r\nUser-Agent: bench\r\n\r\n"

// benchCheck runs handle on n requests and checks that it answers each
// with 200 and Hello World on the one connection.
func benchCheck(b *testing.B, n int) {
	c := &booktest.Conn{In: &benchRequests{req: benchRequest, n: n}}
	handleConn(c)
	r := bufio.NewReader(&c.Out)
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
	booktest.Quiet(b)
	benchCheck(b, 3)
	b.ReportAllocs()
	c := &booktest.Conn{In: &benchRequests{req: benchRequest, n: b.N}, Discard: true}
	b.ResetTimer()
	handleConn(c)
	b.ReportMetric(float64(c.Writes)/float64(b.N), "writes/op")
}

// BenchmarkHandleOneRequest measures a connection that brings one request
// and then closes, as a client that does not reuse connections would.
func BenchmarkHandleOneRequest(b *testing.B) {
	booktest.Quiet(b)
	benchCheck(b, 1)
	b.ReportAllocs()
	writes := 0
	for b.Loop() {
		c := &booktest.Conn{In: &benchRequests{req: benchRequest, n: 1}, Discard: true}
		handleConn(c)
		writes += c.Writes
	}
	b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
}

// BenchmarkSanitize measures sanitize on 1 MiB of bytes that are not
// UTF-8 (0xff), each of which it escapes: the worst a body can be.
func BenchmarkSanitize(b *testing.B) {
	in := strings.Repeat("\xff", 1<<20)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if out := sanitize(in); len(out) != 4*len(in) {
			b.Fatalf("sanitize wrote %d bytes for %d, want 4 each", len(out), len(in))
		}
	}
}
