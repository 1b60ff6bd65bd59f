// Tests for the chapter's keep-alive server (not part of the book's text):
// protocol edge cases and bad input against the real program, silent
// clients and huge headers, the graceful shutdown, and a fuzz test of the
// request loop. They are internal/servertest's, which chapters 6, 7 and 8
// run on their servers too; this file says what this chapter's server is.
package main

import (
	"net"
	"net/http"
	"testing"

	"tcpbook/internal/servertest"
)

// chapter is this chapter's server as the shared tests see it.
var chapter = servertest.Server{
	Dir:             "chapters/04/server",
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
