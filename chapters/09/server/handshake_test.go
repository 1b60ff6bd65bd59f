//go:build linux

// A benchmark for chapter 9's measurements (not part of the book's text):
// TLS handshakes against the chapter's server configuration (tlsConfig)
// over loopback TCP, with a certificate of each key type the chapter
// compares, each as a full handshake and as a resumed one. Besides ns/op
// (the whole exchange: client and server in one process, and the TCP
// connection), it reports what the chapter quotes: the server's own CPU
// time per handshake, read from its thread's CPU clock, and the bytes of
// TLS records both ways during the server's handshake.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// BenchmarkHandshake runs TLS 1.3 handshakes, full and resumed, for an
// ECDSA P-256, an RSA-2048 and an Ed25519 certificate:
//
//	go test ./chapters/09/server -run '^$' -bench Handshake -count 10
func BenchmarkHandshake(b *testing.B) {
	for _, kind := range []string{"ECDSA-P256", "RSA-2048", "Ed25519"} {
		cert, roots := selfSigned(b, kind)
		b.Run(kind+"/full", func(b *testing.B) { benchHandshakes(b, cert, roots, false) })
		b.Run(kind+"/resumed", func(b *testing.B) { benchHandshakes(b, cert, roots, true) })
	}
}

// selfSigned makes a self-signed certificate for localhost with a key of
// the kind named, and a pool that trusts it.
func selfSigned(b *testing.B, kind string) (tls.Certificate, *x509.CertPool) {
	b.Helper()
	var key crypto.Signer
	var err error
	switch kind {
	case "ECDSA-P256":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RSA-2048":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case "Ed25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big1,
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		b.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		b.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

// benchHandshakes runs b.N handshakes. If resume, one more handshake first
// gives the client a session ticket, and every timed handshake must resume.
func benchHandshakes(b *testing.B, cert tls.Certificate, roots *x509.CertPool, resume bool) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	client := &tls.Config{RootCAs: roots, ServerName: "localhost", NextProtos: []string{"http/1.1"}}
	warm := 0
	if resume {
		client.ClientSessionCache = tls.NewLRUClientSessionCache(1)
		warm = 1
	}
	type result struct {
		cpu            time.Duration
		bytes, resumed int64
		err            error
	}
	done := make(chan result, 1)
	n := b.N
	go func() {
		// The goroutine keeps its thread, and no other goroutine runs on
		// it, so the thread's CPU clock counts this server's work (and
		// none of the client's): blocked in a read, the thread sleeps.
		runtime.LockOSThread()
		var r result
		cfg := tlsConfig(cert)
		for i := 0; i < warm+n; i++ {
			c, err := ln.Accept()
			if err != nil {
				r.err = err
				break
			}
			cc := &countingConn{Conn: c}
			conn := tls.Server(cc, cfg)
			start := threadCPU()
			err = conn.Handshake()
			cpu := threadCPU() - start
			if err == nil {
				_, err = conn.Write([]byte{1}) // the client reads it, and the ticket before it
			}
			if err != nil {
				conn.Close()
				r.err = err
				break
			}
			if i >= warm {
				r.cpu += cpu
				r.bytes += cc.n
				if conn.ConnectionState().DidResume {
					r.resumed++
				}
			}
			conn.Close()
		}
		done <- r
	}()
	addr := ln.Addr().String()
	one := func() {
		conn, err := tls.Dial("tcp", addr, client)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.ReadFull(conn, make([]byte, 1)); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < warm; i++ {
		one()
	}
	b.ResetTimer()
	for i := 0; i < n; i++ {
		one()
	}
	b.StopTimer()
	r := <-done
	if r.err != nil {
		b.Fatal(r.err)
	}
	if want := map[bool]int64{true: int64(n), false: 0}[resume]; r.resumed != want {
		b.Fatalf("%d of %d handshakes resumed, want %d", r.resumed, n, want)
	}
	b.ReportMetric(float64(r.cpu.Microseconds())/float64(n), "server-µs/handshake")
	b.ReportMetric(float64(r.bytes)/float64(n), "B/handshake")
}

var big1 = new(big.Int).SetInt64(1)

// countingConn counts the bytes read and written through it.
type countingConn struct {
	net.Conn
	n int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n += int64(n)
	return n, err
}

// threadCPU is the CPU time the calling thread has used
// (clock_gettime(CLOCK_THREAD_CPUTIME_ID), Linux's clock_gettime(2)).
func threadCPU() time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		panic(errno)
	}
	return time.Duration(ts.Nano())
}
