// Tests of chapter 9's TLS kept for this chapter's server (not part of
// the book's text): the real program over TLS, as chapter 9's is tested
// (servertest.TLSProgram), and Ctrl-C during a handshake.
package main

import (
	"crypto/tls"
	"io"
	"maps"
	"net"
	"slices"
	"testing"
	"time"

	"tcpbook/internal/booktest"
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
// for its deadline.
func TestShutdownDuringHandshake(t *testing.T) {
	booktest.Quiet(t)
	cert, _, err := loadCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tln := tls.NewListener(ln, tlsConfig(cert))
	s := &server{conns: map[net.Conn]bool{}}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		s.serve(tln, maxConns, stop)
		close(done)
	}()
	silent := servertest.Dial(t, ln.Addr().String())
	// Wait until the server waits for the handshake: one connection,
	// marked idle.
	for deadline := time.Now().Add(5 * time.Second); ; {
		s.mu.Lock()
		idle := len(s.conns) == 1 && !slices.Contains(slices.Collect(maps.Values(s.conns)), false)
		s.mu.Unlock()
		if idle {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not start a handshake within 5s")
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	close(stop)
	tln.Close()
	<-done
	if err := s.shutdown(shutdownTimeout); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("shutdown with a client in its handshake took %v, want it closed at once", took)
	}
	if b, err := io.ReadAll(silent); err != nil || len(b) != 0 {
		t.Errorf("the silent client read %q, %v; want the connection closed", b, err)
	}
}
