// Tests for the chapter's keep-alive server (not part of the book's text):
// protocol edge cases and bad input against the real program, and a fuzz
// test of the request loop.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"tcpbook/internal/booktest"
)

// handleConn runs the request loop on c, as serve would for a connection
// it accepted, with a server of its own.
func handleConn(c net.Conn) *server {
	s := &server{conns: map[net.Conn]bool{}}
	s.add(c)
	handle(c, s)
	return s
}

func dial(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return conn
}

func write(t *testing.T, conn net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(conn, s); err != nil {
		t.Fatal(err)
	}
}

// read reads one response and its body.
func read(t *testing.T, r *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a response body: %v", err)
	}
	return resp, string(body)
}

// closed checks that the server closes the connection: EOF, no more bytes.
func closed(t *testing.T, r *bufio.Reader) {
	t.Helper()
	if b, err := io.ReadAll(r); err != nil || len(b) > 0 {
		t.Fatalf("want the server to close the connection, got %q, %v", b, err)
	}
}

func get(path string, headers ...string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + strings.Join(headers, "") + "\r\n"
}

func post(body string, headers ...string) string {
	return fmt.Sprintf("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n%s\r\n%s", len(body), strings.Join(headers, ""), body)
}

// served checks that the server still answers a new client.
func served(t *testing.T, srv *booktest.Server) {
	t.Helper()
	if err := srv.Alive(); err != nil {
		t.Fatal(err)
	}
	conn := dial(t)
	write(t, conn, get("/", "Connection: close\r\n"))
	r := bufio.NewReader(conn)
	if resp, body := read(t, r); resp.StatusCode != 200 || body != "Hello World\n" {
		t.Fatalf("a good client got %s %q", resp.Status, body)
	}
	closed(t, r)
}

func TestProtocol(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, "chapters/04/server"), addr)

	t.Run("keep-alive", func(t *testing.T) {
		conn := dial(t)
		r := bufio.NewReader(conn)
		for _, msg := range []string{"ASCII", "PROGRAMMING", "PLUS"} {
			write(t, conn, post(msg))
			resp, body := read(t, r)
			if resp.StatusCode != 200 || resp.Close || body != "Hello "+msg+"\n" {
				t.Fatalf("got %s close=%v %q", resp.Status, resp.Close, body)
			}
		}
		local := conn.LocalAddr().String()
		if n := strings.Count(srv.Output(), "Accept "+local+"\n"); n != 1 {
			t.Errorf("three requests took %d accepted connections", n)
		}
	})
	t.Run("pipelined", func(t *testing.T) {
		conn := dial(t)
		var reqs strings.Builder
		const n = 20
		for i := range n {
			reqs.WriteString(post(fmt.Sprint(i)))
		}
		write(t, conn, reqs.String()+get("/", "Connection: close\r\n"))
		r := bufio.NewReader(conn)
		for i := range n {
			if _, body := read(t, r); body != fmt.Sprintf("Hello %d\n", i) {
				t.Fatalf("response %d: %q (out of order or lost)", i, body)
			}
		}
		if resp, _ := read(t, r); !resp.Close {
			t.Error("the last response does not say Connection: close")
		}
		closed(t, r)
	})
	t.Run("head", func(t *testing.T) {
		// A HEAD response has no body (RFC 9110 §9.3.2); a body there
		// would be read as the start of the next response.
		conn := dial(t)
		write(t, conn, "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n"+get("/"))
		r := bufio.NewReader(conn)
		resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodHead})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("HEAD: %v, %v", resp, err)
		}
		resp.Body.Close()
		if resp, body := read(t, r); resp.StatusCode != 200 || body != "Hello World\n" {
			t.Fatalf("the GET after a HEAD got %s %q", resp.Status, body)
		}
	})
	t.Run("no-host", func(t *testing.T) {
		for _, in := range []string{
			"GET / HTTP/1.1\r\n\r\n",                       // HTTP/1.1 needs Host (RFC 9112 §3.2)
			"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", // more than one Host line (RFC 9112 §3.2)
			"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", // whatever the version
			"GET / HTTP/1.1\r\nHost:\r\n\r\n",              // no authority: may be rejected (RFC 9112 §3.3)
		} {
			conn := dial(t)
			write(t, conn, in+get("/"))
			r := bufio.NewReader(conn)
			if resp, _ := read(t, r); resp.StatusCode != http.StatusBadRequest || !resp.Close {
				t.Errorf("input %q: %s close=%v, want 400 and close", in, resp.Status, resp.Close)
			}
			closed(t, r) // the GET after it is not answered
		}
	})
	t.Run("absolute-form", func(t *testing.T) {
		// The absolute form must be accepted, and its host wins over
		// the Host header (RFC 9112 §3.2.2).
		conn := dial(t)
		write(t, conn, "GET http://localhost/ HTTP/1.1\r\nHost:\r\n\r\n"+get("/", "Connection: close\r\n"))
		r := bufio.NewReader(conn)
		for range 2 {
			if resp, body := read(t, r); resp.StatusCode != 200 || body != "Hello World\n" {
				t.Fatalf("got %s %q, want 200", resp.Status, body)
			}
		}
		closed(t, r)
	})
	t.Run("connection-close", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, get("/", "Connection: close\r\n"))
		r := bufio.NewReader(conn)
		// ReadResponse turns Connection: close into resp.Close.
		if resp, _ := read(t, r); !resp.Close {
			t.Errorf("response headers %v, want Connection: close", resp.Header)
		}
		closed(t, r)
	})
	t.Run("http10", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, "GET / HTTP/1.0\r\n\r\n")
		r := bufio.NewReader(conn)
		// ReadResponse turns Connection: close into resp.Close.
		if resp, _ := read(t, r); !resp.Close {
			t.Errorf("response headers %v, want Connection: close", resp.Header)
		}
		closed(t, r)
	})
	t.Run("http10-keep-alive", func(t *testing.T) {
		conn := dial(t)
		r := bufio.NewReader(conn)
		for range 2 {
			write(t, conn, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
			if resp, _ := read(t, r); resp.Header.Get("Connection") != "keep-alive" {
				t.Fatalf("response headers %v, want Connection: keep-alive", resp.Header)
			}
		}
	})
	t.Run("slow-body", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n")
		for _, part := range []string{"sl", "ow", "ly"} {
			time.Sleep(100 * time.Millisecond) // the client is slow, on purpose
			write(t, conn, part)
		}
		if _, body := read(t, bufio.NewReader(conn)); body != "Hello slowly\n" {
			t.Errorf("got %q", body)
		}
	})
	t.Run("cut-body", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort")
		conn.(*net.TCPConn).CloseWrite()
		r := bufio.NewReader(conn)
		if resp, _ := read(t, r); resp.StatusCode != http.StatusBadRequest || !resp.Close {
			t.Errorf("got %s close=%v, want 400 and close", resp.Status, resp.Close)
		}
		closed(t, r)
	})
	t.Run("body-too-large", func(t *testing.T) {
		conn := dial(t)
		go io.WriteString(conn, post(strings.Repeat("x", 3<<20))) // may fail once the server closes
		r := bufio.NewReader(conn)
		resp, err := http.ReadResponse(r, nil)
		if errors.Is(err, syscall.ECONNRESET) {
			return // the server stopped reading: a reset is a correct close (RFC 9112 §9.6)
		}
		if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Errorf("got %v, %v; want 413 and close", resp, err)
		}
	})
	t.Run("client-goes-away", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, get("/"))
		read(t, bufio.NewReader(conn))
		local := conn.LocalAddr().String()
		conn.Close()
		booktest.WaitOutput(t, srv, local+": クライアントが閉じました")
	})
	t.Run("bad-input", func(t *testing.T) {
		for _, in := range []string{"\x00\xff garbage\r\n\r\n", "GET / HTTP/1.1\r\nHost: lo", get("/") + "nonsense\r\n\r\n"} {
			conn := dial(t)
			write(t, conn, in)
			conn.(*net.TCPConn).CloseWrite()
			b, _ := io.ReadAll(conn)
			if !strings.Contains(string(b), "400 Bad Request") {
				t.Errorf("input %q: got %q, want a 400", in, b)
			}
		}
		c := dial(t)
		c.(*net.TCPConn).SetLinger(0)
		write(t, c, "GET / HTTP/1.1\r\n")
		c.Close() // a reset
		dial(t).Close()
	})
	t.Run("expect-continue", func(t *testing.T) {
		// The server answers 100 Continue before it has the body, without
		// waiting for it (RFC 9110 §10.1.1); curl would wait 1 s otherwise.
		conn := dial(t)
		r := bufio.NewReader(conn)
		write(t, conn, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		line, err := r.ReadString('\n')
		if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("before the body, got %q, %v; want HTTP/1.1 100 Continue at once", line, err)
		}
		if blank, err := r.ReadString('\n'); err != nil || blank != "\r\n" {
			t.Fatalf("after the 100 Continue status line, got %q, %v", blank, err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		write(t, conn, "hello")
		if resp, body := read(t, r); resp.StatusCode != 200 || body != "Hello hello\n" || resp.Close {
			t.Fatalf("final response %s %q close=%v", resp.Status, body, resp.Close)
		}
	})
	t.Run("expect-continue-refused", func(t *testing.T) {
		// A body over the limit is refused at once, with no 100 Continue
		// and without reading it.
		conn := dial(t)
		r := bufio.NewReader(conn)
		write(t, conn, fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", maxBodyBytes+1))
		conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if resp, _ := read(t, r); resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Fatalf("got %s close=%v, want 413 and close", resp.Status, resp.Close)
		}
	})
	t.Run("expect-continue-http10", func(t *testing.T) {
		// An HTTP/1.0 request's expectation is ignored (RFC 9110 §10.1.1).
		conn := dial(t)
		r := bufio.NewReader(conn)
		write(t, conn, "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello")
		if resp, body := read(t, r); resp.StatusCode != 200 || body != "Hello hello\n" {
			t.Fatalf("got %s %q, want 200 and no 100 Continue first", resp.Status, body)
		}
	})
	t.Run("smuggling", func(t *testing.T) {
		// Content-Length and Transfer-Encoding both: Transfer-Encoding wins
		// (RFC 9112 §6.3), and the server closes after its response
		// (RFC 9112 §6.1), so the rest never becomes a second request.
		conn := dial(t)
		body := "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
		write(t, conn, fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%s", len(body), body))
		r := bufio.NewReader(conn)
		if resp, body := read(t, r); resp.StatusCode != 200 || body != "Hello World\n" || !resp.Close {
			t.Fatalf("got %s %q close=%v, want 200 (an empty chunked body) and Connection: close", resp.Status, body, resp.Close)
		}
		closed(t, r) // no second response
		if strings.Contains(srv.Output(), "/smuggled") {
			t.Errorf("the server read the smuggled request:\n%s", srv.Output())
		}
	})
	t.Run("escape-sequences", func(t *testing.T) {
		// Bytes from the network never reach the terminal raw.
		// ReadRequest refuses control bytes in a header line, but not
		// other characters a terminal acts on, and the body is anything.
		conn := dial(t)
		write(t, conn, post("\x1b]0;pwned\a\r\x1b[2J", "X-Text: \u202eevil\xff\r\n", "Connection: close\r\n"))
		read(t, bufio.NewReader(conn))
		booktest.WaitOutput(t, srv, `X-Text: \u202eevil\xff`)
		booktest.WaitOutput(t, srv, `\x1b]0;pwned\a\r\x1b[2J`)
		if out := srv.Output(); strings.ContainsAny(out, "\x1b\a\r\u202e") || !utf8.ValidString(out) {
			t.Errorf("raw control bytes in the server's log:\n%q", out)
		}
	})
	t.Run("idle-timeout", func(t *testing.T) {
		conn := dial(t)
		r := bufio.NewReader(conn)
		write(t, conn, get("/"))
		read(t, r)
		start := time.Now()
		closed(t, r)
		if d := time.Since(start); d < idleTimeout-time.Second {
			t.Errorf("closed after %v idle, want about %v", d, idleTimeout)
		}
	})
	served(t, srv)
	if strings.Contains(srv.Output(), "panic") {
		t.Errorf("the server panicked:\n%s", srv.Output())
	}
}

// TestSilentAndHuge: many clients that never send, and headers far larger
// than any sane request; the server closes the first after idleTimeout,
// refuses the second, keeps its memory bounded, and serves others.
func TestSilentAndHuge(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, "chapters/04/server"), addr)
	var silent []net.Conn
	for range 100 {
		silent = append(silent, dial(t))
	}
	for range 8 {
		conn := dial(t)
		go io.Copy(io.Discard, conn)
		io.WriteString(conn, "GET / HTTP/1.1\r\nX-Big: "+strings.Repeat("a", 8<<20)+"\r\n\r\n") // fails when the server gives up: the point
	}
	served(t, srv)
	if rss, err := srv.RSS(); err == nil && rss > 64<<20 {
		t.Errorf("server uses %d MiB after 8 huge headers, want under 64 MiB", rss>>20)
	}
	for _, c := range silent {
		if b, err := io.ReadAll(c); err != nil || len(b) > 0 {
			t.Fatalf("a silent client got %q, %v; want a clean close after %v", b, err, idleTimeout)
		}
	}
	served(t, srv)
}

// FuzzHandle feeds the request loop arbitrary bytes. Whatever they are, it
// returns, and it writes a series of well-formed HTTP/1.1 responses: at
// most one per request that parses, plus at most one 400 or 431 for a
// request that does not, and only the last may close the connection.
// The seed corpus is in testdata/fuzz/FuzzHandle.
func FuzzHandle(f *testing.F) {
	booktest.Quiet(f) // the server's log
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &booktest.Conn{In: bytes.NewReader(in)}
		handleConn(c)
		// The requests as the server read them, to read each response
		// as its client would (a response to HEAD has no body).
		var reqs []*http.Request
		rr := bufio.NewReader(bytes.NewReader(in))
		for {
			req, err := http.ReadRequest(rr)
			if err != nil {
				break
			}
			io.Copy(io.Discard, req.Body)
			reqs = append(reqs, req)
		}
		r := bufio.NewReader(&c.Out)
		continued := -1 // the request last answered with 100 Continue
		for n := 0; ; n++ {
			if _, err := r.Peek(1); err == io.EOF {
				return
			}
			// Past the requests that parse, the server answers at most
			// once more: the 400 or 431 for the one it could not read,
			// and then it closes.
			if n > len(reqs) {
				t.Fatalf("input %q: response %d, but only %d requests parse\n%q", in, n, len(reqs), c.Out.String())
			}
			var req *http.Request
			if n < len(reqs) {
				req = reqs[n]
			}
			resp, err := http.ReadResponse(r, req)
			if err != nil {
				t.Fatalf("input %q: response %d does not parse: %v\n%q", in, n, err, c.Out.String())
			}
			asked := req != nil && req.ProtoAtLeast(1, 1) && req.ContentLength != 0 &&
				strings.EqualFold(req.Header.Get("Expect"), "100-continue")
			if resp.StatusCode == http.StatusContinue {
				// An interim response, once, and only to an HTTP/1.1
				// request that asked for it and has a body (RFC 9110 §10.1.1).
				if !asked || continued == n {
					t.Fatalf("input %q: 100 Continue before response %d, to a request that did not ask for it", in, n)
				}
				continued = n
				n--
				continue
			}
			// A request that asked may get a final status without 100
			// Continue, when the server refuses it before the body
			// (RFC 9110 §10.1.1); but the server reads the body before
			// it answers 200, and a client that waits would not send it.
			if asked && continued != n && resp.StatusCode == http.StatusOK {
				t.Fatalf("input %q: response %d is 200 without 100 Continue first, to a request that asked for it", in, n)
			}
			body, err := io.ReadAll(resp.Body)
			head := req != nil && req.Method == http.MethodHead
			if err != nil || (int64(len(body)) != resp.ContentLength && !head) {
				t.Fatalf("input %q: response %d: body %q, Content-Length %d, %v", in, n, body, resp.ContentLength, err)
			}
			if resp.Close {
				if _, err := r.Peek(1); err != io.EOF {
					t.Fatalf("input %q: response %d says Connection: close, but more follows", in, n)
				}
			}
			if resp.Header.Get("Date") == "" || resp.ProtoMajor != 1 || resp.ProtoMinor != 1 {
				t.Fatalf("input %q: response %d: %s without Date", in, n, resp.Proto)
			}
			if n == len(reqs) && (!resp.Close || resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge) {
				t.Fatalf("input %q: response %d to a request that does not parse: %s close=%v, want 400 or 431 and close", in, n, resp.Status, resp.Close)
			}
		}
	})
}

func TestSanitize(t *testing.T) {
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

// proc is the server run by TestShutdown itself, which needs to signal it
// and see how it exits (booktest.Start kills its programs).
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan error
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitOutput waits until the server has printed want.
func (p *proc) waitOutput(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.Output(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not print %q:\n%s", want, p.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func startProc(t *testing.T) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(booktest.Build(t, "chapters/04/server")), done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	p.waitOutput(t, "で待ち受けています")
	return p
}

// TestShutdown: on SIGINT the server stops accepting, answers the request
// in flight (with Connection: close), closes an idle kept-alive connection
// at once, and exits 0.
func TestShutdown(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := startProc(t)

	idle := dial(t)
	write(t, idle, get("/"))
	idleR := bufio.NewReader(idle)
	read(t, idleR)

	// A request in flight: the headers and half the body.
	busy := dial(t)
	write(t, busy, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nfli")
	srv.waitOutput(t, "Accept "+busy.LocalAddr().String())

	start := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	srv.waitOutput(t, "新しいコネクションは受け付けません")
	closed(t, idleR) // at once, not after idleTimeout
	if d := time.Since(start); d > idleTimeout/2 {
		t.Errorf("the idle connection was closed %v after SIGINT, want at once", d)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the server still accepts connections after SIGINT")
	}

	write(t, busy, "ght")
	busyR := bufio.NewReader(busy)
	if resp, body := read(t, busyR); resp.StatusCode != 200 || body != "Hello flight\n" || !resp.Close {
		t.Errorf("the request in flight got %s %q close=%v, want 200, Hello flight, Connection: close", resp.Status, body, resp.Close)
	}
	closed(t, busyR)
	select {
	case err := <-srv.done:
		if err != nil {
			t.Errorf("the server ended with %v, want exit status 0\n%s", err, srv.Output())
		}
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatalf("the server did not exit after SIGINT:\n%s", srv.Output())
	}
	if out := srv.Output(); !strings.Contains(out, "すべてのコネクションを閉じたので終了します") {
		t.Errorf("no orderly exit message:\n%s", out)
	}
}
