// Tests for unknown paths (not part of the book's text): the server
// answers /, /slow and the numbered paths the chapter's client uses
// (/1, /2, ...), and any other with 404 Not Found, so a mistyped /slwo
// does not answer at once and look like no head-of-line blocking. The
// connection stays open, and a pipeline goes on past a 404.
package main

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"tcpbook/internal/booktest"
	"tcpbook/internal/servertest"
)

func TestFound(t *testing.T) {
	for path, want := range map[string]bool{
		"/": true, "/slow": true, "/1": true, "/42": true,
		"/slwo": false, "/slow/": false, "/buffered": false, "/-1": false, "/1a": false, "//1": false, "*": true, "": true,
	} {
		if got := found(path); got != want {
			t.Errorf("found(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	booktest.Start(t, booktest.Build(t, "chapters/08/server"), addr)
	conn := servertest.Dial(t, addr)
	cases := []struct {
		req    string
		status int
		body   string
	}{
		{servertest.Get("/slwo"), 404, "Not Found\n"},
		{servertest.Get("/1"), 200, "Hello World\n"},
		{"HEAD /nope HTTP/1.1\r\nHost: localhost\r\n\r\n", 404, ""},
		{servertest.Get("/slow"), 200, "Slept 1s\n"},
		{"POST /nope HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello", 404, "Not Found\n"},
		{"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello", 200, "Hello hello\n"},
	}
	// All at once, as a pipeline: the 404s do not end it.
	var all strings.Builder
	for _, c := range cases {
		all.WriteString(c.req)
	}
	servertest.Write(t, conn, all.String())
	r := bufio.NewReader(conn)
	for _, c := range cases {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(c.req)))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(r, req) // a HEAD's response has no body
		if err != nil {
			t.Fatalf("%q: %v", c.req, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%q: %v", c.req, err)
		}
		if resp.StatusCode != c.status || string(b) != c.body || resp.Close {
			t.Errorf("%q: %s %q close=%v, want %d %q on a connection kept open", c.req, resp.Status, b, resp.Close, c.status, c.body)
		}
	}
}
