// Tests for the chapter's chunked transfer coding (not part of the book's
// text): the chunk reader against RFC 9112 §7.1 and, by differential
// fuzzing, against net/http's own reader; the framing rules of RFC 9112
// §6; and the real program streaming its body and refusing bad requests.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// readChunked reads a chunked body with the chapter's reader: the body,
// the trailer, and how many bytes of in it consumed.
func readChunked(in []byte) ([]byte, http.Header, int, error) {
	src := bytes.NewReader(in)
	br := bufio.NewReader(src)
	cr := &chunkReader{r: br}
	body, err := io.ReadAll(cr)
	return body, cr.trailer, len(in) - src.Len() - br.Buffered(), err
}

// readChunkedStd reads the same with net/http's pieces, as a server built
// on net/http does: httputil.NewChunkedReader for the chunks, then
// textproto's ReadMIMEHeader for the trailer section.
func readChunkedStd(in []byte) ([]byte, http.Header, int, int, error) {
	src := bytes.NewReader(in)
	br := bufio.NewReader(src)
	body, err := io.ReadAll(httputil.NewChunkedReader(br))
	consumed := func() int { return len(in) - src.Len() - br.Buffered() }
	if err != nil {
		return nil, nil, 0, 0, err
	}
	start := consumed()
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return nil, nil, 0, 0, err
	}
	return body, http.Header(h), consumed(), consumed() - start, nil
}

func TestChunkReader(t *testing.T) {
	for _, c := range []struct {
		name, in, body string
		trailer        http.Header
		ok             bool
	}{
		{"one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello", nil, true},
		{"two chunks", "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "abcde", nil, true},
		{"empty body", "0\r\n\r\n", "", nil, true},
		{"upper-case hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", nil, true},
		{"leading zeros", "0005\r\nhello\r\n0\r\n\r\n", "hello", nil, true},
		{"extensions ignored (§7.1.1)", "5;name=value;x\r\nhello\r\n0;last\r\n\r\n", "hello", nil, true},
		{"quoted extension", "5;a=\"b;c\"\r\nhello\r\n0\r\n\r\n", "hello", nil, true},
		{"trailing whitespace", "5 \t\r\nhello\r\n0\r\n\r\n", "hello", nil, true},
		{"trailer (§7.1.2)", "5\r\nhello\r\n0\r\nX-Sum: 42\r\nX-Other: a\r\n\r\n", "hello", http.Header{"X-Sum": {"42"}, "X-Other": {"a"}}, true},
		{"trailer with bare LF", "5\r\nhello\r\n0\r\nX-Sum: 42\n\n", "hello", http.Header{"X-Sum": {"42"}}, true},
		{"16 hex digits is the most", "0000000000000005\r\nhello\r\n0\r\n\r\n", "hello", nil, true},
		// bad input
		{"size not hex", "zz\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"size with 0x", "0x5\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"negative size", "-5\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"empty size", "\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"size overflow", "ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"17 digits", "00000000000000005\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"whitespace before extension", "5 ;x\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"bare LF after size", "5\nhello\r\n0\r\n\r\n", "", nil, false},
		{"CR inside size line", "5\r;x\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"missing CRLF after data", "5\r\nhelloXX0\r\n\r\n", "", nil, false},
		{"data longer than size", "3\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"cut in data", "5\r\nhel", "", nil, false},
		{"cut after data", "5\r\nhello", "", nil, false},
		{"no last chunk", "5\r\nhello\r\n", "", nil, false},
		{"no end of trailer", "5\r\nhello\r\n0\r\nX: y\r\n", "", nil, false},
		{"endless trailer", "0\r\n" + strings.Repeat("X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 200) + "\r\n", "", nil, false},
		{"malformed trailer line", "0\r\nno colon\r\n\r\n", "", nil, false},
		{"long size line", "5;" + strings.Repeat("x", 5000) + "\r\nhello\r\n0\r\n\r\n", "", nil, false},
		{"too much non-data", strings.Repeat("1;"+strings.Repeat("x", 1000)+"\r\na\r\n", 20) + "0\r\n\r\n", "", nil, false},
	} {
		body, trailer, n, err := readChunked([]byte(c.in))
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %q: %v", c.name, c.in, err)
		case !c.ok && err == nil:
			t.Errorf("%s: %q: read %q, want an error", c.name, c.in, body)
		case c.ok && (string(body) != c.body || n != len(c.in) || fmt.Sprint(trailer) != fmt.Sprint(c.trailer) && len(c.trailer) > 0):
			t.Errorf("%s: %q: body %q, trailer %v, %d bytes; want %q, %v, %d", c.name, c.in, body, trailer, n, c.body, c.trailer, len(c.in))
		}
	}
}

// The reader stops right after the chunked body: what follows is the next
// request, untouched.
func TestChunkReaderStopsAtEnd(t *testing.T) {
	in := "5\r\nhello\r\n0\r\nX: y\r\n\r\nGET / HTTP/1.1\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	if body, err := io.ReadAll(&chunkReader{r: br}); err != nil || string(body) != "hello" {
		t.Fatalf("got %q, %v", body, err)
	}
	if rest, _ := io.ReadAll(br); string(rest) != "GET / HTTP/1.1\r\n" {
		t.Errorf("left %q, want the next request", rest)
	}
}

// FuzzChunked: the chapter's chunk reader and net/http's read the same
// input into the same body, trailer and end, or both fail. The only
// difference allowed is the chapter's bound on the trailer section,
// maxTrailerBytes, which net/http's reader and textproto do not have.
// The seed corpus is the cases of TestChunkReader and testdata/fuzz.
func FuzzChunked(f *testing.F) {
	for _, s := range []string{
		"5\r\nhello\r\n0\r\n\r\n", "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "0\r\n\r\n",
		"5;name=value\r\nhello\r\n0;x\r\nA: b\r\n\r\n", "5 \r\nhello\r\n0\r\n\r\n", "5 ;x\r\nhello\r\n0\r\n\r\n",
		"zz\r\n", "ffffffffffffffffffff\r\n", "5\r\nhelloXX0\r\n\r\n", "5\nhello\r\n0\r\n\r\n",
		"0\r\nA: b\n\n", "0\r\n a: b\r\n\r\n", "0\r\nA: b\r\n c\r\n\r\n", "1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		body, trailer, n, err := readChunked(in)
		stdBody, stdTrailer, stdN, trailerBytes, stdErr := readChunkedStd(in)
		switch {
		case err == nil && stdErr != nil:
			t.Fatalf("input %q: the chapter's reader read %q, net/http's failed: %v", in, body, stdErr)
		case err != nil && stdErr == nil && trailerBytes > maxTrailerBytes:
			// the chapter's bound on the trailer: fine
		case err != nil && stdErr == nil:
			t.Fatalf("input %q: the chapter's reader failed (%v), net/http's read %q", in, err, stdBody)
		case err == nil && (!bytes.Equal(body, stdBody) || n != stdN || fmt.Sprint(trailer) != fmt.Sprint(stdTrailer)):
			t.Fatalf("input %q: the chapter's reader read %q, %v, %d bytes; net/http's %q, %v, %d bytes", in, body, trailer, n, stdBody, stdTrailer, stdN)
		}
	})
}

func TestFraming(t *testing.T) {
	for _, c := range []struct {
		te                  string // "" for none
		cl                  bool
		chunked, withLength bool
		status              int
	}{
		{"", false, false, false, 0},
		{"", true, false, false, 0},
		{"chunked", false, true, false, 0},
		{"Chunked", false, true, false, 0},
		{"chunked", true, true, true, 0},
		{"gzip, chunked", false, false, false, http.StatusNotImplemented},
		{"foo, chunked", false, false, false, http.StatusNotImplemented},
		{"chunked, gzip", false, false, false, http.StatusBadRequest},
		{"gzip", false, false, false, http.StatusBadRequest},
		{"chunked, chunked", false, false, false, http.StatusBadRequest},
		{" ", false, false, false, http.StatusBadRequest},
	} {
		head := "POST / HTTP/1.1\r\nHost: x\r\n"
		if c.te != "" {
			head += "Transfer-Encoding: " + c.te + "\r\n"
		}
		if c.cl {
			head += "Content-Length: 5\r\n"
		}
		chunked, withLength, status, err := framing([]byte(head + "\r\n"))
		if chunked != c.chunked || withLength != c.withLength || status != c.status || (err != nil) != (status != 0) {
			t.Errorf("Transfer-Encoding %q, Content-Length %v: got %v %v %d %v; want %v %v %d", c.te, c.cl, chunked, withLength, status, err, c.chunked, c.withLength, c.status)
		}
	}
	// several header lines are one list (RFC 9110 §5.3)
	if _, _, status, _ := framing([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")); status != http.StatusNotImplemented {
		t.Errorf("gzip and chunked on two lines: %d, want 501", status)
	}
}

// chunks reads a chunked body from r as it comes, chunk by chunk, and
// returns each chunk's data and the trailer.
func chunks(t *testing.T, r *bufio.Reader) ([]string, http.Header) {
	t.Helper()
	var out []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a chunk size: %v", err)
		}
		var size int
		if _, err := fmt.Sscanf(line, "%x\r\n", &size); err != nil {
			t.Fatalf("chunk size line %q: %v", line, err)
		}
		if size == 0 {
			h, err := textproto.NewReader(r).ReadMIMEHeader()
			if err != nil {
				t.Fatalf("reading the trailer: %v", err)
			}
			return out, http.Header(h)
		}
		data := make([]byte, size+2)
		if _, err := io.ReadFull(r, data); err != nil || string(data[size:]) != "\r\n" {
			t.Fatalf("chunk data: %q, %v", data, err)
		}
		out = append(out, string(data[:size]))
	}
}

// readHeader reads a response's status line and header, leaving the body.
func readHeader(t *testing.T, r *bufio.Reader) (string, http.Header) {
	t.Helper()
	tp := textproto.NewReader(r)
	status, err := tp.ReadLine()
	if err != nil {
		t.Fatal(err)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatal(err)
	}
	return status, http.Header(h)
}

func digestOf(chunks []string) string {
	sum := sha256.Sum256([]byte(strings.Join(chunks, "")))
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

func TestStream(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, "chapters/07/server"), addr)

	t.Run("chunked", func(t *testing.T) {
		conn := dial(t)
		r := bufio.NewReader(conn)
		start := time.Now()
		write(t, conn, get("/"))
		status, h := readHeader(t, r)
		if d := time.Since(start); d > linePause*lineCount/2 {
			t.Errorf("the header came after %v, want before the body is produced", d)
		}
		if status != "HTTP/1.1 200 OK" || h.Get("Transfer-Encoding") != "chunked" || h.Get("Trailer") != "Content-Digest" ||
			h.Get("Content-Length") != "" || h.Get("Vary") != "Accept-Encoding" || h.Get("Connection") != "" {
			t.Fatalf("%s %v", status, h)
		}
		got, trailer := chunks(t, r)
		if len(got) != lineCount || strings.Join(got, "") != lines() {
			t.Errorf("chunks %q, want one per line", got)
		}
		if trailer.Get("Content-Digest") != digestOf(got) {
			t.Errorf("trailer %v, want Content-Digest %s", trailer, digestOf(got))
		}
		// the connection goes on after a chunked response
		write(t, conn, post("again", "Connection: close\r\n"))
		if resp, body := read(t, r); resp.StatusCode != 200 || body != "Hello again\n" {
			t.Errorf("after the chunked response: %s %q", resp.Status, body)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		conn := dial(t)
		r := bufio.NewReader(conn)
		write(t, conn, get("/", "Accept-Encoding: gzip\r\n", "Connection: close\r\n"))
		_, h := readHeader(t, r)
		if h.Get("Content-Encoding") != "gzip" || h.Get("Transfer-Encoding") != "chunked" || h.Get("Connection") != "close" {
			t.Fatalf("header %v", h)
		}
		got, trailer := chunks(t, r)
		// each line's chunk decodes on its own, as it arrives
		pr, pw := io.Pipe()
		go func() {
			for _, c := range got {
				pw.Write([]byte(c))
			}
			pw.Close()
		}()
		zr, err := gzip.NewReader(pr)
		if err != nil {
			t.Fatal(err)
		}
		all, err := io.ReadAll(zr)
		if err != nil || string(all) != lines() {
			t.Errorf("decoded %q, %v", all, err)
		}
		if len(got) != lineCount+1 { // and the end of the gzip stream
			t.Errorf("%d chunks, want %d", len(got), lineCount+1)
		}
		if trailer.Get("Content-Digest") != digestOf(got) {
			t.Errorf("trailer %v, want the digest of the gzip bytes", trailer)
		}
		closed(t, r)
	})
	t.Run("http10", func(t *testing.T) {
		conn := dial(t)
		r := bufio.NewReader(conn)
		write(t, conn, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		_, h := readHeader(t, r)
		if h.Get("Transfer-Encoding") != "" || h.Get("Content-Length") != "" || h.Get("Connection") != "close" {
			t.Fatalf("header %v, want no length and Connection: close", h)
		}
		if body, err := io.ReadAll(r); err != nil || string(body) != lines() {
			t.Errorf("body to the close: %q, %v", body, err)
		}
	})
	t.Run("head", func(t *testing.T) {
		conn := dial(t)
		r := bufio.NewReader(conn)
		start := time.Now()
		write(t, conn, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"+post("x"))
		_, h := readHeader(t, r)
		if h.Get("Transfer-Encoding") != "chunked" || time.Since(start) > linePause {
			t.Errorf("HEAD: %v after %v", h, time.Since(start))
		}
		if resp, body := read(t, r); body != "Hello x\n" {
			t.Errorf("after HEAD: %s %q (a body was sent to HEAD?)", resp.Status, body)
		}
	})
	t.Run("buffered", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, get("/buffered", "Connection: close\r\n"))
		resp, body := read(t, bufio.NewReader(conn))
		if resp.ContentLength != int64(len(lines())) || body != lines() || len(resp.TransferEncoding) > 0 {
			t.Errorf("GET /buffered: %v %q", resp, body)
		}
	})
	t.Run("not-acceptable", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, get("/", "Accept-Encoding: identity;q=0\r\n"))
		if resp, _ := read(t, bufio.NewReader(conn)); resp.StatusCode != http.StatusNotAcceptable {
			t.Errorf("got %s, want 406", resp.Status)
		}
	})
	t.Run("malformed-q", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, get("/", "Accept-Encoding: gzip;q=2, identity;q=x\r\n", "Connection: close\r\n"))
		_, h := readHeader(t, bufio.NewReader(conn))
		if h.Get("Content-Encoding") != "" || h.Get("Transfer-Encoding") != "chunked" {
			t.Errorf("header %v, want no gzip (the malformed members ignored)", h)
		}
	})
	t.Run("chunked-request", func(t *testing.T) {
		conn := dial(t)
		r := bufio.NewReader(conn)
		write(t, conn, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n")
		if resp, body := read(t, r); resp.StatusCode != 200 || body != "Hello abcde\n" || resp.Close {
			t.Fatalf("got %s %q close=%v", resp.Status, body, resp.Close)
		}
		booktest.WaitOutput(t, srv, "X-Sum: 5")
		// kept alive: chunked alone is not ambiguous
		write(t, conn, post("more", "Connection: close\r\n"))
		if _, body := read(t, r); body != "Hello more\n" {
			t.Errorf("the next request got %q", body)
		}
	})
	served(t, srv)
}

// TestBadRequests: each bad request is answered with the right status and
// the connection closed (nothing after it is read as a request), and the
// server serves the next client.
func TestBadRequests(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, "chapters/07/server"), addr)
	const next = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
	te := func(coding, body string) string {
		return "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding + "\r\n\r\n" + body
	}
	for _, c := range []struct {
		name, in string
		status   int
	}{
		{"size not hex", te("chunked", "zz\r\nhello\r\n0\r\n\r\n"), 400},
		{"size overflow", te("chunked", "ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 400},
		{"missing CRLF after data", te("chunked", "5\r\nhelloXX0\r\n\r\n"), 400},
		{"bare LF", te("chunked", "5\nhello\r\n0\r\n\r\n"), 400},
		{"unknown coding", te("gzip, chunked", "0\r\n\r\n"), 501},
		{"chunked not last", te("chunked, gzip", "0\r\n\r\n"), 400},
		{"only an unknown coding", te("foo", "0\r\n\r\n"), 400},
		{"chunked twice", te("chunked, chunked", "0\r\n\r\n"), 400},
		{"HTTP/1.0 with Transfer-Encoding", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"endless trailer", te("chunked", "0\r\n"+strings.Repeat("X-Pad: "+strings.Repeat("a", 60)+"\r\n", 100)), 400},
		{"body over the limit", te("chunked", fmt.Sprintf("%x\r\n", maxBodyBytes+8192)+strings.Repeat("a", maxBodyBytes+8192)+"\r\n0\r\n\r\n"), 413},
	} {
		conn := dial(t)
		go io.WriteString(conn, c.in+next) // may fail once the server closes
		r := bufio.NewReader(conn)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != c.status || !resp.Close {
			t.Errorf("%s: %s close=%v, want %d and close", c.name, resp.Status, resp.Close, c.status)
		}
		if b, _ := io.ReadAll(r); len(b) > 0 {
			t.Errorf("%s: more after the response: %q", c.name, b)
		}
	}
	t.Run("content-length-and-chunked", func(t *testing.T) {
		// RFC 9112 §6.1: Transfer-Encoding wins, and the server closes
		// after responding, so the rest never becomes a second request.
		conn := dial(t)
		body := "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
		write(t, conn, fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%s", len(body), body))
		r := bufio.NewReader(conn)
		if resp, body := read(t, r); resp.StatusCode != 200 || body != "Hello World\n" || !resp.Close {
			t.Fatalf("got %s %q close=%v", resp.Status, body, resp.Close)
		}
		closed(t, r)
	})
	if strings.Contains(srv.Output(), "/next") || strings.Contains(srv.Output(), "/smuggled") {
		t.Errorf("the server read a request after a bad one:\n%s", srv.Output())
	}
	served(t, srv)
}

// TestNetHTTPSmuggled is the chapter's claim about net/http's server: a
// request with both Content-Length and Transfer-Encoding: chunked is read
// by Transfer-Encoding, and the connection stays open, so the bytes after
// the chunked body are answered as a second request.
func TestNetHTTPSmuggled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "path %s\n", r.URL.Path)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	body := "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	write(t, conn, fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%s", len(body), body))
	r := bufio.NewReader(conn)
	if _, body := read(t, r); body != "path /\n" {
		t.Fatalf("first response %q", body)
	}
	if _, body := read(t, r); body != "path /smuggled\n" {
		t.Errorf("second response %q; net/http no longer answers the smuggled request: update the chapter", body)
	}
}

// The endless trailer stops at maxTrailerBytes even when the client
// never stops sending: the server answers without reading it all.
func TestEndlessTrailer(t *testing.T) {
	c := &booktest.Conn{In: io.MultiReader(strings.NewReader("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"),
		&repeat{s: "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"})}
	booktest.Quiet(t)
	done := make(chan struct{})
	go func() {
		handleConn(c)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server kept reading an endless trailer")
	}
	if !strings.HasPrefix(c.Out.String(), "HTTP/1.1 400 Bad Request\r\n") {
		t.Errorf("got %.60q, want a 400", c.Out.String())
	}
}

// repeat reads s over and over, without end.
type repeat struct {
	s string
	i int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.s[r.i:])
		n += c
		r.i = (r.i + c) % len(r.s)
	}
	return n, nil
}

var _ net.Conn = (*booktest.Conn)(nil)
