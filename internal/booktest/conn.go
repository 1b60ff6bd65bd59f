package booktest

import (
	"bytes"
	"fmt"
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

// Quiet sends what the code under test prints to standard output (a
// chapter program's log) to /dev/null, for the rest of the test,
// benchmark or fuzz test.
//
// The chapters' programs print with fmt.Println, that is to os.Stdout,
// which is one variable for the whole test binary; there is no standard
// output per goroutine to redirect instead. So Quiet does what the testing
// package does for examples: it sets os.Stdout, and sets it back when the
// test ends. That is safe only while no other test runs, so Quiet has the
// contract of t.Setenv, and enforces it the same way (with t.Setenv, of a
// variable of booktest's own): the test that calls it must not be parallel
// or have a parallel parent, and cannot call t.Parallel afterwards (which
// panics: "t.Parallel called after t.Setenv"). Its own parallel subtests,
// which run while it waits, only read os.Stdout. The testing package's
// own output is not silenced: it keeps the os.Stdout it started with.
func Quiet(tb testing.TB) {
	tb.Helper()
	if err := setenv(tb, envQuiet, "1"); err != nil {
		tb.Fatalf("booktest.Quiet sets os.Stdout, for the whole test binary: %v", err)
	}
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

// envQuiet is set while Quiet is in effect: t.Setenv is how a test claims
// the process for itself.
const envQuiet = "BOOKTEST_QUIET"

// setenv calls tb.Setenv, and returns its refusal (a panic in a parallel
// test, or inside a fuzz target) as an error.
func setenv(tb testing.TB, key, value string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	tb.Setenv(key, value)
	return nil
}
