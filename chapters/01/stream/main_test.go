// Tests for the byte-stream program (not part of the book's text): the
// boundaries of the client's writes do not reach the server, which reads
// whatever has arrived, as much as its buffer holds.
package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// listen starts a listener on a port the kernel picks, closed when the test
// ends.
func listen(t *testing.T) *net.TCPListener {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// TestExchange checks the sizes of the server's reads: everything the client
// wrote before the server read comes back in as few reads as the buffer
// allows, however many writes it took.
func TestExchange(t *testing.T) {
	booktest.Quiet(t)
	ln := listen(t)
	tests := []struct {
		name   string
		writes []string
		size   int
		want   []int
	}{
		{"two writes, one read", []string{"hello, ", "world\n"}, 1024, []int{13}},
		{"one write, two reads", []string{"hello, world\n"}, 8, []int{8, 5}},
		{"ten writes, one read", slices.Repeat([]string{"ab"}, 10), 1024, []int{20}},
		{"one write, byte by byte", []string{"abc"}, 1, []int{1, 1, 1}},
		{"no write, only EOF", nil, 1024, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := exchange(ln, tt.writes, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("read sizes = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestReceiveLargeWrite writes 1 MiB with one Write while the server reads
// concurrently with a 64 KiB buffer: the one write comes out in many reads,
// and receive still gets every byte in order.
func TestReceiveLargeWrite(t *testing.T) {
	booktest.Quiet(t)
	ln := listen(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB

	sent := make(chan error, 1)
	go func() {
		conn, err := net.DialTimeout("tcp", ln.Addr().String(), timeout)
		if err != nil {
			sent <- err
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(timeout))
		if _, err := conn.Write(data); err != nil {
			sent <- err
			return
		}
		sent <- conn.Close()
	}()

	ln.SetDeadline(time.Now().Add(timeout))
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got, err := receive(conn, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range got {
		total += n
	}
	if total != len(data) {
		t.Errorf("read %d bytes in all, want %d", total, len(data))
	}
	if len(got) < len(data)/(64<<10) {
		t.Errorf("one write came out in %d reads, want at least %d", len(got), len(data)/(64<<10))
	}
}

// TestSilentClient checks that the server does not wait for ever on a client
// that connects and neither writes nor closes: the read deadline ends it.
func TestSilentClient(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 5s read deadline")
	}
	booktest.Quiet(t)
	ln := listen(t)
	client, err := net.DialTimeout("tcp", ln.Addr().String(), timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ln.SetDeadline(time.Now().Add(timeout))
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, err = receive(conn, 1024)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("receive from a silent client: err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > timeout+time.Second {
		t.Errorf("receive gave up after %v, want about %v", d, timeout)
	}
}

// TestNoServer checks that exchange fails at once, without waiting in
// Accept, when the client cannot connect.
func TestNoServer(t *testing.T) {
	booktest.Quiet(t)
	ln := listen(t)
	ln.Close()
	start := time.Now()
	if _, err := exchange(ln, []string{"hello\n"}, 1024); err == nil {
		t.Fatal("exchange with a closed listener succeeded")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("exchange failed after %v, want at once", d)
	}
}
