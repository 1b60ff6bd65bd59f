package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"tcpbook/internal/servertest"
)

func init() {
	// the tests' own sockets (and the muted ones in abuse_test.go) would
	// make quic-go log its buffer warning
	os.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true")
}

// testServer is the chapter's server on a free UDP port of 127.0.0.1,
// with certificates made in a temporary directory.
type testServer struct {
	*server
	addr  string // 127.0.0.1:PORT
	roots *x509.CertPool
}

// testCerts makes chapter 9's certificates in a temporary directory and
// returns the server's, and a pool that trusts their CA.
func testCerts(tb testing.TB) (tls.Certificate, *x509.CertPool) {
	tb.Helper()
	dir := tb.TempDir()
	cert, err := makeCerts(dir, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return cert, servertest.CAPool(tb, caFile(dir))
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	cert, roots := testCerts(t)
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := listen(udp, cert)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeListener(srv.ln) }()
	t.Cleanup(func() {
		srv.Close()
		srv.ln.Close()
		udp.Close()
		if err := <-served; err != nil && err != http.ErrServerClosed && err != quic.ErrServerClosed {
			t.Logf("ServeListener: %v", err)
		}
	})
	return &testServer{server: srv, addr: udp.LocalAddr().String(), roots: roots}
}

// client returns an HTTP/3 client that trusts the server's CA, and closes
// it when the test ends.
func (ts *testServer) client(t *testing.T) *http.Client {
	tr := &http3.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ts.roots, ServerName: "localhost"},
		QUICConfig:      &quic.Config{HandshakeIdleTimeout: 5 * time.Second},
	}
	t.Cleanup(func() { tr.Close() })
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func (ts *testServer) url(path string) string { return "https://" + ts.addr + path }

// get fetches path and returns the status and the body.
func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", u, err)
	}
	if resp.Proto != "HTTP/3.0" {
		t.Errorf("GET %s: %s, want HTTP/3.0", u, resp.Proto)
	}
	return resp.StatusCode, string(body)
}

// TestDocuments checks that the server answers chapter 10's documents.
func TestDocuments(t *testing.T) {
	ts := startServer(t)
	c := ts.client(t)
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/", 200, "Hello World\n"},
		{"/7", 200, "Hello World\n"},
		{"/nope", 404, "Not Found\n"},
		{"/1x", 404, "Not Found\n"},
	} {
		status, body := get(t, c, ts.url(tc.path))
		if status != tc.status || body != tc.body {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, status, body, tc.status, tc.body)
		}
	}
	resp, err := c.Post(ts.url("/"), "text/plain", strings.NewReader("QUIC"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "Hello QUIC\n" {
		t.Errorf("POST / = %d %q, want 200 \"Hello QUIC\\n\"", resp.StatusCode, body)
	}
	resp, err = c.Post(ts.url("/"), "text/plain", strings.NewReader(strings.Repeat("x", maxBodyBytes+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("POST of %d bytes = %d, want 413", maxBodyBytes+1, resp.StatusCode)
	}
}

// TestSlowDoesNotBlock checks that /slow on one stream does not hold up
// the other streams of the same connection: ten documents fetched while
// /slow waits all arrive before it.
func TestSlowDoesNotBlock(t *testing.T) {
	ts := startServer(t)
	c := ts.client(t)
	get(t, c, ts.url("/")) // one connection, made before the race starts
	start := time.Now()
	slow := make(chan time.Duration, 1)
	go func() {
		resp, err := c.Get(ts.url(slowPath))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		slow <- time.Since(start)
	}()
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if status, _ := get(t, c, ts.url("/"+string(rune('0'+i)))); status != 200 {
				t.Errorf("GET /%d: %d", i, status)
			}
		})
	}
	wg.Wait()
	fast := time.Since(start)
	took := <-slow
	if fast >= slowDelay || took < slowDelay {
		t.Errorf("ten documents took %v and /slow %v; want the documents within %v", fast, took, slowDelay)
	}
}

// TestZeroRTT resumes a session with 0-RTT and checks that the server
// accepted the early data.
func TestZeroRTT(t *testing.T) {
	ts := startServer(t)
	tickets := make(chan struct{}, 1)
	cache := &ticketCache{ClientSessionCache: tls.NewLRUClientSessionCache(1), put: tickets}
	conf := &tls.Config{RootCAs: ts.roots, ServerName: "localhost", ClientSessionCache: cache,
		NextProtos: []string{http3.NextProtoH3}}
	for i, early := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var conn *quic.Conn
		var err error
		if early {
			conn, err = quic.DialAddrEarly(ctx, ts.addr, conf, nil)
		} else {
			conn, err = quic.DialAddr(ctx, ts.addr, conf, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		cc := (&http3.Transport{}).NewClientConn(conn)
		req, _ := http.NewRequestWithContext(ctx, http3.MethodGet0RTT, ts.url("/"), nil)
		resp, err := cc.RoundTrip(req)
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "Hello World\n" {
			t.Errorf("connection %d: %q", i+1, body)
		}
		<-conn.HandshakeComplete()
		if st := conn.ConnectionState(); st.Used0RTT != early || st.TLS.DidResume != early {
			t.Errorf("connection %d: 0-RTT %t, resumed %t; want %t", i+1, st.Used0RTT, st.TLS.DidResume, early)
		}
		if !early {
			// the ticket comes after the handshake; wait for it
			select {
			case <-tickets:
			case <-ctx.Done():
				t.Fatal("no session ticket")
			}
		}
		conn.CloseWithError(0, "")
	}
}

// ticketCache says on put when it has stored a session ticket.
type ticketCache struct {
	tls.ClientSessionCache
	put chan struct{}
}

func (c *ticketCache) Put(key string, cs *tls.ClientSessionState) {
	c.ClientSessionCache.Put(key, cs)
	select {
	case c.put <- struct{}{}:
	default:
	}
}

// TestSlowBody sends a POST whose body never ends, and checks that the
// server gives up on it at requestTimeout with 408, and answers the same
// connection's other streams meanwhile.
func TestSlowBody(t *testing.T) {
	ts := startServer(t)
	c := ts.client(t)
	get(t, c, ts.url("/"))
	body, w := io.Pipe()
	defer w.Close()
	go w.Write([]byte("x")) // one byte of the ten, and then nothing
	req, err := http.NewRequest(http.MethodPost, ts.url("/"), body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 10
	start := time.Now()
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := c.Transport.RoundTrip(req)
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	if status, _ := get(t, c, ts.url("/2")); status != 200 {
		t.Errorf("GET /2 while the body is slow: %d", status)
	}
	resp := <-done
	if resp == nil {
		return
	}
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusRequestTimeout || took < requestTimeout || took > requestTimeout+5*time.Second {
		t.Errorf("a body that never ends: %d after %v, want 408 after %v", resp.StatusCode, took, requestTimeout)
	}
}
