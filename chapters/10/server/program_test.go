// The real program on both listeners (not part of the book's text), in an
// empty directory as on a fresh clone: HTTP/1.1 and h2c on plainAddr, h2
// over TLS on addr, and Ctrl-C with an HTTP/2 stream in flight: GOAWAY,
// the stream answered, the connection closed, exit status 0.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tcpbook/chapters/10/frame"
	"tcpbook/internal/booktest"
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

func TestProgramHTTP2(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, chapter.Dir)
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
	// main prints this after it listens on both ports and has made the
	// certificates: wait for it (checked every 10 ms), or for the end.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), plainAddr+" で平文の接続を待ち受けています"); {
		select {
		case err := <-exited:
			t.Fatalf("the program ended: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program does not say it listens:\n%s", out.String())
		}
	}
	pem, err := os.ReadFile(filepath.Join(dir, caFile(certDir)))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)

	for _, c := range []struct {
		url, proto string
		protocols  func(*http.Protocols)
	}{
		{"http://" + plainAddr + "/", "HTTP/2.0", func(p *http.Protocols) { p.SetUnencryptedHTTP2(true) }},
		{"http://" + plainAddr + "/", "HTTP/1.1", func(p *http.Protocols) { p.SetHTTP1(true) }},
		{"https://" + addr + "/", "HTTP/2.0", func(p *http.Protocols) { p.SetHTTP2(true) }},
		{"https://" + addr + "/", "HTTP/1.1", func(p *http.Protocols) { p.SetHTTP1(true) }},
	} {
		var protocols http.Protocols
		c.protocols(&protocols)
		tr := &http.Transport{Protocols: &protocols, TLSClientConfig: &tls.Config{RootCAs: pool}}
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(c.url)
		if err != nil {
			t.Fatalf("%s in %s: %v", c.url, c.proto, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		if resp.Proto != c.proto || resp.StatusCode != 200 || string(body) != "Hello World\n" {
			t.Errorf("%s: %s %s %q, want %s 200 Hello World", c.url, resp.Proto, resp.Status, body, c.proto)
		}
	}

	// Ctrl-C with /slow in flight on an h2c connection.
	c := dialRaw(t, plainAddr)
	c.request(1, "GET", "/slow", true)
	c.sync(t)
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	g := c.until(t, func(f frame.Frame) bool { return f.Type == frame.TypeGoAway })
	if ga, _ := frame.ParseGoAway(g); ga.LastStreamID != 1 || ga.Code != frame.ErrCodeNo {
		t.Errorf("after SIGINT: %v, want GOAWAY last_stream=1 NO_ERROR", g)
	}
	if d := time.Since(start); d > slowDelay/2 {
		t.Errorf("GOAWAY came %v after SIGINT, want at once", d)
	}
	if r := c.response(t, 1); r.status != "200" || r.body != "Slept 1s\n" {
		t.Errorf("/slow in flight at SIGINT: %+v, want 200 Slept 1s", r)
	}
	c.closed(t)
	select {
	case err := <-exited:
		if err != nil || !strings.Contains(out.String(), "すべてのコネクションを閉じたので終了します") {
			t.Errorf("the program ended with %v:\n%s", err, out.String())
		}
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatalf("the program did not exit after SIGINT:\n%s", out.String())
	}
}
