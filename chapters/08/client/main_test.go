// Tests for the chapter's pipelining client (not part of the book's text):
// fake servers that answer late, answer too few, answer what cannot be
// framed, answer without bodies, or never answer.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fake is a server on a port of its own. serve runs once per connection
// with the connection's number (0 for the first).
type fake struct {
	ln       net.Listener
	mu       sync.Mutex
	requests []string // "METHOD PATH" in the order received, over all connections
	conns    int
}

func startFake(t *testing.T, serve func(f *fake, n int, r *bufio.Reader, c net.Conn)) *fake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			n := f.conns
			f.conns++
			f.mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				serve(f, n, bufio.NewReader(c), c)
			})
		}
	})
	return f
}

// read reads one request and its body, and records it.
func (f *fake) read(r *bufio.Reader) (*http.Request, bool) {
	req, err := http.ReadRequest(r)
	if err != nil {
		return nil, false
	}
	io.Copy(io.Discard, req.Body)
	f.mu.Lock()
	f.requests = append(f.requests, req.Method+" "+req.URL.Path)
	f.mu.Unlock()
	return req, true
}

func (f *fake) counts() (map[string]int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]int{}
	for _, r := range f.requests {
		seen[r]++
	}
	return seen, f.conns
}

// answer writes an HTTP/1.1 response whose body names the request.
func answer(c net.Conn, req *http.Request) {
	body := req.Method + " " + req.URL.Path
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(body))
	if req.Method != http.MethodHead {
		io.WriteString(c, body)
	}
}

// echo answers every request in order until the client closes.
func echo(f *fake, _ int, r *bufio.Reader, c net.Conn) {
	for {
		req, ok := f.read(r)
		if !ok {
			return
		}
		answer(c, req)
	}
}

func newTestClient(f *fake, out io.Writer) *client {
	c := newClient(f.ln.Addr().String(), out)
	c.timeout = 2 * time.Second
	return c
}

// send runs the client against f with reqs and returns its output.
func send(t *testing.T, f *fake, reqs ...*http.Request) (string, error) {
	t.Helper()
	var out strings.Builder
	c := newTestClient(f, &out)
	defer c.close()
	done := make(chan error, 1)
	go func() { done <- c.send(reqs...) }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(20 * time.Second):
		t.Fatalf("the client hangs; so far:\n%s", out.String())
		return "", nil
	}
}

func gets(paths ...string) []*http.Request {
	var reqs []*http.Request
	for _, p := range paths {
		reqs = append(reqs, get(p))
	}
	return reqs
}

// The responses are matched to the requests in order, on one connection.
func TestPipelineInOrder(t *testing.T) {
	f := startFake(t, echo)
	out, err := send(t, f, gets("/1", "/2", "/3", "/4", "/5", "/6")...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for i := 1; i <= 6; i++ {
		if want := fmt.Sprintf("受け取る GET /%d → 200 OK \"GET /%d\"", i, i); !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if _, conns := f.counts(); conns != 1 {
		t.Errorf("%d connections, want 1", conns)
	}
}

// A server that answers only once it has three requests on the
// connection: the client must have three outstanding, not wait after one.
func TestServerWaitsForThree(t *testing.T) {
	if depth < 3 {
		t.Fatalf("depth %d: a server that waits for three requests deadlocks", depth)
	}
	f := startFake(t, func(f *fake, _ int, r *bufio.Reader, c net.Conn) {
		for {
			var batch []*http.Request
			for range 3 {
				req, ok := f.read(r)
				if !ok {
					return
				}
				batch = append(batch, req)
			}
			for _, req := range batch {
				answer(c, req)
			}
		}
	})
	out, err := send(t, f, gets("/1", "/2", "/3", "/4", "/5", "/6")...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// The requests written before the first response is read: depth of them.
func TestWritesBeforeReading(t *testing.T) {
	f := startFake(t, echo)
	out, err := send(t, f, gets("/1", "/2", "/3", "/4", "/5", "/6")...)
	if err != nil {
		t.Fatal(err)
	}
	first := strings.Index(out, "受け取る")
	if n := strings.Count(out[:first], "送る"); n != depth {
		t.Errorf("%d requests written before the first response, want %d\n%s", n, depth, out)
	}
}

// POST is sent alone: after every earlier response, and nothing after it
// until its response.
func TestPostAlone(t *testing.T) {
	f := startFake(t, echo)
	out, err := send(t, f, get("/1"), get("/2"), post("/", "x"), get("/3"))
	if err != nil {
		t.Fatal(err)
	}
	want := "送る     GET /1\n送る     GET /2\n受け取る GET /1"
	if !strings.Contains(out, want) {
		t.Errorf("no %q in\n%s", want, out)
	}
	want = "受け取る GET /2 → 200 OK \"GET /2\"（0s）\n送る     POST /\n受け取る POST /"
	if !strings.Contains(out, want) {
		t.Errorf("no %q in\n%s", want, out)
	}
}

// HEAD, 204 and 304 responses have no body, whatever their headers say;
// reading one as if it had would eat the next response.
func TestNoBody(t *testing.T) {
	f := startFake(t, func(f *fake, _ int, r *bufio.Reader, c net.Conn) {
		for {
			req, ok := f.read(r)
			if !ok {
				return
			}
			switch req.URL.Path {
			case "/head":
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")
			case "/204":
				io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
			case "/304":
				io.WriteString(c, "HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n")
			case "/hints":
				io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
				answer(c, req)
			default:
				answer(c, req)
			}
		}
	})
	out, err := send(t, f, head("/head"), get("/204"), get("/304"), get("/hints"), get("/last"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		`HEAD /head → 200 OK ""`, `GET /204 → 204 No Content ""`, `GET /304 → 304 Not Modified ""`,
		`GET /hints → 200 OK "GET /hints"`, `GET /last → 200 OK "GET /last"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// A server that answers two requests per connection and closes: the
// unanswered ones go once more on a new connection, the first of them
// alone; what is still unanswered then is reported, and nothing is sent
// a third time.
func TestFewerAnswers(t *testing.T) {
	f := startFake(t, func(f *fake, _ int, r *bufio.Reader, c net.Conn) {
		for range 2 {
			req, ok := f.read(r)
			if !ok {
				return
			}
			answer(c, req)
		}
	})
	out, err := send(t, f, gets("/1", "/2", "/3", "/4", "/5")...)
	if err == nil {
		t.Fatalf("no error\n%s", out)
	}
	seen, conns := f.counts()
	if conns != 2 {
		t.Errorf("%d connections, want 2\n%s", conns, out)
	}
	for r, n := range seen {
		if n > 2 {
			t.Errorf("%s sent %d times\n%s", r, n, out)
		}
	}
	if !strings.Contains(out, "答えのない 3 個のうち 3 個を、新しいコネクションで送り直します") {
		t.Errorf("no retry reported\n%s", out)
	}
	// On the new connection, /3 goes alone: /4 is written after its response.
	if i, j := strings.LastIndex(out, "送る     GET /3"), strings.LastIndex(out, "受け取る GET /3"); !(i < j && !strings.Contains(out[i+1:j], "送る")) {
		t.Errorf("pipelined at once on the retry connection\n%s", out)
	}
	for _, want := range []string{"答えの届かなかったリクエストが 1 個あります", "GET /5", "送り直しても失敗したので、もう送りません"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// A POST whose connection closes before its response is not sent again;
// the GET after it, never sent, goes on a new connection.
func TestPostNotResent(t *testing.T) {
	f := startFake(t, func(f *fake, n int, r *bufio.Reader, c net.Conn) {
		for {
			req, ok := f.read(r)
			if !ok {
				return
			}
			if n == 0 && req.Method == http.MethodPost {
				return // close without answering
			}
			answer(c, req)
		}
	})
	out, err := send(t, f, get("/1"), post("/", "x"), get("/2"))
	if err == nil || !strings.Contains(err.Error(), "サーバーが処理したかもしれないので送り直しません") {
		t.Fatalf("error %v\n%s", err, out)
	}
	seen, _ := f.counts()
	if seen["POST /"] != 1 || seen["GET /2"] != 1 {
		t.Errorf("requests %v, want POST / and GET /2 once each\n%s", seen, out)
	}
}

// A response the client cannot frame: an error, no retry, and the
// requests behind it are reported, not resent.
func TestUnframeable(t *testing.T) {
	f := startFake(t, func(f *fake, _ int, r *bufio.Reader, c net.Conn) {
		f.read(r)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\nHello World\n")
		io.Copy(io.Discard, r)
	})
	out, err := send(t, f, gets("/1", "/2", "/3")...)
	if err == nil || !strings.Contains(err.Error(), "レスポンスの区切りが分かりません") ||
		!strings.Contains(err.Error(), "サーバーが閉じたのではないので、送り直しません") {
		t.Fatalf("error %v\n%s", err, out)
	}
	if _, conns := f.counts(); conns != 1 {
		t.Errorf("%d connections, want 1", conns)
	}
}

// A server that reads and never answers: the client gives up at its
// deadline and sends nothing again.
func TestNeverAnswers(t *testing.T) {
	f := startFake(t, func(f *fake, _ int, r *bufio.Reader, c net.Conn) {
		for {
			if _, ok := f.read(r); !ok {
				return
			}
		}
	})
	var out strings.Builder
	c := newTestClient(f, &out)
	c.timeout = 300 * time.Millisecond
	defer c.close()
	start := time.Now()
	err := c.send(gets("/1", "/2", "/3")...)
	if err == nil || !strings.Contains(err.Error(), "待ってもレスポンスが届きません") {
		t.Fatalf("error %v\n%s", err, out.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	seen, conns := f.counts()
	if conns != 1 || len(seen) != 3 {
		t.Errorf("%d connections, requests %v; want each once on one\n%s", conns, seen, out.String())
	}
}

// Chapter 2's server answers HTTP/1.0 and closes: the client says so once,
// and gets every answer on a connection each.
func TestHTTP10Server(t *testing.T) {
	f := startFake(t, func(f *fake, _ int, r *bufio.Reader, c net.Conn) {
		if _, ok := f.read(r); ok {
			io.WriteString(c, "HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Length: 12\r\n\r\nHello World\n")
		}
	})
	out, err := send(t, f, gets("/1", "/2", "/3")...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := strings.Count(out, "第2章のサーバーが動いていませんか"); n != 1 {
		t.Errorf("told %d times\n%s", n, out)
	}
	if _, conns := f.counts(); conns != 3 {
		t.Errorf("%d connections, want 3", conns)
	}
}

// A server that answers /slow at once is not this chapter's.
func TestWrongSlow(t *testing.T) {
	f := startFake(t, echo)
	out, err := send(t, f, get("/slow"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "/slow に、待たずに答えるサーバーです") {
		t.Errorf("not told\n%s", out)
	}
}

func TestNoServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	c := newClient(a, io.Discard)
	err = c.send(get("/"))
	if err == nil || !strings.Contains(err.Error(), "go run ./chapters/08/server") {
		t.Fatalf("error %v", err)
	}
}

func TestMayPipeline(t *testing.T) {
	x := func(r *http.Request) *exchange { return &exchange{req: r} }
	for _, tt := range []struct {
		outstanding []*exchange
		req         *http.Request
		want        bool
	}{
		{nil, post("/", "x"), true},
		{[]*exchange{x(get("/"))}, head("/"), true},
		{[]*exchange{x(get("/"))}, post("/", "x"), false},
		{[]*exchange{x(post("/", "x"))}, get("/"), false},
	} {
		if got := mayPipeline(tt.outstanding, tt.req); got != tt.want {
			t.Errorf("mayPipeline(%d outstanding, %s) = %v", len(tt.outstanding), tt.req.Method, got)
		}
	}
}

// A response that declares 256 MiB and sends as long as the client reads:
// the client stops after maxBodyBytes, says why, does not send the
// requests again for the same body, and does not go on receiving the rest.
func TestBodyTooLarge(t *testing.T) {
	var mu sync.Mutex
	var sent int64
	chunk := []byte(strings.Repeat("a", 64<<10))
	f := startFake(t, func(f *fake, _ int, r *bufio.Reader, c net.Conn) {
		if _, ok := f.read(r); !ok {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 268435456\r\n\r\n")
		for range (256 << 20) / len(chunk) {
			n, err := c.Write(chunk)
			mu.Lock()
			sent += int64(n)
			mu.Unlock()
			if err != nil {
				return
			}
		}
	})
	out, err := send(t, f, gets("/1", "/2")...)
	if err == nil || !strings.Contains(err.Error(), "バイトを超えるので、読むのをやめました") ||
		!strings.Contains(err.Error(), "送り直しません") {
		t.Fatalf("error %v\n%s", err, out)
	}
	if _, conns := f.counts(); conns != 1 {
		t.Errorf("%d connections, want 1 (nothing sent again)", conns)
	}
	mu.Lock()
	defer mu.Unlock()
	if sent >= 64<<20 {
		t.Errorf("the server sent %d MiB: the client went on reading past the limit", sent>>20)
	}
}
