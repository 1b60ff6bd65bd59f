package servertest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"tcpbook/internal/booktest"
)

// FuzzHandle feeds handle, a chapter's request loop on one connection,
// arbitrary bytes. Whatever they are, it returns, and it writes a series
// of well-formed HTTP/1.1 responses: at most one per request that parses,
// plus at most one 400 or 431 for a request that does not, and only the
// last may close the connection (see checkExchange). The seed corpus is
// seeds, and the chapter's testdata/fuzz/FuzzHandle if it has one.
func FuzzHandle(f *testing.F, handle func(net.Conn)) {
	booktest.Quiet(f) // the server's log
	for _, in := range seeds {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &booktest.Conn{In: bytes.NewReader(in)}
		handle(c)
		checkExchange(t, in, c.Out.Bytes())
	})
}

// seeds are inputs for FuzzHandle: requests good and bad, one at a time
// and pipelined, that reach each of the request loop's answers.
var seeds = []string{
	"",
	"GET / HTTP/1.1\r\nHost: localhost:8888\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
	"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
	"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"HEAD * HTTP/1.1\n\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nASCIIPOST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nPROGRAMMINGPOST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nPLUS",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"POST / HTTP/1.0\r\nExpect: 100-continue\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nhello",
	"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 9999999\r\n\r\n",
	// make fuzz found that chapter 2's oracle wanted 100 Continue here,
	// before the 400 for the missing Host.
	"0 * HTTP/1.1\nEXpeCt:100-Continue\nContent-Length:1\n\n",
	"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff garbage\r\n\r\n",
	"GET /\x1b]0;pwned\a HTTP/1.1\r\nHost: x\r\nX-A: \x1b[2J\xff\r\n\r\n",
}

// checkExchange checks what a request loop wrote, out, for the input in.
func checkExchange(t testing.TB, in, out []byte) {
	t.Helper()
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
	r := bufio.NewReader(bytes.NewReader(out))
	continued := -1 // the request last answered with 100 Continue
	for n := 0; ; n++ {
		if _, err := r.Peek(1); err == io.EOF {
			return
		}
		// Past the requests that parse, the server answers at most
		// once more: the 400 or 431 for the one it could not read,
		// and then it closes.
		if n > len(reqs) {
			t.Fatalf("input %q: response %d, but only %d requests parse\n%q", in, n, len(reqs), out)
		}
		var req *http.Request
		if n < len(reqs) {
			req = reqs[n]
		}
		resp, err := http.ReadResponse(r, req)
		if err != nil {
			t.Fatalf("input %q: response %d does not parse: %v\n%q", in, n, err, out)
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
}
