// Tests for the measuring client of the chapter (not part of the book's
// text): against the chapter's server, each case's three times come in
// order, the streamed body's first byte before the buffered one's, and a
// gzip response is checked.
package main

import (
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

func TestFetch(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	booktest.Start(t, booktest.Build(t, "chapters/07/server"), "localhost:8888")
	const addr = "localhost:8888"
	chunked, err := fetch(addr, "/", false, true)
	if err != nil {
		t.Fatal(err)
	}
	buffered, err := fetch(addr, "/buffered", true, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][3]time.Duration{chunked, buffered} {
		if !(0 < c[0] && c[0] <= c[1] && c[1] <= c[2]) {
			t.Errorf("times %v: want status ≤ body ≤ end", c)
		}
	}
	// The server makes a line every 100 ms, ten in all: streamed, the
	// first arrives after about one; buffered, after all ten.
	if chunked[1] > 500*time.Millisecond || buffered[1] < 900*time.Millisecond || chunked[2] < 900*time.Millisecond {
		t.Errorf("chunked %v, buffered %v", chunked, buffered)
	}
	if _, err := fetch(addr, "/nothing-here", false, false); err == nil {
		t.Error("a 404 was taken for a body")
	}
}
