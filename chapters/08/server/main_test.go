// Chapter 4's tests, kept for this chapter's server (not part of the
// book's text): every guard of chapter 4 still holds with /slow added;
// protocol edge cases and bad input against the real program, and a fuzz
// test of the request loop. The tests are internal/servertest's; this
// file says what this chapter's server is.
package main

import (
	"net"
	"net/http"
	"testing"

	"tcpbook/internal/servertest"
)

// chapter is this chapter's server as the shared tests see it.
var chapter = servertest.Server{
	Dir:             "chapters/08/server",
	Addr:            addr,
	Document:        func() string { return "Hello World\n" },
	UnknownCoding:   http.StatusBadRequest, // http.ReadRequest refuses it
	IdleTimeout:     idleTimeout,
	ShutdownTimeout: shutdownTimeout,
	MaxBodyBytes:    maxBodyBytes,
}

// The shared helpers, under the names this chapter's other tests use.
var (
	dial   = chapter.Dial
	write  = servertest.Write
	read   = servertest.Read
	closed = servertest.Closed
	get    = servertest.Get
	post   = servertest.Post
)

// handleConn runs the request loop on c, as serve would for a connection
// it accepted, with a server of its own.
func handleConn(c net.Conn) {
	s := &server{conns: map[net.Conn]bool{}}
	s.add(c)
	handle(c, s)
}

func TestProtocol(t *testing.T)      { servertest.Protocol(t, chapter) }
func TestSilentAndHuge(t *testing.T) { servertest.SilentAndHuge(t, chapter) }
func TestShutdown(t *testing.T)      { servertest.Shutdown(t, chapter) }
func TestSanitize(t *testing.T)      { servertest.Sanitize(t, sanitize) }
func TestRFC(t *testing.T)           { servertest.RFC(t, handleConn, chapter) }
func FuzzHandle(f *testing.F)        { servertest.FuzzHandle(f, handleConn) }
func FuzzOracle(f *testing.F)        { servertest.FuzzOracle(f, handleConn, chapter) }

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
