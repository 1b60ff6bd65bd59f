// Tests for the h2c server (not part of the book's text): over HTTP/2
// without TLS it gives the answers this chapter's server gives over
// HTTP/1.1, so that the h2c series of chapter 8's measurement ask the same of it; it
// answers the other streams of a connection while /slow waits; and it
// does not speak HTTP/1.1.
package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// answer is what a client sees of a response.
type answer struct {
	status      int
	body        string
	contentType string
}

// client returns an HTTP/1.1 client, or one that speaks only HTTP/2
// without TLS (as the measuring client bench's does), and counts its dials.
func client(h2c bool, dials *atomic.Int64) *http.Client {
	var protocols http.Protocols
	if h2c {
		protocols.SetUnencryptedHTTP2(true)
	} else {
		protocols.SetHTTP1(true)
	}
	var d net.Dialer
	tr := &http.Transport{Protocols: &protocols, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func get(t *testing.T, c *http.Client, path string, proto string) answer {
	t.Helper()
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Proto != proto {
		t.Errorf("GET %s: %s, want %s", path, resp.Proto, proto)
	}
	return answer{resp.StatusCode, string(body), resp.Header.Get("Content-Type")}
}

func TestSameAnswersAsServer(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	paths := []string{"/", "/7", "/slow", "/slwo"}
	answers := map[string][]answer{}
	for _, dir := range []string{"chapters/08/server", "chapters/08/h2cserver"} {
		t.Run(strings.ReplaceAll(dir, "/", "_"), func(t *testing.T) {
			booktest.Start(t, booktest.Build(t, dir), addr)
			h2c := dir == "chapters/08/h2cserver"
			proto := map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[h2c]
			var dials atomic.Int64
			c := client(h2c, &dials)
			for _, p := range paths {
				start := time.Now()
				answers[dir] = append(answers[dir], get(t, c, p, proto))
				if d := time.Since(start); p == slowPath && d < slowDelay {
					t.Errorf("GET /slow answered after %v, before %v", d, slowDelay)
				}
			}
			// Paths that neither server knows, answered in other words.
			for _, p := range []string{"/1/2", "/slow/"} {
				if a := get(t, c, p, proto); a.status != http.StatusNotFound {
					t.Errorf("GET %s: %+v, want 404", p, a)
				}
			}
			if n := dials.Load(); n != 1 {
				t.Errorf("%d connections for %d requests, want one", n, len(paths)+2)
			}
		})
	}
	want, got := answers["chapters/08/server"], answers["chapters/08/h2cserver"]
	if len(got) != len(paths) || len(want) != len(paths) {
		t.Fatalf("answers: %v and %v", want, got)
	}
	for i, p := range paths {
		if got[i] != want[i] {
			t.Errorf("GET %s: h2c %+v, chapter 8's server %+v", p, got[i], want[i])
		}
	}
	if want[0].body != "Hello World\n" || want[2].body != "Slept 1s\n" || want[3].status != http.StatusNotFound {
		t.Errorf("chapter 8's server answered %+v", want)
	}
}

// While /slow waits on its stream, GET / on another stream of the same
// connection is answered at once: the server does not answer in order,
// as an HTTP/1.1 server must.
func TestSlowDoesNotBlock(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	booktest.Start(t, booktest.Build(t, "chapters/08/h2cserver"), addr)
	var dials atomic.Int64
	c := client(true, &dials)
	get(t, c, "/", "HTTP/2.0") // the connection is open before /slow starts
	slowDone := make(chan time.Duration)
	wrote := make(chan struct{}) // /slow's request is on the connection, before /3's
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(wrote) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, "http://"+addr+slowPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	go func() {
		resp, err := c.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		slowDone <- time.Since(start)
	}()
	select {
	case <-wrote:
	case d := <-slowDone:
		t.Fatalf("GET /slow failed after %v, before its request was written", d)
	}
	if a := get(t, c, "/3", "HTTP/2.0"); a.body != "Hello World\n" {
		t.Errorf("GET /3: %+v", a)
	}
	if d := time.Since(start); d > slowDelay/2 {
		t.Errorf("GET /3 behind /slow took %v: it waited for /slow", d)
	}
	if d := <-slowDone; d < slowDelay {
		t.Errorf("GET /slow took %v, less than %v", d, slowDelay)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections, want one", n)
	}
}

// An HTTP/1.1 request gets no HTTP/1.1 answer: the server speaks only
// HTTP/2 without TLS.
func TestNoHTTP1(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	booktest.Start(t, booktest.Build(t, "chapters/08/h2cserver"), addr)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil && resp.StatusCode == http.StatusOK {
		t.Errorf("an HTTP/1.1 request was answered: %s %s", resp.Proto, resp.Status)
	}
}
