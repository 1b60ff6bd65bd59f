package netlab

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// testServer serves "Hello World\n" on a loopback port and counts the
// connections it accepted.
func testServer(t *testing.T, ln net.Listener) *atomic.Int64 {
	t.Helper()
	var conns atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			io.WriteString(w, "Hello World\n")
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &conns
}

// The timing loop opens a connection per request or one for all, as
// asked, and says which samples include a handshake.
func TestClientTime(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := testServer(t, ln)
	var d net.Dialer
	c := &Client{Dial: func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", ln.Addr().String()) }}

	samples, err := c.Time(5, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 5 || conns.Load() != 5 {
		t.Fatalf("new connections: %d samples over %d connections, want 5 and 5", len(samples), conns.Load())
	}
	for i, s := range samples {
		if s.Dial <= 0 || s.Total < s.Dial {
			t.Errorf("new connection %d: dial %v total %v", i, s.Dial, s.Total)
		}
	}

	samples, err = c.Time(5, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 5 || conns.Load() != 6 {
		t.Fatalf("kept alive: %d samples over %d more connections, want 5 over 1", len(samples), conns.Load()-5)
	}
	for i, s := range samples {
		if (i == 0) != (s.Dial > 0) {
			t.Errorf("kept-alive request %d: dial %v; only the first dials", i, s.Dial)
		}
	}

	// A response that is not 200, or that Check rejects, is an error.
	bad := *c
	bad.Path = "/missing"
	if _, err := bad.Time(1, true); err == nil {
		t.Error("a 404 was not an error")
	}
	picky := *c
	picky.Check = func(_ *http.Response, body []byte) error {
		if string(body) != "Goodbye\n" {
			return errors.New("wrong body")
		}
		return nil
	}
	if _, err := picky.Time(1, false); err == nil {
		t.Error("Check's error was not returned")
	}
}

// One timed request counts from the start it is given (before the dial,
// for a new connection), and asks the server to close only if told to.
func TestTimeRequest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	testServer(t, ln)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	var c Client
	start := time.Now().Add(-time.Hour)
	d, err := c.timeRequest(conn, r, false, start)
	if err != nil || d < time.Hour {
		t.Fatalf("kept alive: %v, %v; want at least an hour, from the start given", d, err)
	}
	if _, err := c.timeRequest(conn, r, true, time.Now()); err != nil {
		t.Fatalf("the same connection again, with Connection: close: %v", err)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close, reading gave %v, want EOF: the server closes", err)
	}
}
