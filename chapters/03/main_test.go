// Tests for the chapter's client (not part of the book's text): it reports
// a missing server in one line, gives up on a server that never answers,
// and never panics on a server that answers garbage.
package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// runClient runs the built client and returns its output and exit error.
func runClient(t *testing.T, bin string) (string, time.Duration, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), time.Since(start), err
	case <-time.After(timeout + 10*time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the client still runs %v after it started; its deadline is %v", time.Since(start), timeout)
		return "", 0, nil
	}
}

func noPanic(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") {
		t.Errorf("the client panicked:\n%s", out)
	}
}

// fakeServer listens on the client's address and runs serve on each
// connection.
func fakeServer(t *testing.T, serve func(net.Conn)) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				serve(conn)
			}()
		}
	}()
}

func TestNoServer(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	out, _, err := runClient(t, booktest.Build(t, "chapters/03"))
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\n%s", err, out)
	}
	if lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); len(lines) != 1 {
		t.Errorf("want one line, got %d:\n%s", len(lines), out)
	}
	if !strings.Contains(out, "go run ./chapters/02") {
		t.Errorf("the message does not tell the reader to start the server:\n%s", out)
	}
	noPanic(t, out)
}

func TestSilentServer(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	// Accepts, reads the request, never answers.
	fakeServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	out, elapsed, err := runClient(t, booktest.Build(t, "chapters/03"))
	if err == nil || !strings.Contains(out, "i/o timeout") {
		t.Fatalf("want a timeout error, got %v:\n%s", err, out)
	}
	if elapsed < timeout {
		t.Errorf("gave up after %v, before its deadline of %v", elapsed, timeout)
	}
	noPanic(t, out)
}

func TestGarbageServer(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	fakeServer(t, func(c net.Conn) {
		io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\n\x00\xff")
	})
	out, _, err := runClient(t, booktest.Build(t, "chapters/03"))
	if err == nil || !strings.Contains(out, "malformed HTTP") {
		t.Fatalf("want a malformed-response error, got %v:\n%s", err, out)
	}
	noPanic(t, out)
}

func TestAgainstChapter2(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	booktest.Start(t, booktest.Build(t, "chapters/02"), addr)
	out, _, err := runClient(t, booktest.Build(t, "chapters/03"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.HasPrefix(out, "HTTP/1.0 200 OK\r\n") || !strings.HasSuffix(out, "\r\n\r\nHello World\n") {
		t.Errorf("unexpected dump:\n%q", out)
	}
}
