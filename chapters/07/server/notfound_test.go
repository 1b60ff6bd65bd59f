// Tests for unknown paths (not part of the book's text): the server has
// two, / and /buffered, and answers any other with 404 Not Found, so a
// mistyped /bufferd does not silently stream, and keeps the connection.
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
	for path, want := range map[string]bool{"/": true, "/buffered": true, "/bufferd": false, "/buffered/": false, "/slow": false, "*": true, "": true} {
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
	booktest.Start(t, booktest.Build(t, chapter.Dir), addr)
	conn := servertest.Dial(t, addr)
	r := bufio.NewReader(conn)
	for _, c := range []struct {
		req    string
		status int
		body   string
	}{
		{servertest.Get("/bufferd"), 404, "Not Found\n"},
		{"HEAD /slwo HTTP/1.1\r\nHost: localhost\r\n\r\n", 404, ""},
		{"POST /nope HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello", 404, "Not Found\n"},
		{servertest.Get("/buffered"), 200, ""},
		{"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello", 200, "Hello hello\n"},
	} {
		servertest.Write(t, conn, c.req)
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
		body := string(b)
		if resp.StatusCode != c.status || (c.body != "" && body != c.body) || resp.Close {
			t.Errorf("%q: %s %q close=%v, want %d %q on a connection kept open", c.req, resp.Status, body, resp.Close, c.status, c.body)
		}
	}
}
