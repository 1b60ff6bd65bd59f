// Tests for /slow (not part of the book's text): pipelined behind /slow,
// the responses wait for it and come in order; /slow in flight at Ctrl-C
// is answered, and the request pipelined behind it is not, before the
// server exits.
package main

import (
	"bufio"
	"io"
	"net/http"
	"testing"
	"time"

	"tcpbook/internal/booktest"
	"tcpbook/internal/servertest"
)

func TestSlowHeadOfLine(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	booktest.Start(t, booktest.Build(t, chapter.Dir), addr)
	conn := dial(t)
	start := time.Now()
	write(t, conn, get("/slow")+post("A")+get("/"))
	r := bufio.NewReader(conn)
	for _, want := range []string{"Slept 1s\n", "Hello A\n", "Hello World\n"} {
		resp, body := read(t, r)
		if resp.StatusCode != 200 || body != want {
			t.Fatalf("got %s %q, want 200 %q", resp.Status, body, want)
		}
		if d := time.Since(start); d < slowDelay {
			t.Errorf("%q after %v: before /slow's answer", want, d)
		}
	}
	// HEAD /slow waits too, and has no body.
	write(t, conn, "HEAD /slow HTTP/1.1\r\nHost: x\r\n\r\n"+get("/"))
	resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodHead})
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(resp.Body); resp.ContentLength != int64(len("Slept 1s\n")) || len(body) != 0 {
		t.Errorf("HEAD /slow: Content-Length %d, body %q", resp.ContentLength, body)
	}
	if _, body := read(t, r); body != "Hello World\n" {
		t.Errorf("after HEAD /slow: %q", body)
	}
}

func TestSlowShutdown(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, chapter.Dir), addr)
	conn := dial(t)
	write(t, conn, get("/slow")+get("/"))
	booktest.WaitOutput(t, srv, "GET /slow")
	if err := srv.Interrupt(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	// keepAlive was decided before the signal, so the answer has no
	// Connection: close; the server closes before reading the next request.
	if _, body := read(t, r); body != "Slept 1s\n" {
		t.Errorf("/slow in flight got %q, want Slept 1s", body)
	}
	closed(t, r) // the pipelined GET / after it is not answered
	servertest.CleanExit(t, srv, shutdownTimeout+5*time.Second)
}
