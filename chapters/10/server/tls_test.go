// Tests of chapter 9's TLS kept for this chapter's server (not part of
// the book's text): the real program over TLS, with net/http's client as the oracle for the good case and a bad
// client of each kind after which it must still answer.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
	"tcpbook/internal/servertest"
)

// cert.go is chapter 9's, inherited whole (base= in the chapter), so
// chapter 9's TestLoadCert covers the certificates this program makes;
// TestProgram below checks that the program makes them from nothing.

func caPool(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	data, err := os.ReadFile(caFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatalf("%s has no certificate", caFile(dir))
	}
	return pool
}

// TestProgram runs the real program in an empty directory, as on a fresh
// clone, and talks to it as a reader's clients would: net/http's client
// (the oracle) with the CA, then each bad client, each followed by a good
// request. A client that sends nothing is cut off by the handshake
// deadline meanwhile.
func TestProgram(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, chapter.Dir)
	t.Chdir(t.TempDir())
	srv := booktest.Start(t, bin, addr)
	booktest.WaitOutput(t, srv, "で TLS の接続を待ち受けています")
	for _, want := range []string{
		certDir + " に CA とサーバーの証明書を作りました",
		"CA の証明書: " + caFile(certDir) + "（curl --cacert " + caFile(certDir) + " で使います）",
	} {
		if !strings.Contains(srv.Output(), want) {
			t.Errorf("the server did not print %q:\n%s", want, srv.Output())
		}
	}
	pool := caPool(t, certDir)

	// Silent from the start; checked at the end.
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	silentSince := time.Now()

	client := &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}}},
		Timeout:   10 * time.Second,
	}
	defer client.CloseIdleConnections()
	good := func(when string) {
		t.Helper()
		resp, err := client.Get("https://" + addr + "/")
		if err != nil {
			t.Fatalf("%s: net/http's client: %v\n%s", when, err, srv.Output())
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		switch {
		case err != nil:
			t.Fatalf("%s: reading the body: %v", when, err)
		case resp.StatusCode != 200 || string(body) != "Hello World\n" || resp.ProtoMajor != 1 || resp.ProtoMinor != 1:
			t.Errorf("%s: %s %s %q, want HTTP/1.1 200 Hello World", when, resp.Proto, resp.Status, body)
		case resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 || resp.TLS.NegotiatedProtocol != "http/1.1":
			t.Errorf("%s: TLS %+v, want TLS 1.3 with ALPN http/1.1", when, resp.TLS)
		}
		if err := srv.Alive(); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
	}
	good("first")

	t.Run("ALPN", func(t *testing.T) {
		// A client that would rather speak HTTP/2 gets it; one that offers
		// HTTP/1.1 only gets HTTP/1.1 (the good requests above).
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, NextProtos: []string{"h2", "http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
			t.Errorf("ALPN chose %q, want h2", p)
		}
		tls12, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatalf("a TLS 1.2 client: %v", err)
		}
		defer tls12.Close()
		if v := tls12.ConnectionState().Version; v != tls.VersionTLS12 {
			t.Errorf("a client limited to TLS 1.2 got %s", tls.VersionName(v))
		}
	})
	good("after ALPN")

	t.Run("plaintext", func(t *testing.T) {
		conn := servertest.Dial(t, addr)
		servertest.Write(t, conn, servertest.Get("/"))
		resp, body := servertest.Read(t, bufio.NewReader(conn))
		if resp.StatusCode != 400 || body != "Client sent an HTTP request to an HTTPS server.\n" || !resp.Close {
			t.Errorf("plaintext GET: %s %q close=%v, want 400 with the explanation and Connection: close", resp.Status, body, resp.Close)
		}
		booktest.WaitOutput(t, srv, "TLS のポートに平文の HTTP のリクエストが届いたので、400 で答えました")
	})
	good("after a plaintext request")

	t.Run("garbage", func(t *testing.T) {
		// Bytes that are neither TLS nor HTTP: closed without an answer.
		conn := servertest.Dial(t, addr)
		servertest.Write(t, conn, "\x00\x01\x02\x03\x04\x05\x06\x07\r\n\r\n")
		if b, err := io.ReadAll(conn); err != nil || len(b) != 0 {
			t.Errorf("after garbage: read %q, %v; want the connection closed", b, err)
		}
	})
	good("after garbage")

	t.Run("TLS 1.1", func(t *testing.T) {
		// Debian's openssl refuses TLS 1.1 itself; Go's client sends it.
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
		if err == nil {
			conn.Close()
			t.Fatal("a client limited to TLS 1.1 connected")
		}
		// The server's alert protocol_version (RFC 8446 §6.2), as
		// crypto/tls reports an alert it received.
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "remote error" || op.Err.Error() != "tls: protocol version not supported" {
			t.Errorf("a TLS 1.1 client: %v; want the alert protocol_version from the server", err)
		}
		booktest.WaitOutput(t, srv, "client offered only unsupported versions")
	})
	good("after a TLS 1.1 client")

	t.Run("untrusted", func(t *testing.T) {
		// A client with only the system's roots does not trust the book's CA.
		_, err := tls.Dial("tcp", addr, &tls.Config{})
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("a client that does not trust the CA: %v; want x509.UnknownAuthorityError", err)
		}
	})
	good("after an untrusted client")

	// The silent client: cut off by the handshake deadline, and not much
	// later. The server wrote nothing to it.
	silent.SetReadDeadline(time.Now().Add(handshakeTimeout + 5*time.Second))
	b, err := io.ReadAll(silent)
	waited := time.Since(silentSince)
	if err != nil || len(b) != 0 || waited < handshakeTimeout-100*time.Millisecond || waited > handshakeTimeout+3*time.Second {
		t.Errorf("a silent client: read %q, %v after %v; want closed after %v", b, err, waited, handshakeTimeout)
	}
	booktest.WaitOutput(t, srv, "10s たってもハンドシェイクが終わらないので閉じます")
	good("after a silent client")
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
