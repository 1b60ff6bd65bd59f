// Tests of chapter 9's TLS kept for this chapter's server (not part of
// the book's text): the real program over TLS, as chapter 9's is tested
// (servertest.TLSProgram), and Ctrl-C during a handshake.
package main

import (
	"net"
	"testing"

	"tcpbook/internal/servertest"
)

// cert.go is chapter 9's, inherited whole (base= in the chapter), so
// chapter 9's TestLoadCert covers the certificates this program makes;
// TestProgram below checks that the program makes them from nothing.

// TestProgram runs the real program in an empty directory, as on a fresh
// clone, and talks to it with good and bad clients (servertest.TLSProgram).
func TestProgram(t *testing.T) {
	servertest.TLSProgram(t, servertest.TLSServer{
		Dir: chapter.Dir, Addr: addr, CertDir: certDir, CAFile: caFile(certDir),
		HandshakeTimeout: handshakeTimeout, ALPN: "h2",
	})
}

// TestShutdownDuringHandshake: a client that never finishes its
// handshake is idle, like one between requests, so Ctrl-C does not wait
// for its deadline (servertest.ShutdownDuringHandshake).
func TestShutdownDuringHandshake(t *testing.T) {
	s := &server{conns: map[net.Conn]bool{}}
	servertest.ShutdownDuringHandshake(t, servertest.TLSInternals{
		LoadCert: loadCert, TLSConfig: tlsConfig,
		Serve: func(ln net.Listener, stop <-chan struct{}) { s.serve(ln, maxConns, stop) },
		Conns: s.conns, Mu: &s.mu,
		Shutdown: func() error { return s.shutdown(shutdownTimeout) },
	})
}
