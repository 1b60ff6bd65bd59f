// Chapter 4's tests, kept for this chapter's server (not part of the
// book's text): every guard of chapter 4 still holds with the request
// reading rewritten and streaming added. GET streams the produced lines
// now; POST still answers Hello. The tests are internal/servertest's;
// this file says what this chapter's server is.
package main

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"tcpbook/internal/servertest"
)

// chapter is this chapter's server as the shared tests see it.
var chapter = servertest.Server{
	Dir:      "chapters/07/server",
	Addr:     addr,
	Document: lines,
	// GET / streams: to an HTTP/1.0 client, until the close.
	Streams: true,
	// This server reads transfer codings itself, and answers an unknown
	// one with 501, as RFC 9112 §6.1 recommends (chapter 6's answers
	// 400, as http.ReadRequest refuses it).
	UnknownCoding:   http.StatusNotImplemented,
	IdleTimeout:     idleTimeout,
	ShutdownTimeout: shutdownTimeout,
	MaxBodyBytes:    maxBodyBytes,
}

// The shared helpers, under the names this chapter's other tests use.
var (
	dial   = chapter.Dial
	served = chapter.Served
	write  = servertest.Write
	read   = servertest.Read
	closed = servertest.Closed
	get    = servertest.Get
	post   = servertest.Post
)

// lines is the body GET / streams: every line produce makes.
var lines = sync.OnceValue(func() string {
	var b strings.Builder
	produce(func(line string) error {
		b.WriteString(line)
		return nil
	})
	return b.String()
})

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
