// Package servertest holds the tests that the book's keep-alive HTTP/1.1
// servers share (not part of the book's text). Chapter 4's server is
// grown in chapters 6 (compression), 7 (its own request reading, and
// streaming) and 8 (/slow), and every guard of chapter 4 must still hold
// in each: the protocol's edge cases and bad input against the real
// program, silent clients and huge headers, the graceful shutdown, the
// escaping of logged bytes, and a fuzz test of the request loop. Each
// chapter's test file calls these with its own Server, which says how
// that chapter's server differs. The listen tests serve chapters 2 and 5
// as well.
//
// RFC and FuzzOracle hold the servers to RFC 9112 with net/http.Server
// as a second opinion, both in memory (StdServer runs net/http with a
// handler that answers as chapter 4's server does). RFC runs tables of
// raw requests, one per section the servers implement, and checks the
// outcome of each (answered, refused with a status, closed) for the
// chapter's request loop and for net/http. FuzzOracle compares the two on
// arbitrary input by outcome class; a difference must be one the rules
// name (rules.go): the book stricter on purpose, or net/http where the
// RFC lets a server choose.
//
// A function that runs the real program calls t.Parallel and
// booktest.Isolate itself: call it as the whole body of a top-level test.
package servertest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// A Server is one chapter's keep-alive server, as the shared tests see it.
type Server struct {
	// Dir is the program's directory from the book's root, as
	// booktest.Build takes it: "chapters/04/server".
	Dir string
	// Addr is where the program listens: the chapter's addr.
	Addr string
	// Document returns the body that GET / answers, whole. (A function:
	// chapter 7's takes a second to produce.)
	Document func() string
	// Streams says that GET / sends its body as it makes it: to an
	// HTTP/1.0 client, until the connection closes (chapter 7). Such a
	// client's keep-alive is then tried with POST.
	Streams bool
	// UnknownCoding is the status for a request whose Transfer-Encoding
	// has a coding the server does not know before chunked: 400 where
	// http.ReadRequest refuses it, 501 in chapter 7, which reads transfer
	// codings itself (RFC 9112 §6.1).
	UnknownCoding int
	// The chapter's limits: idleTimeout, shutdownTimeout, maxBodyBytes.
	IdleTimeout     time.Duration
	ShutdownTimeout time.Duration
	MaxBodyBytes    int
}

// Dial connects to addr, for the rest of the test (20 seconds at most).
func Dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return conn
}

// Write sends s on conn.
func Write(t testing.TB, conn net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(conn, s); err != nil {
		t.Fatal(err)
	}
}

// Read reads one response and its body.
func Read(t testing.TB, r *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a response body: %v", err)
	}
	return resp, string(body)
}

// Closed checks that the server closes the connection: EOF, no more bytes.
func Closed(t testing.TB, r *bufio.Reader) {
	t.Helper()
	if b, err := io.ReadAll(r); err != nil || len(b) > 0 {
		t.Fatalf("want the server to close the connection, got %q, %v", b, err)
	}
}

// Get is a GET request for path with headers (each ending in CRLF).
func Get(path string, headers ...string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + strings.Join(headers, "") + "\r\n"
}

// Post is a POST request for / with body and headers (each ending in CRLF).
func Post(body string, headers ...string) string {
	return fmt.Sprintf("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n%s\r\n%s", len(body), strings.Join(headers, ""), body)
}

// Dial connects to the server.
func (s Server) Dial(t testing.TB) net.Conn {
	t.Helper()
	return Dial(t, s.Addr)
}

// Served checks that the server still runs and answers a new client
// GET / with the document, and closes when asked to.
func (s Server) Served(t testing.TB, srv *booktest.Server) {
	t.Helper()
	if err := srv.Alive(); err != nil {
		t.Fatal(err)
	}
	conn := s.Dial(t)
	Write(t, conn, Get("/", "Connection: close\r\n"))
	r := bufio.NewReader(conn)
	if resp, body := Read(t, r); resp.StatusCode != 200 || body != s.Document() {
		t.Fatalf("a good client got %s %.40q", resp.Status, body)
	}
	Closed(t, r)
}

// start builds and starts the chapter's program, in a network namespace
// of the test's own; nil in the parent process, where the test is over.
func (s Server) start(t *testing.T) *booktest.Server {
	t.Helper()
	t.Parallel()
	if !booktest.Isolate(t) {
		return nil
	}
	return booktest.Start(t, booktest.Build(t, s.Dir), s.Addr)
}
