// Tests for how the server words a client that goes away while a body is
// streamed (not part of the book's text): in Japanese, as every other
// disconnect, not a raw "write: broken pipe".
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"tcpbook/internal/booktest"
)

func TestDisconnected(t *testing.T) {
	gone := "クライアントが閉じました（レスポンスを送っている途中でした）"
	for _, errno := range []syscall.Errno{syscall.EPIPE, syscall.ECONNRESET} {
		err := &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", errno)}
		if got := disconnected(err); got.Error() != gone {
			t.Errorf("disconnected(%v) = %q, want %q", err, got, gone)
		}
	}
	other := errors.New("something else")
	if got := disconnected(other); got != other {
		t.Errorf("disconnected(%v) = %v, want the error itself", other, got)
	}
}

// TestClientGoesAway: a client reads the head of the streamed GET / and
// closes, as curl does on Ctrl-C. The server's next write fails; its log
// says, in Japanese, that the client closed, and names no errno.
func TestClientGoesAway(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, chapter.Dir), addr)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("status line %q, %v", line, err)
	}
	local := c.LocalAddr().String()
	c.Close()
	booktest.WaitOutput(t, srv, fmt.Sprintf("%s: クライアントが閉じました（レスポンスを送っている途中でした）", local))
	if out := srv.Output(); strings.Contains(out, "broken pipe") || strings.Contains(out, "reset by peer") {
		t.Errorf("the log has a raw error:\n%s", out)
	}
}
