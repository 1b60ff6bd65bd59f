// Tests for the chapter's server (not part of the book's text): the bad
// input it must survive, against the real program, and a fuzz test of the
// code that reads a request and answers it.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"tcpbook/internal/booktest"
)

// exchange sends req on a new connection, closes the sending side, and
// returns everything the server sends back until it closes.
func exchange(t *testing.T, req string) string {
	t.Helper()
	resp, err := tryExchange(t, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// tryExchange is exchange, returning the error of a connection the server
// reset instead of failing the test.
func tryExchange(t *testing.T, req string) (string, error) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		return "", fmt.Errorf("writing the request: %w", err)
	}
	conn.(*net.TCPConn).CloseWrite()
	resp, err := io.ReadAll(conn)
	if err != nil {
		return string(resp), fmt.Errorf("reading the response: %w (so far %q)", err, resp)
	}
	return string(resp), nil
}

// tooLarge sends a request the server will not read whole. The server
// answers 431 or 413; but it stops reading after its limit, so when the
// client is still sending, the close can reach it as a reset before the
// answer (RFC 9112 §9.6): either is a correct outcome.
func tooLarge(t *testing.T, req string) string {
	resp, err := tryExchange(t, req)
	if errors.Is(err, syscall.ECONNRESET) {
		return "reset"
	}
	if err != nil {
		t.Fatal(err)
	}
	return status(resp)
}

// served checks that the server still answers a good client.
func served(t *testing.T, srv *booktest.Server) {
	t.Helper()
	if err := srv.Alive(); err != nil {
		t.Fatal(err)
	}
	resp := exchange(t, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.0 200 OK\r\n") || !strings.HasSuffix(resp, "\r\n\r\nHello World\n") {
		t.Fatalf("a good client after the bad one got %q", resp)
	}
}

// waitLog waits until the server logs a line for the client at local
// that is local followed by one of wants.
func waitLog(t *testing.T, srv *booktest.Server, local string, wants ...string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		for line := range strings.Lines(srv.Output()) {
			if rest, ok := strings.CutPrefix(line, local); ok && slices.Contains(wants, rest) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not log %q followed by one of %q:\n%s", local, wants, srv.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func status(resp string) string {
	line, _, _ := strings.Cut(resp, "\r\n")
	return line
}

// TestBadClients runs the real program and sends it each kind of bad
// input; after each, the program is still up and serves a good client.
func TestBadClients(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, "chapters/02"), addr)
	served(t, srv)

	dial := func(t *testing.T) net.Conn {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(15 * time.Second))
		return conn
	}
	tests := []struct {
		name   string
		client func(t *testing.T) string // returns the status line, "" for a close, "reset"
		want   []string
	}{
		{"garbage", func(t *testing.T) string {
			return status(exchange(t, "\x00\xff\x16\x03\x01 garbage\r\n\r\n"))
		}, []string{"HTTP/1.0 400 Bad Request"}},
		{"connect-and-close", func(t *testing.T) string {
			conn := dial(t)
			local := conn.LocalAddr().String()
			conn.Close()
			// Nothing to answer: the server only logs it.
			booktest.WaitOutput(t, srv, local+": 何も送らずに閉じられました\n")
			return ""
		}, []string{""}},
		{"half-request", func(t *testing.T) string {
			return status(exchange(t, "GET / HTTP/1.1\r\nHost: loc"))
		}, []string{"HTTP/1.0 400 Bad Request"}},
		{"reset", func(t *testing.T) string {
			conn := dial(t)
			local, remote := conn.LocalAddr().String(), conn.RemoteAddr().String()
			io.WriteString(conn, "GET / HTTP/1.1\r\n")
			conn.(*net.TCPConn).SetLinger(0) // Close sends RST
			conn.Close()
			// The server logs the error reading the request. Linux reports
			// the reset to the first read after it, or, when the reset is
			// already done with, an end of input in the middle of the request.
			waitLog(t, srv, local,
				": read tcp "+remote+"->"+local+": read: connection reset by peer\n",
				": unexpected EOF\n")
			return ""
		}, []string{""}},
		{"huge-header", func(t *testing.T) string {
			return tooLarge(t, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 2<<20)+"\r\n\r\n")
		}, []string{"HTTP/1.0 431 Request Header Fields Too Large", "reset"}},
		{"huge-header-line", func(t *testing.T) string {
			return tooLarge(t, "GET /"+strings.Repeat("a", 2<<20))
		}, []string{"HTTP/1.0 431 Request Header Fields Too Large", "reset"}},
		{"escape-sequences", func(t *testing.T) string {
			// Control characters in a header value, the target and the body
			// are logged escaped: the server's terminal never sees them.
			resp := exchange(t, "POST /\u009b HTTP/1.1\r\nHost: x\r\nX-Title: \u009b]0;pwned\u202e\r\n"+
				"Content-Length: 13\r\n\r\n\x1b[2J\x1b[31m\a\r\xff!")
			waitLog(t, srv, `\x1b[2J\x1b[31m\a\r\xff!`, "\n")
			return status(resp)
		}, []string{"HTTP/1.0 200 OK"}},
		{"escape-sequences-in-error", func(t *testing.T) string {
			return status(exchange(t, "GET / HTTP/1.1\r\nHost: x\r\n\x1b[31mred\r\n\r\n"))
		}, []string{"HTTP/1.0 400 Bad Request"}},
		{"huge-body", func(t *testing.T) string {
			return tooLarge(t, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n"+strings.Repeat("b", 3000000))
		}, []string{"HTTP/1.0 413 Request Entity Too Large", "reset"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.client(t); !slices.Contains(tt.want, got) {
				t.Errorf("got %q, want one of %q", got, tt.want)
			}
			served(t, srv)
		})
	}
	if strings.Contains(srv.Output(), "panic") {
		t.Errorf("the server panicked:\n%s", srv.Output())
	}
	if i := strings.IndexFunc(srv.Output(), unsafeForTerminal); i >= 0 {
		t.Errorf("the server wrote a control character to the terminal at byte %d:\n%q", i, srv.Output())
	}
}

// unsafeForTerminal reports whether r, written to a terminal, could do
// more than show a character: a control character other than newline
// (ESC starts an escape sequence; CR goes back over the line), a C1
// control, a bidirectional override, or a byte that is not UTF-8.
func unsafeForTerminal(r rune) bool {
	return r != '\n' && r != '\t' && !unicode.IsPrint(r) || r == utf8.RuneError
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\nHost: x\n\n"},
		{"こんにちは\tworld\n", "こんにちは\tworld\n"},
		{"\x1b[2J\x1b]0;title\a", `\x1b[2J\x1b]0;title\a`},
		{"a\rb\r", `a\rb\r`},
		{"\u009b31m\u202e\x7f\x00", `\u009b31m\u202e\x7f\x00`},
		{"\xff\xc2", `\xff\xc2`},
		{"\ufffd", "\ufffd"}, // a real U+FFFD is a character
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzPrintable checks that whatever the bytes, printable's result has
// nothing a terminal would act on.
func FuzzPrintable(f *testing.F) {
	f.Add("GET / HTTP/1.1\r\n\x1b[31m\xff\u009b")
	f.Fuzz(func(t *testing.T, in string) {
		out := printable(in)
		if i := strings.IndexFunc(out, unsafeForTerminal); i >= 0 && !strings.Contains(in, "\ufffd") {
			t.Errorf("printable(%q) = %q: unsafe at byte %d", in, out, i)
		}
	})
}

// TestExpectContinue sends a request whose client waits for 100 Continue
// before it sends the body (RFC 9110 §10.1.1): the server must say 100
// first, and not wait for the body that will not come before it does.
func TestExpectContinue(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, "chapters/02"), addr)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	// Much less than readTimeout: a server that waits for the body first
	// would time out here.
	conn.SetDeadline(time.Now().Add(readTimeout / 2))
	r := bufio.NewReader(conn)
	const cont = "HTTP/1.1 100 Continue\r\n\r\n"
	got := make([]byte, len(cont))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != cont {
		t.Fatalf("before the body the server sent %q, %v; want %q", got, err, cont)
	}
	io.WriteString(conn, "hello")
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the body: %s, want 200 OK", resp.Status)
	}
	booktest.WaitOutput(t, srv, "Expect: 100-continue\n\nhello\n")
}

// TestSilentClients holds many connections that never send anything: the
// server keeps serving others meanwhile, and closes each silent one when
// its read deadline passes.
func TestSilentClients(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, "chapters/02"), addr)
	const n = 200
	var silent []net.Conn
	for range n {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		silent = append(silent, conn)
	}
	start := time.Now()
	served(t, srv)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a good client waited %v behind %d silent ones", d, n)
	}
	// The server gives up on each silent client after readTimeout: every
	// one sees the connection closed, with nothing sent.
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, conn := range silent {
		wg.Go(func() {
			conn.SetReadDeadline(time.Now().Add(readTimeout + 10*time.Second))
			b, err := io.ReadAll(conn)
			if err != nil || len(b) > 0 {
				errs[i] = errors.Join(err, errors.New("got "+string(b)))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Errorf("silent clients were not closed cleanly after %v: %v", readTimeout, err)
	}
	served(t, srv)
}

// TestMemoryBounded sends many huge headers at once: the server's memory
// stays bounded, since it reads at most maxHeaderBytes of each.
func TestMemoryBounded(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, "chapters/02"), addr)
	big := "GET / HTTP/1.1\r\nX-Big: " + strings.Repeat("a", 8<<20) + "\r\n\r\n"
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range 16 {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				errs[i] = err // without the connection, the check below proves nothing
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(15 * time.Second))
			go io.Copy(io.Discard, conn)
			io.WriteString(conn, big) // fails once the server has closed: that is the point
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("not every client could connect: %v", err)
	}
	rss, err := srv.RSS()
	if err != nil {
		t.Skipf("cannot read the server's memory here: %v", err)
	}
	// 16 clients sent 128 MiB in all; the server keeps at most about
	// 1 MiB of each, plus its own few MiB.
	const limit = 64 << 20
	if rss > limit {
		t.Errorf("server uses %d MiB after 16 huge headers, want under %d MiB", rss>>20, limit>>20)
	}
	t.Logf("server RSS after 16 × 8 MiB headers: %d MiB", rss>>20)
	served(t, srv)
}

// checkResponse checks what handle wrote for one input: nothing (the
// connection is just closed), or one well-formed HTTP/1.0 response that
// closes the connection.
func checkResponse(t *testing.T, in, out []byte) {
	if len(out) == 0 {
		return
	}
	// A response to HEAD has no body: read it as the client would.
	req, _ := http.ReadRequest(bufio.NewReader(bytes.NewReader(in)))
	// 100 Continue comes first only when an HTTP/1.1 request with a body
	// asks for it (RFC 9110 §10.1.1); never to HTTP/1.0 (§15.2).
	out, cont := bytes.CutPrefix(out, []byte(continueLine))
	asked := req != nil && req.ProtoAtLeast(1, 1) && req.ContentLength != 0 &&
		strings.EqualFold(req.Header.Get("Expect"), "100-continue")
	if cont && !asked {
		t.Errorf("input %q: 100 Continue to a request that did not ask for it\n%q", in, out)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), req)
	if err != nil {
		t.Fatalf("input %q: response does not parse: %v\n%q", in, err, out)
	}
	// A request that asked may still get a final status without 100
	// Continue: the server refuses it before the body (RFC 9110 §10.1.1),
	// as it does a request without Host. But this server reads the body
	// before it answers 200 or 413, and a client that waits for 100
	// Continue would not have sent it.
	if asked && !cont && (resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusRequestEntityTooLarge) {
		t.Errorf("input %q: %s without 100 Continue first, to a request that asked for it\n%q", in, resp.Status, out)
	}
	head := req != nil && req.Method == http.MethodHead
	if head && !bytes.HasSuffix(out, []byte("\r\n\r\n")) {
		t.Errorf("input %q: a response to HEAD has a body (RFC 9110 §9.3.2)\n%q", in, out)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("input %q: response body: %v\n%q", in, err, out)
	}
	switch {
	case resp.ProtoMajor != 1 || resp.ProtoMinor != 0:
		t.Errorf("input %q: %s, want HTTP/1.0", in, resp.Proto)
	case !resp.Close || resp.Header.Get("Connection") != "close":
		t.Errorf("input %q: response does not say Connection: close\n%q", in, out)
	case resp.ContentLength != int64(len(body)) && !head:
		t.Errorf("input %q: Content-Length %d, body %d bytes", in, resp.ContentLength, len(body))
	case resp.Header.Get("Date") == "":
		t.Errorf("input %q: no Date header", in)
	case resp.StatusCode == http.StatusOK && !head && string(body) != "Hello World\n":
		t.Errorf("input %q: 200 with body %q", in, body)
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusRequestHeaderFieldsTooLarge:
	default:
		t.Errorf("input %q: unexpected status %s", in, resp.Status)
	}
}

const continueLine = "HTTP/1.1 100 Continue\r\n\r\n"

func TestHandle(t *testing.T) {
	booktest.Quiet(t)
	tests := []struct {
		in, status string
	}{
		{"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "HTTP/1.0 200 OK"},
		{"GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK"},
		{"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 200 OK"},
		{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.0 200 OK"},
		{"", ""},
		{"hello\r\n\r\n", "HTTP/1.0 400 Bad Request"},
		{"GET / HTTP/1.1\r\n\r\n", "HTTP/1.0 400 Bad Request"}, // HTTP/1.1 needs Host (RFC 9112 §3.2)
		// More than one Host line: 400 whatever the version (RFC 9112 §3.2);
		// ReadRequest itself refuses them.
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "HTTP/1.0 400 Bad Request"},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "HTTP/1.0 400 Bad Request"},
		{"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", "HTTP/1.0 400 Bad Request"},
		// An empty Host leaves no authority for an http URI: the server may
		// reject it (RFC 9112 §3.3), and this one does, as the book says.
		{"GET / HTTP/1.1\r\nHost:\r\n\r\n", "HTTP/1.0 400 Bad Request"},
		// The absolute form must be accepted (RFC 9112 §3.2.2); its host
		// wins over the Host header.
		{"GET http://localhost/ HTTP/1.1\r\nHost: localhost\r\n\r\n", "HTTP/1.0 200 OK"},
		{"GET http://localhost/ HTTP/1.1\r\nHost:\r\n\r\n", "HTTP/1.0 200 OK"},
		{"GET /" + strings.Repeat("a", maxHeaderBytes), "HTTP/1.0 431 Request Header Fields Too Large"},
		{"GET / HTTP/1.1\r\nHost", "HTTP/1.0 400 Bad Request"},
		{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort", "HTTP/1.0 400 Bad Request"},
		{"GET / HTTP/1.1\r\nX: " + strings.Repeat("a", maxHeaderBytes) + "\r\n\r\n", "HTTP/1.0 431 Request Header Fields Too Large"},
		{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" + strings.Repeat("b", 2000000), "HTTP/1.0 413 Request Entity Too Large"},
		// Expect: 100-continue is answered before the body is read, only
		// for HTTP/1.1 and only when a body follows (RFC 9110 §10.1.1).
		{"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.1 100 Continue"},
		{"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "HTTP/1.1 100 Continue"},
		{"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.0 200 OK"},
		{"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n", "HTTP/1.0 200 OK"},
	}
	for _, tt := range tests {
		c := &booktest.Conn{In: strings.NewReader(tt.in)}
		handle(c)
		if got := status(c.Out.String()); got != tt.status {
			t.Errorf("input %.40q: status %q, want %q", tt.in, got, tt.status)
		}
		checkResponse(t, []byte(tt.in), c.Out.Bytes())
	}
}

// FuzzHandle feeds handle arbitrary bytes. Whatever they are, it returns,
// and it writes nothing or one well-formed HTTP/1.0 response. The seed
// corpus is in testdata/fuzz/FuzzHandle.
func FuzzHandle(f *testing.F) {
	booktest.Quiet(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &booktest.Conn{In: bytes.NewReader(in)}
		handle(c)
		checkResponse(t, in, c.Out.Bytes())
	})
}
