// Tests for the chapter's keep-alive client (not part of the book's text):
// it reuses one connection, reconnects when the server closed it while
// idle, never re-sends a POST the server may have processed, and gives up
// on a server that never answers.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// fakeServer runs serve on each connection to addr and counts the
// requests it reads.
type fakeServer struct {
	mu       sync.Mutex
	conns    int
	requests []string
}

func startFake(t *testing.T, serve func(f *fakeServer, r *bufio.Reader, c net.Conn)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f := &fakeServer{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns++
			f.mu.Unlock()
			go func() {
				defer c.Close()
				serve(f, bufio.NewReader(c), c)
			}()
		}
	}()
	return f
}

// read reads one request and records its body.
func (f *fakeServer) read(r *bufio.Reader) bool {
	req, err := http.ReadRequest(r)
	if err != nil {
		return false
	}
	body, _ := io.ReadAll(req.Body)
	f.mu.Lock()
	f.requests = append(f.requests, string(body))
	f.mu.Unlock()
	return true
}

// counts returns, under the lock, a copy of the request bodies read so far
// and the number of connections accepted.
func (f *fakeServer) counts() (requests []string, conns int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests), f.conns
}

func reply(c net.Conn, body string, close bool) {
	resp := http.Response{StatusCode: 200, ProtoMajor: 1, ProtoMinor: 1, Close: close,
		ContentLength: int64(len(body)), Body: io.NopCloser(strings.NewReader(body))}
	resp.Write(c)
}

func runClient(t *testing.T) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(booktest.Build(t, "chapters/04/client"))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(pause + 4*timeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the client still runs:\n%s", out.String())
		return "", nil
	}
}

// TestReuseAndReconnect: the server answers on one connection, and
// closes it, without a word, once the client has been idle. The client
// sends its first three POSTs on one connection and notices the close
// before the fourth.
func TestReuseAndReconnect(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	f := startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		for {
			c.SetReadDeadline(time.Now().Add(pause / 2)) // the idle timeout
			if !f.read(r) {
				return
			}
			reply(c, "ok", false)
		}
	})
	out, err := runClient(t)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	requests, conns := f.counts()
	want := []string{"ASCII", "PROGRAMMING", "PLUS", "AGAIN"}
	if !slices.Equal(requests, want) {
		t.Errorf("the server got bodies %q, want %q", requests, want)
	}
	if conns != 2 {
		t.Errorf("%d connections, want 2 (one reused for three requests, one after the idle close)", conns)
	}
	if !strings.Contains(out, "接続し直します") {
		t.Errorf("the client did not say it reconnects:\n%s", out)
	}
}

// TestNoBlindRetry: the server reads the first POST and closes without an
// answer. It may have processed it, so the client must not send it again.
func TestNoBlindRetry(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	f := startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		f.read(r)
	})
	out, err := runClient(t)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\n%s", err, out)
	}
	if requests, _ := f.counts(); len(requests) != 1 {
		t.Errorf("the server got the POST %d times, want once", len(requests))
	}
	if !strings.Contains(out, "送り直しません") {
		t.Errorf("the client does not say why it gives up:\n%s", out)
	}
}

// notice is the first line of what the client says, once, when the server
// closes the connection after every response.
const notice = "このサーバーはレスポンスのたびにコネクションを閉じます"

// TestHTTP10Server: chapter 2's server, left running, answers every
// request with HTTP/1.0 and closes. The client gets its answers on a new
// connection each, says once, after the first, that this is not the
// chapter's server and what to do, and ends without waiting for an idle
// close that cannot come.
func TestHTTP10Server(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	f := startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		if f.read(r) {
			io.WriteString(c, "HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Length: 12\r\n\r\nHello World\n")
		}
	})
	start := time.Now()
	out, err := runClient(t)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if d := time.Since(start); d >= pause {
		t.Errorf("the client took %v, waiting for an idle close", d)
	}
	want := []string{"ASCII", "PROGRAMMING", "PLUS"}
	if requests, conns := f.counts(); !slices.Equal(requests, want) || conns != 3 {
		t.Errorf("the server got bodies %q on %d connections, want %q on 3", requests, conns, want)
	}
	first := `POST "ASCII" → 200 OK "Hello World\n"` + "\n" + notice + "（HTTP/1.0 のレスポンスです）。\n" +
		"第2章のサーバーが動いていませんか。その端末で Ctrl-C を押して止め、\n" +
		"go run ./chapters/04/server でこの章のサーバーを起動してください。\n"
	if !strings.Contains(out, first) || strings.Count(out, notice) != 1 {
		t.Errorf("want the notice once, right after the first response:\n%s", out)
	}
	if strings.Contains(out, "待ちます") || strings.Contains(out, "サーバーがコネクションを閉じていたので") {
		t.Errorf("the client announces keep-alive to a server that does not keep connections:\n%s", out)
	}
}

// TestResponseClose: an HTTP/1.1 server answers with Connection: close
// every time. The client opens a new connection for each request instead
// of failing, and says so once, after the second, not the first.
func TestResponseClose(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	f := startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		if f.read(r) {
			reply(c, "ok", true)
		}
	})
	out, err := runClient(t)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if requests, conns := f.counts(); len(requests) != 3 || conns != 3 {
		t.Errorf("%d requests on %d connections, want 3 on 3", len(requests), conns)
	}
	after := `POST "PROGRAMMING" → 200 OK "ok"` + "\n" + notice + "（Connection: close が続きました）。\n"
	if !strings.Contains(out, after) || strings.Count(out, notice) != 1 {
		t.Errorf("want the notice once, right after the second response:\n%s", out)
	}
}

// TestOneClose: the server closes after the first response only, as this
// chapter's server does once it begins to stop. That is no reason to blame
// the server: the client reuses the next connection and says nothing.
func TestOneClose(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	var first sync.Once
	f := startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		closeNow := false
		first.Do(func() { closeNow = true })
		for {
			c.SetReadDeadline(time.Now().Add(pause / 2)) // the idle timeout
			if !f.read(r) {
				return
			}
			reply(c, "ok", closeNow)
			if closeNow {
				return
			}
		}
	})
	out, err := runClient(t)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(out, notice) {
		t.Errorf("the client blames a server that closed once:\n%s", out)
	}
	if requests, conns := f.counts(); len(requests) != 4 || conns != 3 {
		t.Errorf("%d requests on %d connections, want 4 on 3", len(requests), conns)
	}
}

// TestSilentServer: a server that accepts and never answers; the client
// gives up at its deadline instead of blocking forever.
func TestSilentServer(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		io.Copy(io.Discard, r)
	})
	start := time.Now()
	out, err := runClient(t)
	if err == nil || !strings.Contains(out, "i/o timeout") {
		t.Fatalf("want a timeout, got %v:\n%s", err, out)
	}
	if d := time.Since(start); d < timeout {
		t.Errorf("gave up after %v, before its deadline %v", d, timeout)
	}
}

func TestNoServer(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	out, err := runClient(t)
	if err == nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, "go run ./chapters/04/server") {
		t.Fatalf("want one line telling the reader to start the server, got %v:\n%s", err, out)
	}
}

func TestIdempotent(t *testing.T) {
	for _, m := range []string{"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"} {
		if !idempotent(m) {
			t.Errorf("%s is idempotent (RFC 9110 §9.2.2)", m)
		}
	}
	for _, m := range []string{"POST", "PATCH", "CONNECT"} {
		if idempotent(m) {
			t.Errorf("%s is not idempotent", m)
		}
	}
}

// TestRetryOnce: the server answers a GET, then reads the next GET on the
// same connection and closes without an answer, and does the same on every
// new connection. The client sends that GET again once, on a new
// connection, and not a second time (RFC 9110 §9.2.2).
func TestRetryOnce(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	var first sync.Once
	f := startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		first.Do(func() {
			if f.read(r) {
				reply(c, "ok", false)
			}
		})
		f.read(r) // and close without an answer
	})
	c := &client{addr: addr}
	defer c.close()
	get := func() error {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.do(req)
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("the first GET: %v", err)
	}
	err := get()
	if err == nil || !strings.Contains(err.Error(), "もう送りません") {
		t.Fatalf("the second GET: %v, want the failed retry's error", err)
	}
	if requests, conns := f.counts(); len(requests) != 3 || conns != 2 {
		t.Errorf("the server read %d requests on %d connections, want 3 on 2 (the second GET sent twice, not more)", len(requests), conns)
	}
}

// TestNoRewind: a PUT may be sent again, but not when its body cannot be
// made again (no GetBody), as net/http's Transport refuses too.
func TestNoRewind(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	var first sync.Once
	f := startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		first.Do(func() {
			if f.read(r) {
				reply(c, "ok", false)
			}
		})
		f.read(r)
	})
	c := &client{addr: addr}
	defer c.close()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	if _, _, err := c.do(req); err != nil {
		t.Fatal(err)
	}
	// A reader NewRequest does not know: no GetBody, no ContentLength.
	body := struct{ io.Reader }{strings.NewReader("data")}
	req, _ = http.NewRequest(http.MethodPut, "http://"+addr+"/", body)
	if req.GetBody != nil {
		t.Fatal("the test's body has a GetBody")
	}
	_, _, err := c.do(req)
	if err == nil || !strings.Contains(err.Error(), "ボディを作り直せない") {
		t.Fatalf("PUT: %v, want an error saying the body cannot be made again", err)
	}
	if requests, conns := f.counts(); len(requests) != 2 || conns != 1 {
		t.Errorf("the server read %d requests on %d connections, want 2 on 1 (the PUT once)", len(requests), conns)
	}
}

// TestNoRawBytes: a status line with an escape sequence reaches the
// terminal escaped.
func TestNoRawBytes(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		for f.read(r) {
			io.WriteString(c, "HTTP/1.1 200 OK\x1b]0;pwned\a\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	out, _ := runClient(t)
	if strings.ContainsAny(out, "\x1b\a") || !strings.Contains(out, `200 OK\x1b]0;pwned\a`) {
		t.Errorf("want the status line escaped, got:\n%q", out)
	}
}

func TestSanitize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"200 OK\n", "200 OK\n"},
		{"\x1b[2J\r\xff\u202e", `\x1b[2J\r\xff\u202e`},
	} {
		if got := sanitize(c.in); got != c.want {
			t.Errorf("sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestInterimResponses: the server sends 103 Early Hints and another 1xx
// before every 200, on a connection it keeps. The client reads past them
// (RFC 9110 §15.2), says so, takes each 200 as the answer, and sends its
// three POSTs on one connection instead of reconnecting for the 200 it
// would otherwise find left unread.
func TestInterimResponses(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	f := startFake(t, func(f *fakeServer, r *bufio.Reader, c net.Conn) {
		for {
			c.SetReadDeadline(time.Now().Add(pause / 2)) // the idle timeout
			if !f.read(r) {
				return
			}
			io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"+
				"HTTP/1.1 199 Still Working\r\n\r\n")
			reply(c, "ok", false)
		}
	})
	out, err := runClient(t)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	requests, conns := f.counts()
	if want := []string{"ASCII", "PROGRAMMING", "PLUS", "AGAIN"}; !slices.Equal(requests, want) || conns != 2 {
		t.Errorf("the server got bodies %q on %d connections, want %q on 2 (three on one, one after the idle close)", requests, conns, want)
	}
	for _, msg := range []string{"ASCII", "PROGRAMMING", "PLUS", "AGAIN"} {
		if !strings.Contains(out, `POST "`+msg+`" → 200 OK "ok"`) {
			t.Errorf("no 200 for %s:\n%s", msg, out)
		}
	}
	for _, status := range []string{"103 Early Hints", "199 Still Working"} {
		if n := strings.Count(out, "途中経過のレスポンス "+status+" を受け取りました"); n != 4 {
			t.Errorf("the client says %d times that it skipped %s, want 4:\n%s", n, status, out)
		}
	}
}

// TestSwitchingProtocols: a 101 the client never asked for (it sends no
// Upgrade) is an error, not an interim response to skip: what follows it
// is not HTTP/1.1.
func TestSwitchingProtocols(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
					io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"+
						"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				}
			}()
		}
	}()
	c := &client{addr: ln.Addr().String()}
	defer c.close()
	err = c.post("ASCII")
	if err == nil || !strings.Contains(err.Error(), "頼んでいない 101 Switching Protocols") {
		t.Fatalf("post: %v, want an error about the 101", err)
	}
}

// TestBodyTooLarge: a response whose body is over maxBodyBytes (here it
// declares 256 MiB and sends as long as the client reads) ends the request
// with errBodyTooLarge after about maxBodyBytes read, not 256 MiB; a body
// of exactly maxBodyBytes is read whole.
func TestBodyTooLarge(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var sent int64
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(r)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					if req.URL.Path == "/exact" {
						reply(c, strings.Repeat("a", maxBodyBytes), false)
						continue
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 268435456\r\n\r\n")
					for range 256 << 20 / len(chunk) {
						n, err := c.Write(chunk)
						mu.Lock()
						sent += int64(n)
						mu.Unlock()
						if err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	c := &client{addr: ln.Addr().String()}
	defer c.close()
	get := func(path string) ([]byte, error) {
		req, err := http.NewRequest(http.MethodGet, "http://"+c.addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, body, err := c.do(req)
		return body, err
	}
	if body, err := get("/exact"); err != nil || len(body) != maxBodyBytes {
		t.Fatalf("a body of exactly maxBodyBytes: %d bytes, %v", len(body), err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = get("/big")
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errBodyTooLarge) || !strings.Contains(err.Error(), "バイトを超える") {
		t.Fatalf("a 256 MiB body: %v, want errBodyTooLarge", err)
	}
	if c.conn != nil {
		t.Error("the client keeps the connection with the rest of the body unread")
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("reading up to the limit allocated %d MiB", grew>>20)
	}
	mu.Lock()
	defer mu.Unlock()
	if sent >= 64<<20 {
		t.Errorf("the server sent %d MiB: the client went on reading past the limit", sent>>20)
	}
}
