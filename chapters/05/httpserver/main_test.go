// Tests for the chapter's net/http server (not part of the book's text):
// it answers as the chapter 4 server does, so that the chapter compares
// two servers that do the same work.
package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// addr is where the server listens, as the chapter's listing says.
const addr = "localhost:8888"

// answer is what a client sees of a response.
type answer struct {
	status      int
	body        string
	contentType string
	length      int64
	close       bool
}

func exchange(t *testing.T, raw string) answer {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("the test's request %q: %v", raw, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	a := answer{resp.StatusCode, string(body), resp.Header.Get("Content-Type"), resp.ContentLength, resp.Close}
	if resp.StatusCode != http.StatusOK {
		a.body, a.contentType, a.length = "", "", 0 // error pages differ in wording
	}
	return a
}

func TestSameAnswersAsChapter4(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	requests := []string{
		"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nASCII",
		"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n", // no Host
		// A body that cannot be read, but is not over the limit: 400, not 413.
		"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	}
	answers := map[string][]answer{}
	for _, dir := range []string{"chapters/04/server", "chapters/05/httpserver"} {
		t.Run(strings.ReplaceAll(dir, "/", "_"), func(t *testing.T) {
			booktest.Start(t, booktest.Build(t, dir), addr)
			for _, raw := range requests {
				answers[dir] = append(answers[dir], exchange(t, raw))
			}
		})
	}
	for dir, got := range answers {
		if len(got) != len(requests) {
			t.Fatalf("%s answered %d of the %d requests", dir, len(got), len(requests))
		}
	}
	if len(answers) != 2 {
		t.Fatalf("answers from %d servers, want 2", len(answers))
	}
	for i, raw := range requests {
		ch04, mine := answers["chapters/04/server"][i], answers["chapters/05/httpserver"][i]
		if ch04 != mine {
			t.Errorf("%q:\nchapter 4: %+v\nnet/http:  %+v", raw, ch04, mine)
		}
	}
	if a := answers["chapters/05/httpserver"][1]; a.body != "Hello ASCII\n" {
		t.Errorf("POST ASCII: body %q, want Hello ASCII", a.body)
	}
}
