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
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"tcpbook/internal/booktest"
	"tcpbook/internal/servertest"
)

// lockedBuffer is the program's output, written by exec's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestProgram(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/11/server")
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	// main prints this once it serves: wait for it (checked every 10 ms),
	// or for the end.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), addr+" で QUIC（UDP）の接続を待ち受けています"); {
		select {
		case err := <-exited:
			t.Fatalf("the program ended: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program does not say it listens:\n%s", out.String())
		}
	}
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

	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGINT: %v", err)
		}
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatalf("the program did not end after SIGINT:\n%s", out.String())
	}
	got := out.String()
	for _, want := range []string{certDir + " に CA とサーバーの証明書を作りました", "HTTP/3.0 GET /slow", "interrupt を受け取りました", "終了します"} {
		if !strings.Contains(got, want) {
			t.Errorf("the output has no %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "UDP-Buffer-Sizes") || strings.Contains(got, "buffer size") {
		t.Errorf("quic-go's buffer warning:\n%s", got)
	}
}
