// Tests for what this chapter adds to chapter 4's server (not part of
// the book's text): the certificates it makes, and the real program over
// TLS, with net/http's client as the oracle for the good case and a bad
// client of each kind after which it must still answer.
package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/servertest"
)

// TestLoadCert: the first call makes a CA and a localhost certificate it
// signed, with the names a reader's clients use; the key is the owner's
// only, and the CA's key is not kept. A second call reuses them; an
// expired certificate is made again; a damaged one is an error that says
// what to do.
func TestLoadCert(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	cert, made, err := loadCert(dir)
	if err != nil || !made {
		t.Fatalf("loadCert on an empty directory: made=%v, %v; want made", made, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"ca.pem", "cert.pem", "key.pem"}; !slices.Equal(names, want) {
		t.Errorf("files %q, want %q (no CA key)", names, want)
	}
	if fi, err := os.Stat(keyFile(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key.pem: %v, %v; want mode 0600", fi.Mode(), err)
	}
	pool := servertest.CAPool(t, caFile(dir))
	leaf := cert.Leaf
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("the certificate for %s does not verify: %v", name, err)
		}
	}
	for _, name := range []string{"example.com", "127.0.0.2", "localhost.example"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err == nil {
			t.Errorf("the certificate verifies for %s", name)
		}
	}
	if leaf.IsCA || !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("leaf: IsCA=%v ExtKeyUsage=%v, want a server certificate only", leaf.IsCA, leaf.ExtKeyUsage)
	}
	ca := readCA(t, dir)
	if !ca.IsCA || !ca.MaxPathLenZero || ca.KeyUsage != x509.KeyUsageCertSign {
		t.Errorf("CA: IsCA=%v MaxPathLenZero=%v KeyUsage=%v, want a CA that signs certificates only, no CA below it",
			ca.IsCA, ca.MaxPathLenZero, ca.KeyUsage)
	}

	again, made, err := loadCert(dir)
	if err != nil || made || !bytes.Equal(again.Leaf.Raw, leaf.Raw) {
		t.Errorf("second loadCert: made=%v, %v, same certificate %v; want the same, not made", made, err, bytes.Equal(again.Leaf.Raw, leaf.Raw))
	}

	if _, err := makeCerts(dir, time.Now().Add(-certValidity-time.Hour)); err != nil {
		t.Fatal(err)
	}
	fresh, made, err := loadCert(dir)
	if err != nil || !made || !time.Now().Before(fresh.Leaf.NotAfter) {
		t.Errorf("loadCert over an expired certificate: made=%v, %v, NotAfter %v; want a new one", made, err, fresh.Leaf.NotAfter)
	}

	if err := os.WriteFile(certFile(dir), []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadCert(dir); err == nil || !strings.Contains(err.Error(), dir+" を消してから") {
		t.Errorf("loadCert over a damaged certificate: %v; want an error saying to remove %s", err, dir)
	}
}

func readCA(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(caFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s is not PEM", caFile(dir))
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// TestProgram runs the real program in an empty directory, as on a fresh
// clone, and talks to it with good and bad clients (servertest.TLSProgram).
func TestProgram(t *testing.T) {
	servertest.TLSProgram(t, servertest.TLSServer{
		Dir: chapter.Dir, Addr: addr, CertDir: certDir, CAFile: caFile(certDir),
		HandshakeTimeout: handshakeTimeout, ALPN: "http/1.1",
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
