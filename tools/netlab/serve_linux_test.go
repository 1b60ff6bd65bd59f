//go:build linux

package netlab

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// With Nagle, Serve turns TCP_NODELAY off on each connection; without, it
// leaves Go's default (on).
func TestServeNagle(t *testing.T) {
	for _, nagle := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		accepted := make(chan *net.TCPConn, 1)
		go Serve(&tapListener{ln, accepted}, ServeOptions{Nagle: nagle})
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		var sc *net.TCPConn
		select {
		case sc = <-accepted:
		case <-time.After(10 * time.Second):
			t.Fatal("no connection accepted in 10 s")
		}
		// Serve sets the option right after Accept returns: poll briefly.
		var nodelay int
		deadline := time.Now().Add(5 * time.Second)
		for {
			raw, _ := sc.SyscallConn()
			raw.Control(func(fd uintptr) { nodelay, err = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY) })
			if err != nil {
				t.Fatal(err)
			}
			if (nodelay == 0) == nagle || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if (nodelay == 0) != nagle {
			t.Errorf("Nagle %v: TCP_NODELAY is %d", nagle, nodelay)
		}
		c.Close()
		ln.Close()
	}
}

// tapListener hands each accepted connection to the test as well.
type tapListener struct {
	net.Listener
	conns chan *net.TCPConn
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		select {
		case l.conns <- c.(*net.TCPConn):
		default:
		}
	}
	return c, err
}
