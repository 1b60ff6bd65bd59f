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
	"unicode"
	"unicode/utf8"

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

// TestEscapeServer answers with control characters in a header, in the
// body and, on a second connection, in a malformed header line: the
// client shows them escaped, never raw.
func TestEscapeServer(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/03")
	for _, tt := range []struct{ name, resp, want string }{
		{"response", "HTTP/1.0 200 OK\r\nX-Title: \u009b]0;pwned\u202e\r\nContent-Length: 9\r\n\r\n\x1b[2J\a\r\xff!\n",
			`X-Title: \u009b]0;pwned\u202e` + "\n\n" + `\x1b[2J\a\r\xff!` + "\n"},
		{"error", "HTTP/1.0 200 OK\r\n\x1b[31mred\r\n\r\n", `\x1b[31mred`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				io.WriteString(c, tt.resp)
			}()
			out, _, _ := runClient(t, bin)
			if i := strings.IndexFunc(out, unsafeForTerminal); i >= 0 {
				t.Errorf("the client wrote a control character at byte %d:\n%q", i, out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output does not show %q:\n%q", tt.want, out)
			}
			noPanic(t, out)
		})
	}
}

// unsafeForTerminal reports whether r, written to a terminal, could do
// more than show a character: a control character other than newline
// (ESC starts an escape sequence; CR goes back over the line), a C1
// control, a bidirectional override, or a byte that is not UTF-8.
func unsafeForTerminal(r rune) bool {
	return r != '\n' && r != '\t' && !unicode.IsPrint(r) || r == utf8.RuneError
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
	// printable shows the CRLF line ends as LF.
	if !strings.HasPrefix(out, "HTTP/1.0 200 OK\n") || !strings.HasSuffix(out, "\n\nHello World\n") {
		t.Errorf("unexpected dump:\n%q", out)
	}
}
