package booktest

import (
	"bytes"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// Conn is a net.Conn over an input, for testing and benchmarking a
// chapter's handler without a network. Reads come from In, then io.EOF.
// Writes are counted, and kept in Out unless Discard is set. Deadlines are
// accepted and ignored, and it has CloseWrite, as a *net.TCPConn has.
//
// Each Write would be a system call on a real connection, and with
// TCP_NODELAY (Go's default) a TCP segment of its own: benchmarks report
// Writes per operation for that reason.
type Conn struct {
	In      io.Reader
	Out     bytes.Buffer
	Discard bool
	Writes  int
}

func (c *Conn) Read(p []byte) (int, error) { return c.In.Read(p) }

func (c *Conn) Write(p []byte) (int, error) {
	c.Writes++
	if c.Discard {
		return len(p), nil
	}
	return c.Out.Write(p)
}

func (c *Conn) Close() error                       { return nil }
func (c *Conn) CloseWrite() error                  { return nil }
func (c *Conn) LocalAddr() net.Addr                { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8888} }
func (c *Conn) RemoteAddr() net.Addr               { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000} }
func (c *Conn) SetDeadline(t time.Time) error      { return nil }
func (c *Conn) SetReadDeadline(t time.Time) error  { return nil }
func (c *Conn) SetWriteDeadline(t time.Time) error { return nil }

var _ net.Conn = (*Conn)(nil)

// Quiet sends what the program under test prints to standard output (a
// server's log) to /dev/null, for the rest of the test, benchmark or fuzz
// test.
func Quiet(tb testing.TB) {
	tb.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = null
	tb.Cleanup(func() {
		os.Stdout = stdout
		null.Close()
	})
}
