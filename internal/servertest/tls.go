package servertest

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
	"sync"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// CAPool is a pool holding the CA certificate in file, for a client
// that trusts the book's CA as curl --cacert does.
func CAPool(t testing.TB, file string) *x509.CertPool {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatalf("%s has no certificate", file)
	}
	return pool
}

// A TLSServer is a chapter's TLS server program (chapter 9's and those
// that grow from it), as TLSProgram tests it.
type TLSServer struct {
	Dir              string        // the program's package directory
	Addr             string        // where it listens for TLS
	CertDir          string        // where it makes its certificates on first start
	CAFile           string        // the CA's certificate, in CertDir
	HandshakeTimeout time.Duration // how long it waits for a handshake
	// ALPN is the protocol the server picks for a client that offers h2
	// and http/1.1 (RFC 7301).
	ALPN string
}

// TLSProgram runs the real program in an empty directory, as on a fresh
// clone, and talks to it as a reader's clients would: net/http's client
// (the oracle) with the CA, then each bad client, each followed by a good
// request. A client that sends nothing is cut off by the handshake
// deadline meanwhile.
func TLSProgram(t *testing.T, s TLSServer) {
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, s.Dir)
	t.Chdir(t.TempDir())
	addr, handshakeTimeout := s.Addr, s.HandshakeTimeout
	srv := booktest.Start(t, bin, addr)
	booktest.WaitOutput(t, srv, "で TLS の接続を待ち受けています")
	for _, want := range []string{
		s.CertDir + " に CA とサーバーの証明書を作りました",
		"CA の証明書: " + s.CAFile + "（curl --cacert " + s.CAFile + " で使います）",
	} {
		if !strings.Contains(srv.Output(), want) {
			t.Errorf("the server did not print %q:\n%s", want, srv.Output())
		}
	}
	pool := CAPool(t, s.CAFile)

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
		// A client that would rather speak HTTP/2 gets what the server
		// offers: h2 if it speaks HTTP/2, else HTTP/1.1. One that offers
		// HTTP/1.1 only gets HTTP/1.1 (the good requests).
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, NextProtos: []string{"h2", "http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if p := conn.ConnectionState().NegotiatedProtocol; p != s.ALPN {
			t.Errorf("ALPN chose %q, want %s", p, s.ALPN)
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
		conn := Dial(t, addr)
		Write(t, conn, Get("/"))
		resp, body := Read(t, bufio.NewReader(conn))
		if resp.StatusCode != 400 || body != "Client sent an HTTP request to an HTTPS server.\n" || !resp.Close {
			t.Errorf("plaintext GET: %s %q close=%v, want 400 with the explanation and Connection: close", resp.Status, body, resp.Close)
		}
		booktest.WaitOutput(t, srv, "TLS のポートに平文の HTTP のリクエストが届いたので、400 で答えました")
	})
	good("after a plaintext request")

	t.Run("garbage", func(t *testing.T) {
		// Bytes that are neither TLS nor HTTP: closed without an answer.
		conn := Dial(t, addr)
		Write(t, conn, "\x00\x01\x02\x03\x04\x05\x06\x07\r\n\r\n")
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

// A TLSInternals is a chapter's TLS server (chapter 9's and those that
// grow from it) from inside, for ShutdownDuringHandshake: the chapter's
// test passes its own functions and its server's fields.
type TLSInternals struct {
	// LoadCert makes the certificates in dir, or loads them.
	LoadCert func(dir string) (cert tls.Certificate, made bool, err error)
	// TLSConfig is the server's TLS configuration with cert.
	TLSConfig func(cert tls.Certificate) *tls.Config
	// Serve accepts connections on ln, and handles each, until stop or
	// ln is closed.
	Serve func(ln net.Listener, stop <-chan struct{})
	// Conns are the server's open connections, true while one is idle
	// (waiting for a request or a handshake); Mu guards it.
	Conns map[net.Conn]bool
	Mu    sync.Locker
	// Shutdown is what the program does after Serve returns on Ctrl-C:
	// it closes the idle connections and waits for the others.
	Shutdown func() error
}

// ShutdownDuringHandshake: a client that never finishes its handshake is
// idle, like one between requests, so Ctrl-C does not wait for its
// handshake deadline: shutdown returns within a second, and the client
// sees the connection closed.
func ShutdownDuringHandshake(t *testing.T, s TLSInternals) {
	booktest.Quiet(t)
	cert, _, err := s.LoadCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tln := tls.NewListener(ln, s.TLSConfig(cert))
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		s.Serve(tln, stop)
		close(done)
	}()
	silent := Dial(t, ln.Addr().String())
	// Wait until the server waits for the handshake: one connection,
	// marked idle.
	for deadline := time.Now().Add(5 * time.Second); ; {
		s.Mu.Lock()
		idle := len(s.Conns) == 1 && !slices.Contains(slices.Collect(maps.Values(s.Conns)), false)
		s.Mu.Unlock()
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
	if err := s.Shutdown(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("shutdown with a client in its handshake took %v, want it closed at once", took)
	}
	silent.SetReadDeadline(time.Now().Add(5 * time.Second)) // not the test's timeout if it stays open
	if b, err := io.ReadAll(silent); err != nil || len(b) != 0 {
		t.Errorf("the silent client read %q, %v; want the connection closed", b, err)
	}
}
