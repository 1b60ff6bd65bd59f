// Chapter 4's tests, kept for this chapter's server (not part of the
// book's text): the request loop is chapter 4's, run in memory on plain
// connections (handshake lets a connection that is not TLS through, as a
// test's is), against the RFC tables and net/http.Server, and fuzzed.
// A plaintext connection's first request line goes through isHTTP2
// first, as on plainAddr. The tests that run the real program from this
// directory (servertest.Protocol, SilentAndHuge, Shutdown) are not used:
// the program would make its certificates here. tls_test.go and
// program_test.go run it in an empty directory instead.
package main

import (
	"net"
	"net/http"
	"testing"

	"tcpbook/internal/servertest"
)

// chapter is this chapter's server as the shared tests see it.
var chapter = servertest.Server{
	Dir:             "chapters/10/server",
	Addr:            addr,
	Document:        func() string { return "Hello World\n" },
	UnknownCoding:   http.StatusBadRequest, // http.ReadRequest refuses it
	IdleTimeout:     idleTimeout,
	ShutdownTimeout: shutdownTimeout,
	MaxBodyBytes:    maxBodyBytes,
}

// handleConn runs the request loop on c, as serve would for a connection
// it accepted, with a server of its own.
func handleConn(c net.Conn) {
	s := &server{conns: map[net.Conn]bool{}}
	s.add(c)
	handle(c, s)
}

func TestSanitize(t *testing.T) { servertest.Sanitize(t, sanitize) }
func TestRFC(t *testing.T)      { servertest.RFC(t, handleConn, chapter) }
func FuzzHandle(f *testing.F)   { servertest.FuzzHandle(f, handleConn) }
func FuzzOracle(f *testing.F)   { servertest.FuzzOracle(f, handleConn, chapter) }

func TestConnLimit(t *testing.T) {
	servertest.ConnLimit(t, func(ln net.Listener, limit int, stop <-chan struct{}) {
		s := &server{conns: map[net.Conn]bool{}}
		s.serve(ln, limit, stop)
		// The handlers log until they end: wait for them, as main does,
		// before the test gives os.Stdout back.
		if err := s.shutdown(shutdownTimeout); err != nil {
			t.Error(err)
		}
	})
}
