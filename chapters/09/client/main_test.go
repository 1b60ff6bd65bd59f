// Tests for the chapter's TLS client (not part of the book's text): it
// prints what the handshake chose and the verified chain, and refuses, in
// words that say what is wrong, a certificate from a CA it was not given,
// an expired one, one for another name, and a server that speaks only TLS
// 1.1. The servers are made here, with certificates made here.
package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// chain makes a CA and a server certificate it signs for names, valid
// from notBefore to notAfter. It writes the CA to a PEM file and returns
// the file's path and the server's certificate.
func chain(t *testing.T, names []string, notBefore, notAfter time.Time) (string, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             notBefore,
		NotAfter:              notAfter.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		Subject:     pkix.Name{CommonName: names[0]},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, n)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}
}

// serve runs a TLS server with cert (and cfg's version limits) on a port
// of its own until the end of the test, answering each request with ok,
// and returns its URL on localhost.
func serve(t *testing.T, cert tls.Certificate, minVersion, maxVersion uint16) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   minVersion,
		MaxVersion:   maxVersion,
		NextProtos:   []string{"http/1.1"},
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				conn := tls.Server(c, cfg)
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
					return
				}
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "https://localhost:" + port + "/"
}

var now = time.Now()

func TestGet(t *testing.T) {
	cacert, cert := chain(t, []string{"localhost", "127.0.0.1"}, now.Add(-time.Hour), now.Add(time.Hour))
	url := serve(t, cert, tls.VersionTLS12, 0)
	for _, c := range []struct {
		tls12   bool
		version string
		suite   string
		curve   string
	}{
		{false, "TLS 1.3", "TLS_AES_128_GCM_SHA256", "X25519MLKEM768"},
		{true, "TLS 1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "X25519"},
	} {
		cfg, err := clientConfig(cacert, c.tls12)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := get(&out, url, "", cfg, 1, false); err != nil {
			t.Fatalf("tls12=%v: %v", c.tls12, err)
		}
		want := "TLS のバージョン: " + c.version + "\n" +
			"暗号スイート: " + c.suite + "\n" +
			"鍵の交換: " + c.curve + "\n" +
			"ALPN: \"http/1.1\"\n" +
			"証明書のチェーン:\n" +
			"  0: CN=localhost（ECDSA-SHA256 の署名、ECDSA の鍵）\n" +
			"     SAN: localhost, 127.0.0.1\n" +
			"  1: CN=test CA（ECDSA-SHA256 の署名、ECDSA の鍵）\n" +
			"     CA の証明書\n" +
			"HTTP/1.1 200 OK\n" +
			"\"ok\\n\"\n"
		if out.String() != want {
			t.Errorf("tls12=%v: printed\n%s\nwant\n%s", c.tls12, &out, want)
		}
	}
}

// TestRefused: each certificate the client must not accept, and a server
// too old, with the message the reader sees.
func TestRefused(t *testing.T) {
	goodCA, good := chain(t, []string{"localhost"}, now.Add(-time.Hour), now.Add(time.Hour))
	_, other := chain(t, []string{"localhost"}, now.Add(-time.Hour), now.Add(time.Hour))
	expiredCA, expired := chain(t, []string{"localhost"}, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	wrongCA, wrong := chain(t, []string{"example.com", "192.0.2.1"}, now.Add(-time.Hour), now.Add(time.Hour))
	for _, c := range []struct {
		name, cacert string
		cert         tls.Certificate
		maxVersion   uint16
		want         string
	}{
		{"another CA", goodCA, other, 0, "サーバーの証明書を信頼できません。署名した CA（CN=test CA）が、-cacert で渡した CA ではありません"},
		{"expired", expiredCA, expired, 0, "サーバーの証明書の有効期限が切れています（" + now.Add(-24*time.Hour).UTC().Format(time.DateTime) + " UTC まで）"},
		{"wrong name", wrongCA, wrong, 0, "サーバーの証明書は localhost のためのものではありません（証明書の SAN: example.com, 192.0.2.1）"},
		{"TLS 1.1", goodCA, good, tls.VersionTLS11, "サーバーがハンドシェイクを断りました（tls: protocol version not supported）"},
	} {
		url := serve(t, c.cert, tls.VersionTLS10, c.maxVersion)
		cfg, err := clientConfig(c.cacert, false)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		err = get(&out, url, "", cfg, 1, false)
		if err == nil {
			t.Errorf("%s: connected:\n%s", c.name, &out)
			continue
		}
		if got := explain(err); got != c.want {
			t.Errorf("%s: %v\nexplained as %q\nwant        %q", c.name, err, got, c.want)
		}
		if out.Len() > 0 {
			t.Errorf("%s: printed %q before refusing", c.name, &out)
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := clientConfig(filepath.Join(t.TempDir(), "none.pem"), false); err == nil || !strings.Contains(err.Error(), "go run ./chapters/09/server") {
		t.Errorf("a missing CA file: %v; want an error that says how to make one", err)
	}
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o644)
	if _, err := clientConfig(notPEM, false); err == nil {
		t.Error("a file with no certificate was accepted")
	}
	cacert, _ := chain(t, []string{"localhost"}, now.Add(-time.Hour), now.Add(time.Hour))
	cfg, _ := clientConfig(cacert, false)
	if err := get(io.Discard, "http://localhost:8443/", "", cfg, 1, false); err == nil {
		t.Error("an http:// URL was accepted")
	}
}

// TestProgram: the program prints the refusal on stderr, and exits 1.
func TestProgram(t *testing.T) {
	bin := booktest.Build(t, "chapters/09/client")
	cacert, cert := chain(t, []string{"example.com"}, now.Add(-time.Hour), now.Add(time.Hour))
	url := serve(t, cert, tls.VersionTLS12, 0)
	cmd := exec.Command(bin, "-cacert", cacert, url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the client ended with %v, want exit status 1", err)
	}
	if want := "サーバーの証明書は localhost のためのものではありません（証明書の SAN: example.com）\n"; stderr.String() != want || stdout.Len() > 0 {
		t.Errorf("stdout %q, stderr %q; want nothing and %q", &stdout, &stderr, want)
	}
}

// TestRepeat: -n 3 -new opens three connections, the second and third
// resuming the first's TLS 1.3 session; -n 3 alone sends all three on one
// kept-alive connection. Either way the second request, and only it, is
// timed by a netlab-time line. -addr reaches the server by address while
// the certificate is checked against the URL's name (the certificate has
// no IP address here, so a check against the address would fail).
func TestRepeat(t *testing.T) {
	cacert, cert := chain(t, []string{"localhost"}, now.Add(-time.Hour), now.Add(time.Hour))
	var mu sync.Mutex
	conns, resumed := 0, 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS.DidResume {
			mu.Lock()
			resumed++
			mu.Unlock()
		}
		io.WriteString(w, "ok\n")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.StartTLS()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	target := "https://localhost:" + port + "/"
	for _, c := range []struct {
		newConn       bool
		conns, resume int
		lines         []string
	}{
		{true, 3, 2, []string{"2: HTTP/1.1 200 OK（セッションの再開: true）", "3: HTTP/1.1 200 OK（セッションの再開: true）"}},
		{false, 1, 0, []string{"2: HTTP/1.1 200 OK（セッションの再開: false）", "3: HTTP/1.1 200 OK（セッションの再開: false）"}},
	} {
		mu.Lock()
		conns, resumed = 0, 0
		mu.Unlock()
		cfg, err := clientConfig(cacert, false)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := get(&out, target, "127.0.0.1:"+port, cfg, 3, c.newConn); err != nil {
			t.Fatalf("new=%t: %v", c.newConn, err)
		}
		srv.CloseClientConnections()
		mu.Lock()
		gotConns, gotResumed := conns, resumed
		mu.Unlock()
		if gotConns != c.conns || gotResumed != c.resume {
			t.Errorf("new=%t: %d connections, %d resumed; want %d and %d", c.newConn, gotConns, gotResumed, c.conns, c.resume)
		}
		for _, l := range c.lines {
			if !strings.Contains(out.String(), l+"\n") {
				t.Errorf("new=%t: no line %q in\n%s", c.newConn, l, out.String())
			}
		}
		if n := strings.Count(out.String(), "netlab-time: "); n != 1 || !regexp.MustCompile(`\n2: .*\nnetlab-time: [0-9.]+ms\n3: `).MatchString(out.String()) {
			t.Errorf("new=%t: want one netlab-time line, right after the second request's, in\n%s", c.newConn, out.String())
		}
	}
}
