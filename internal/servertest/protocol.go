package servertest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"tcpbook/internal/booktest"
)

// Protocol runs the real program and tries chapter 4's protocol edge
// cases and bad input on it, each on connections of its own, all at
// once: keep-alive, pipelining, HEAD, Host, Connection, HTTP/1.0, slow and
// cut bodies, bodies over the limit, 100 Continue, smuggling, broken
// chunked framing, escape sequences, the idle timeout. Afterwards the
// program still serves a good client and has not panicked.
func Protocol(t *testing.T, s Server) {
	srv := s.start(t)
	if srv == nil {
		return
	}
	// All at once, not t.Parallel's few at a time: most of the time is
	// waiting for the server (the idle timeout, chapter 7's streaming).
	var wg sync.WaitGroup
	for _, c := range s.protocolCases(srv) {
		wg.Go(func() { t.Run(c.name, c.f) })
	}
	wg.Wait()
	s.Served(t, srv)
	if strings.Contains(srv.Output(), "panic") {
		t.Errorf("the server panicked:\n%s", srv.Output())
	}
}

type protocolCase struct {
	name string
	f    func(t *testing.T)
}

func (s Server) protocolCases(srv *booktest.Server) []protocolCase {
	return []protocolCase{
		{"keep-alive", func(t *testing.T) {
			conn := s.Dial(t)
			r := bufio.NewReader(conn)
			for _, msg := range []string{"ASCII", "PROGRAMMING", "PLUS"} {
				Write(t, conn, Post(msg))
				resp, body := Read(t, r)
				if resp.StatusCode != 200 || resp.Close || body != "Hello "+msg+"\n" {
					t.Fatalf("got %s close=%v %q", resp.Status, resp.Close, body)
				}
			}
			// The server printed its Accept line before its first
			// response, but this process reads that pipe on its own
			// schedule: wait for the line, then count.
			local := conn.LocalAddr().String()
			booktest.WaitOutput(t, srv, "Accept "+local+"\n")
			if n := strings.Count(srv.Output(), "Accept "+local+"\n"); n != 1 {
				t.Errorf("three requests took %d accepted connections", n)
			}
		}},
		{"pipelined", func(t *testing.T) {
			conn := s.Dial(t)
			var reqs strings.Builder
			const n = 20
			for i := range n {
				reqs.WriteString(Post(fmt.Sprint(i)))
			}
			Write(t, conn, reqs.String()+Get("/", "Connection: close\r\n"))
			r := bufio.NewReader(conn)
			for i := range n {
				if _, body := Read(t, r); body != fmt.Sprintf("Hello %d\n", i) {
					t.Fatalf("response %d: %q (out of order or lost)", i, body)
				}
			}
			if resp, _ := Read(t, r); !resp.Close {
				t.Error("the last response does not say Connection: close")
			}
			Closed(t, r)
		}},
		{"head", func(t *testing.T) {
			// A HEAD response has no body (RFC 9110 §9.3.2); a body there
			// would be read as the start of the next response.
			conn := s.Dial(t)
			Write(t, conn, "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n"+Get("/"))
			r := bufio.NewReader(conn)
			resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodHead})
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("HEAD: %v, %v", resp, err)
			}
			resp.Body.Close()
			if resp, body := Read(t, r); resp.StatusCode != 200 || body != s.Document() {
				t.Fatalf("the GET after a HEAD got %s %.40q", resp.Status, body)
			}
		}},
		{"no-host", func(t *testing.T) {
			for _, in := range []string{
				"GET / HTTP/1.1\r\n\r\n",                       // HTTP/1.1 needs Host (RFC 9112 §3.2)
				"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", // more than one Host line (RFC 9112 §3.2)
				"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", // whatever the version
				"GET / HTTP/1.1\r\nHost:\r\n\r\n",              // no authority: may be rejected (RFC 9112 §3.3)
			} {
				conn := s.Dial(t)
				Write(t, conn, in+Get("/"))
				r := bufio.NewReader(conn)
				if resp, _ := Read(t, r); resp.StatusCode != http.StatusBadRequest || !resp.Close {
					t.Errorf("input %q: %s close=%v, want 400 and close", in, resp.Status, resp.Close)
				}
				Closed(t, r) // the GET after it is not answered
			}
		}},
		{"head-rules", func(t *testing.T) {
			// What http.ReadRequest lets through and RFC 9112 refuses: each
			// a 400 and a close (the request after it is not answered).
			for _, in := range []string{
				"GET / HTTP/1.1\r\nHost : x\r\n\r\n",                                                                   // space before the colon (§5.1)
				"POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 2\r\n\r\nhi",                                           // the same, on framing
				"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",                                                    // obs-fold (§5.2)
				"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",                                                                 // not uri-host (§3.2, RFC 3986 §3.2.2)
				"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",                                                                  // the same
				"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",                                                                  // the same
				"GET / HTTP/1.1\r\nHost: a:b\r\n\r\n",                                                                  // a port is digits
				"GET / HTTP/1.1\r\nHost: [v1.x%41]\r\n\r\n",                                                            // IPvFuture has no pct-encoded
				"GET http://localhost/ HTTP/1.1\r\n\r\n",                                                               // HTTP/1.1 without Host, even absolute-form
				"POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", // TE in HTTP/1.0 (§6.1)
			} {
				conn := s.Dial(t)
				Write(t, conn, in+Get("/"))
				r := bufio.NewReader(conn)
				if resp, _ := Read(t, r); resp.StatusCode != http.StatusBadRequest || !resp.Close {
					t.Errorf("input %q: %s close=%v, want 400 and close", in, resp.Status, resp.Close)
				}
				Closed(t, r)
			}
			for _, host := range []string{"localhost:8888", "[::1]:8888", "127.0.0.1", "a%2fb", "x:", "!$&'()*+,;=-._~", "[v1.x:y]:80"} {
				conn := s.Dial(t)
				Write(t, conn, "GET / HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
				if resp, _ := Read(t, bufio.NewReader(conn)); resp.StatusCode != 200 {
					t.Errorf("Host: %s got %s, want 200", host, resp.Status)
				}
			}
		}},
		{"absolute-form", func(t *testing.T) {
			// The absolute form must be accepted, and its host wins over
			// the Host header (RFC 9112 §3.2.2).
			conn := s.Dial(t)
			Write(t, conn, "GET http://localhost/ HTTP/1.1\r\nHost:\r\n\r\n"+Get("/", "Connection: close\r\n"))
			r := bufio.NewReader(conn)
			for range 2 {
				if resp, body := Read(t, r); resp.StatusCode != 200 || body != s.Document() {
					t.Fatalf("got %s %.40q, want 200 and the document", resp.Status, body)
				}
			}
			Closed(t, r)
		}},
		{"connection-close", func(t *testing.T) {
			conn := s.Dial(t)
			Write(t, conn, Get("/", "Connection: close\r\n"))
			r := bufio.NewReader(conn)
			// ReadResponse turns Connection: close into resp.Close.
			if resp, _ := Read(t, r); !resp.Close {
				t.Errorf("response headers %v, want Connection: close", resp.Header)
			}
			Closed(t, r)
		}},
		{"http10", func(t *testing.T) {
			conn := s.Dial(t)
			Write(t, conn, "GET / HTTP/1.0\r\n\r\n")
			r := bufio.NewReader(conn)
			// ReadResponse turns Connection: close into resp.Close.
			if resp, _ := Read(t, r); !resp.Close {
				t.Errorf("response headers %v, want Connection: close", resp.Header)
			}
			Closed(t, r)
		}},
		{"http10-keep-alive", func(t *testing.T) {
			req := "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
			if s.Streams {
				// GET / would be sent to the close: there is no chunked
				// coding in HTTP/1.0.
				req = "POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi"
			}
			conn := s.Dial(t)
			r := bufio.NewReader(conn)
			for range 2 {
				Write(t, conn, req)
				if resp, _ := Read(t, r); resp.Header.Get("Connection") != "keep-alive" {
					t.Fatalf("response headers %v, want Connection: keep-alive", resp.Header)
				}
			}
		}},
		{"slow-body", func(t *testing.T) {
			conn := s.Dial(t)
			Write(t, conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n")
			for _, part := range []string{"sl", "ow", "ly"} {
				time.Sleep(100 * time.Millisecond) // the client is slow, on purpose
				Write(t, conn, part)
			}
			if _, body := Read(t, bufio.NewReader(conn)); body != "Hello slowly\n" {
				t.Errorf("got %q", body)
			}
		}},
		{"cut-body", func(t *testing.T) {
			conn := s.Dial(t)
			Write(t, conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort")
			conn.(*net.TCPConn).CloseWrite()
			r := bufio.NewReader(conn)
			if resp, _ := Read(t, r); resp.StatusCode != http.StatusBadRequest || !resp.Close {
				t.Errorf("got %s close=%v, want 400 and close", resp.Status, resp.Close)
			}
			Closed(t, r)
		}},
		{"body-too-large", func(t *testing.T) {
			conn := s.Dial(t)
			go io.WriteString(conn, Post(strings.Repeat("x", 3<<20))) // may fail once the server closes
			r := bufio.NewReader(conn)
			resp, err := http.ReadResponse(r, nil)
			if errors.Is(err, syscall.ECONNRESET) {
				return // the server stopped reading: a reset is a correct close (RFC 9112 §9.6)
			}
			if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
				t.Errorf("got %v, %v; want 413 and close", resp, err)
			}
		}},
		{"client-goes-away", func(t *testing.T) {
			conn := s.Dial(t)
			Write(t, conn, Get("/"))
			Read(t, bufio.NewReader(conn))
			local := conn.LocalAddr().String()
			conn.Close()
			booktest.WaitOutput(t, srv, local+": クライアントが閉じました")
		}},
		{"bad-input", func(t *testing.T) {
			for _, in := range []string{"\x00\xff garbage\r\n\r\n", "GET / HTTP/1.1\r\nHost: lo", Get("/") + "nonsense\r\n\r\n"} {
				conn := s.Dial(t)
				Write(t, conn, in)
				conn.(*net.TCPConn).CloseWrite()
				b, _ := io.ReadAll(conn)
				if !strings.Contains(string(b), "400 Bad Request") {
					t.Errorf("input %q: got %q, want a 400", in, b)
				}
			}
			c := s.Dial(t)
			c.(*net.TCPConn).SetLinger(0)
			Write(t, c, "GET / HTTP/1.1\r\n")
			c.Close() // a reset
			s.Dial(t).Close()
		}},
		{"expect-continue", func(t *testing.T) {
			// The server answers 100 Continue before it has the body, without
			// waiting for it (RFC 9110 §10.1.1); curl would wait 1 s otherwise.
			conn := s.Dial(t)
			r := bufio.NewReader(conn)
			Write(t, conn, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
			conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			line, err := r.ReadString('\n')
			if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
				t.Fatalf("before the body, got %q, %v; want HTTP/1.1 100 Continue at once", line, err)
			}
			if blank, err := r.ReadString('\n'); err != nil || blank != "\r\n" {
				t.Fatalf("after the 100 Continue status line, got %q, %v", blank, err)
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			Write(t, conn, "hello")
			if resp, body := Read(t, r); resp.StatusCode != 200 || body != "Hello hello\n" || resp.Close {
				t.Fatalf("final response %s %q close=%v", resp.Status, body, resp.Close)
			}
		}},
		{"expect-continue-refused", func(t *testing.T) {
			// A body over the limit is refused at once, with no 100 Continue
			// and without reading it.
			conn := s.Dial(t)
			r := bufio.NewReader(conn)
			Write(t, conn, fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", s.MaxBodyBytes+1))
			conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			if resp, _ := Read(t, r); resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
				t.Fatalf("got %s close=%v, want 413 and close", resp.Status, resp.Close)
			}
		}},
		{"expect-continue-http10", func(t *testing.T) {
			// An HTTP/1.0 request's expectation is ignored (RFC 9110 §10.1.1).
			conn := s.Dial(t)
			r := bufio.NewReader(conn)
			Write(t, conn, "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello")
			if resp, body := Read(t, r); resp.StatusCode != 200 || body != "Hello hello\n" {
				t.Fatalf("got %s %q, want 200 and no 100 Continue first", resp.Status, body)
			}
		}},
		{"smuggling", func(t *testing.T) {
			// Content-Length and Transfer-Encoding both: Transfer-Encoding wins
			// (RFC 9112 §6.3), and the server closes after its response
			// (RFC 9112 §6.1), so the rest never becomes a second request.
			conn := s.Dial(t)
			body := "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
			Write(t, conn, fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%s", len(body), body))
			r := bufio.NewReader(conn)
			if resp, body := Read(t, r); resp.StatusCode != 200 || body != "Hello World\n" || !resp.Close {
				t.Fatalf("got %s %q close=%v, want 200 (an empty chunked body) and Connection: close", resp.Status, body, resp.Close)
			}
			Closed(t, r) // no second response
			if strings.Contains(srv.Output(), "/smuggled") {
				t.Errorf("the server read the smuggled request:\n%s", srv.Output())
			}
		}},
		{"bad-chunked", func(t *testing.T) {
			// Broken chunked framing: each is refused and the connection
			// closed, and the server goes on serving. An unknown coding
			// before chunked gets s.UnknownCoding: 400 from
			// http.ReadRequest, 501 where the server reads transfer
			// codings itself, as RFC 9112 §6.1 recommends.
			var wg sync.WaitGroup
			for _, tc := range []struct {
				name, te, body string
				status         int
			}{
				{"not-hex", "chunked", "zz\r\nhello\r\n0\r\n\r\n", 400},
				{"overflow", "chunked", "ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n", 400},
				{"no-crlf-after-data", "chunked", "5\r\nhelloXX0\r\n\r\n", 400},
				{"unknown-coding", "gzip, chunked", "0\r\n\r\n", s.UnknownCoding},
				{"chunked-not-last", "chunked, gzip", "0\r\n\r\n", 400},
			} {
				wg.Go(func() {
					t.Run(tc.name, func(t *testing.T) {
						conn := s.Dial(t)
						Write(t, conn, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "+tc.te+"\r\n\r\n"+tc.body)
						r := bufio.NewReader(conn)
						if resp, _ := Read(t, r); resp.StatusCode != tc.status {
							t.Fatalf("got %s, want %d %s", resp.Status, tc.status, http.StatusText(tc.status))
						}
						Closed(t, r)
						s.Served(t, srv)
					})
				})
			}
			wg.Wait()
		}},
		{"escape-sequences", func(t *testing.T) {
			// Bytes from the network never reach the terminal raw.
			// ReadRequest refuses control bytes in a header line, but not
			// other characters a terminal acts on, and the body is anything.
			conn := s.Dial(t)
			Write(t, conn, Post("\x1b]0;pwned\a\r\x1b[2J", "X-Text: \u202eevil\xff\r\n", "Connection: close\r\n"))
			Read(t, bufio.NewReader(conn))
			booktest.WaitOutput(t, srv, `X-Text: \u202eevil\xff`)
			booktest.WaitOutput(t, srv, `\x1b]0;pwned\a\r\x1b[2J`)
			if out := srv.Output(); strings.ContainsAny(out, "\x1b\a\r\u202e") || !utf8.ValidString(out) {
				t.Errorf("raw control bytes in the server's log:\n%q", out)
			}
		}},
		{"idle-timeout", func(t *testing.T) {
			conn := s.Dial(t)
			r := bufio.NewReader(conn)
			Write(t, conn, Get("/"))
			Read(t, r)
			start := time.Now()
			Closed(t, r)
			if d := time.Since(start); d < s.IdleTimeout-time.Second {
				t.Errorf("closed after %v idle, want about %v", d, s.IdleTimeout)
			}
		}},
	}
}
