// The real program on both listeners (not part of the book's text), in an
// empty directory as on a fresh clone: HTTP/1.1 and h2c on plainAddr, h2
// over TLS on addr, and Ctrl-C with an HTTP/2 stream in flight: GOAWAY,
// the stream answered, the connection closed, exit status 0.
package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tcpbook/chapters/10/frame"
	"tcpbook/internal/booktest"
	"tcpbook/internal/servertest"
)

func TestProgramHTTP2(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	dir := t.TempDir()
	// main listens on addr, then on plainAddr, then makes the
	// certificates and says so: wait for the last port and the last line.
	srv := booktest.StartIn(t, dir, booktest.Build(t, chapter.Dir), plainAddr)
	booktest.WaitOutput(t, srv, plainAddr+" で平文の接続を待ち受けています")
	pool := servertest.CAPool(t, filepath.Join(dir, caFile(certDir)))

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
	if err := srv.Interrupt(); err != nil {
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
	if err := srv.Wait(shutdownTimeout + 5*time.Second); err != nil || !strings.Contains(srv.Output(), "すべてのコネクションを閉じたので終了します") {
		t.Errorf("after SIGINT: %v; want exit status 0 after すべてのコネクションを閉じたので終了します:\n%s", err, srv.Output())
	}
}
