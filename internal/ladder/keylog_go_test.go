package ladder

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder keeps what a connection writes: one direction's stream.
type recorder struct {
	net.Conn
	mu  sync.Mutex
	out []byte
}

func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.out = append(r.out, b...)
	r.mu.Unlock()
	return r.Conn.Write(b)
}

func (r *recorder) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.out)
}

// TestKeyLogGoH2 decrypts a TLS 1.3 connection between crypto/tls's
// client and server, with the key log the client's KeyLogWriter wrote:
// HTTP/2 over TLS (ALPN h2) reads as the HTTP/2 frames it carries.
func TestKeyLogGoH2(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"example.test"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	settings := []byte{0, 0, 0, 4, 0, 0, 0, 0, 0}
	settingsACK := []byte{0, 0, 0, 4, 1, 0, 0, 0, 0}
	var srec *recorder
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		srec = &recorder{Conn: c}
		s := tls.Server(srec, &tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
			NextProtos:   []string{"h2"},
		})
		in := make([]byte, len(preface)+len(settings))
		if _, err := io.ReadFull(s, in); err != nil {
			done <- err
			return
		}
		_, err = s.Write(append(bytes.Clone(settings), settingsACK...))
		if err == nil {
			err = s.Close()
		}
		done <- err
	}()

	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	crec := &recorder{Conn: raw}
	var keylog bytes.Buffer
	c := tls.Client(crec, &tls.Config{
		ServerName: "example.test", InsecureSkipVerify: true, NextProtos: []string{"h2"},
		MinVersion: tls.VersionTLS13, KeyLogWriter: &keylog,
	})
	if _, err := c.Write(append([]byte(preface), settings...)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 18)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, c) // to the server's close_notify
	c.Close()
	if cs := c.ConnectionState().CipherSuite; cs == chacha {
		t.Skip("crypto/tls chose ChaCha20-Poly1305 (no AES hardware), which this does not decrypt")
	}

	keys, err := ParseKeyLog(keylog.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cu, su := tcpUnits(streamOf(crec.bytes()), streamOf(srec.bytes()), keys)
	client, server := texts(cu), texts(su)
	for _, want := range []string{"ClientHello | ", " | Finished | HTTP/2 プリフェイス, SETTINGS | Alert close_notify"} {
		if !strings.Contains(client, want) {
			t.Errorf("client: %s\nlacks %q", client, want)
		}
	}
	for _, want := range []string{"ServerHello | ", "EncryptedExtensions | Certificate | CertificateVerify | Finished | ", "SETTINGS, SETTINGS ACK | Alert close_notify"} {
		if !strings.Contains(server, want) {
			t.Errorf("server: %s\nlacks %q", server, want)
		}
	}
}
