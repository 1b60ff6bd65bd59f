package servertest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// SilentAndHuge runs the real program with many clients that never send,
// and headers far larger than any sane request: the program closes the
// first after its idle timeout, refuses the second, keeps its memory
// bounded, and serves others.
func SilentAndHuge(t *testing.T, s Server) {
	srv := s.start(t)
	if srv == nil {
		return
	}
	var silent []net.Conn
	for range 100 {
		silent = append(silent, s.Dial(t))
	}
	for range 8 {
		conn := s.Dial(t)
		go io.Copy(io.Discard, conn)
		io.WriteString(conn, "GET / HTTP/1.1\r\nX-Big: "+strings.Repeat("a", 8<<20)+"\r\n\r\n") // fails when the server gives up: the point
	}
	s.Served(t, srv)
	if rss, err := srv.RSS(); err == nil && rss > 64<<20 {
		t.Errorf("server uses %d MiB after 8 huge headers, want under 64 MiB", rss>>20)
	}
	for _, c := range silent {
		if b, err := io.ReadAll(c); err != nil || len(b) > 0 {
			t.Fatalf("a silent client got %q, %v; want a clean close after %v", b, err, s.IdleTimeout)
		}
	}
	s.Served(t, srv)
}

// ConnLimit runs a chapter's serve in this process with a limit of two
// connections. Past the limit, serve does not accept: a third client,
// whose handshake the kernel completes, waits unanswered in the listen
// queue while two connections are open, and is served as soon as one of
// them closes. And serve returns when stop is closed, even while it waits
// for a free slot (as it does when SIGINT comes at the limit). serve
// returns once the connections' handlers have ended too: they log, and
// the test silences the log only while it runs.
func ConnLimit(t *testing.T, serve func(ln net.Listener, limit int, stop <-chan struct{})) {
	booktest.Quiet(t) // the server's log
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		serve(ln, 2, stop)
		close(done)
	}()
	addr := ln.Addr().String()
	var first net.Conn
	for i := range 2 {
		conn := Dial(t, addr)
		Write(t, conn, Get("/"))
		if resp, _ := Read(t, bufio.NewReader(conn)); resp.StatusCode != 200 || resp.Close {
			t.Fatalf("connection %d of 2: %s close=%v, want 200 kept alive", i+1, resp.Status, resp.Close)
		}
		if i == 0 {
			first = conn
		}
	}
	third := Dial(t, addr)
	Write(t, third, Get("/"))
	r := bufio.NewReader(third)
	// Not a wait for the server: the check that it does not answer.
	third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if b, err := r.Peek(1); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("with two connections open and a limit of 2, a third got %q, %v; want no answer yet", b, err)
	}
	third.SetReadDeadline(time.Now().Add(10 * time.Second))
	first.Close()
	if resp, _ := Read(t, r); resp.StatusCode != 200 {
		t.Fatalf("the third connection, once the first closed: %s, want 200", resp.Status)
	}
	close(stop) // serve waits for a free slot again: two are open
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return after stop was closed, while it waited for a free slot")
	}
}

// Sanitize checks a chapter's sanitize, which escapes what the server logs
// of the bytes it reads.
func Sanitize(t *testing.T, sanitize func(string) string) {
	for _, c := range []struct{ in, want string }{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\nHost: x\n\n"},
		{"こんにちは\tworld\n", `こんにちは\tworld` + "\n"},
		{"\x1b]0;pwned\a", `\x1b]0;pwned\a`},
		{"a\rb", `a\rb`},
		{"\xff\xfe", `\xff\xfe`},
		{"\u202eevil", `\u202eevil`},
		{"\u0085", `\u0085`},
	} {
		if got := sanitize(c.in); got != c.want {
			t.Errorf("sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Shutdown runs the program and sends it SIGINT: it stops accepting,
// answers the request in flight (with Connection: close), closes an idle
// kept-alive connection at once, and exits 0.
func Shutdown(t *testing.T, s Server) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, s.Dir), s.Addr)

	idle := s.Dial(t)
	Write(t, idle, Get("/"))
	idleR := bufio.NewReader(idle)
	Read(t, idleR)

	// A request in flight: the headers and half the body. The server has
	// read the headers when it says 100 Continue: the request is in
	// flight then, past the wait for the next request, which SIGINT cuts
	// short. (Its Accept line comes before that wait.)
	busy := s.Dial(t)
	busyR := bufio.NewReader(busy)
	Write(t, busy, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 6\r\n\r\n")
	if resp, err := http.ReadResponse(busyR, nil); err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("before the body: %v, %v; want 100 Continue", resp, err)
	}
	Write(t, busy, "fli")

	start := time.Now()
	if err := srv.Interrupt(); err != nil {
		t.Fatal(err)
	}
	booktest.WaitOutput(t, srv, "新しいコネクションは受け付けません")
	Closed(t, idleR) // at once, not after idleTimeout
	if d := time.Since(start); d > s.IdleTimeout/2 {
		t.Errorf("the idle connection was closed %v after SIGINT, want at once", d)
	}
	if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		c.Close()
		t.Error("the server still accepts connections after SIGINT")
	}

	Write(t, busy, "ght")
	if resp, body := Read(t, busyR); resp.StatusCode != 200 || body != "Hello flight\n" || !resp.Close {
		t.Errorf("the request in flight got %s %q close=%v, want 200, Hello flight, Connection: close", resp.Status, body, resp.Close)
	}
	Closed(t, busyR)
	CleanExit(t, srv, s.ShutdownTimeout+5*time.Second)
}

// CleanExit checks that the program srv, sent SIGINT, exits 0 within
// timeout, saying it closed every connection.
func CleanExit(t *testing.T, srv *booktest.Server, timeout time.Duration) {
	t.Helper()
	if err := srv.Wait(timeout); err != nil {
		t.Errorf("after SIGINT: %v; want exit status 0\n%s", err, srv.Output())
	}
	if out := srv.Output(); !strings.Contains(out, "すべてのコネクションを閉じたので終了します") {
		t.Errorf("no orderly exit message:\n%s", out)
	}
}
