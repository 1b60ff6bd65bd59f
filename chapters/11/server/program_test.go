// The real program (not part of the book's text), in its own network
// namespace and an empty directory as on a fresh clone: it makes chapter
// 9's certificates, takes garbage datagrams and 300 handshakes that stop
// after the ClientHello, answers a client after them, prints no warning of
// quic-go's, and ends on SIGINT with exit status 0.
package main

import (
	"bytes"
	"crypto/tls"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"tcpbook/internal/booktest"
	"tcpbook/internal/servertest"
)

func TestProgram(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	dir := t.TempDir()
	// main binds its UDP port, makes the certificates, then says it
	// serves: wait for the port and the line.
	srv := booktest.StartIn(t, dir, booktest.Build(t, "chapters/11/server"), booktest.UDP(addr))
	booktest.WaitOutput(t, srv, addr+" で QUIC（UDP）の接続を待ち受けています")
	roots := servertest.CAPool(t, filepath.Join(dir, caFile(certDir)))
	ts := &testServer{server: &server{}, addr: addr, roots: roots}

	// garbage
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		b := bytes.Repeat([]byte{byte(i)}, 1+i%1300)
		b[0] |= 0x80 // a long header
		conn.Write(b)
	}
	conn.Close()
	// stalled handshakes, more than maxUnverified
	udpAddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conf := &tls.Config{RootCAs: roots, ServerName: "localhost", NextProtos: []string{http3.NextProtoH3}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 300 / 8 {
				stall(t, udpAddr, conf)
			}
		})
	}
	wg.Wait()
	c := ts.client(t)
	for _, p := range []string{"/", slowPath} {
		status, body := get(t, c, "https://localhost:8443"+p)
		if _, want := reply(p, 200, nil, nil); status != 200 || body != want {
			t.Errorf("GET %s after the attack: %d %q", p, status, body)
		}
	}
	c.Transport.(*http3.Transport).Close()

	if err := srv.Interrupt(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(shutdownTimeout + 5*time.Second); err != nil {
		t.Errorf("after SIGINT: %v; want exit status 0\n%s", err, srv.Output())
	}
	got := srv.Output()
	for _, want := range []string{certDir + " に CA とサーバーの証明書を作りました", "HTTP/3.0 GET /slow", "interrupt を受け取りました", "終了します"} {
		if !strings.Contains(got, want) {
			t.Errorf("the output has no %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "UDP-Buffer-Sizes") || strings.Contains(got, "buffer size") {
		t.Errorf("quic-go's buffer warning:\n%s", got)
	}
}
