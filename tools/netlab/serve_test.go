package netlab

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingListener counts the Write calls on the connections it accepts.
type countingListener struct {
	net.Listener
	mu     sync.Mutex
	writes int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{c.(*net.TCPConn), l}, nil
}

func (l *countingListener) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes
}

// countingConn keeps CloseWrite (as *net.TCPConn) so that Serve closes
// first as it does on a real connection.
type countingConn struct {
	*net.TCPConn
	l *countingListener
}

// ReadFrom, which io.Copy prefers, writes through Write so that every
// write is counted (net.TCPConn's ReadFrom makes a write system call per
// chunk it reads).
func (c *countingConn) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{c}, r)
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.l.mu.Lock()
	c.l.writes++
	c.l.mu.Unlock()
	return c.TCPConn.Write(p)
}

// serveTest runs Serve with o on a loopback port whose connections count
// their writes.
func serveTest(t *testing.T, o ServeOptions) (addr string, l *countingListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l = &countingListener{Listener: ln}
	go Serve(l, o)
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), l
}

// An unbuffered server makes exactly the Write calls ResponseWrites
// counts (13 for chapter 4's response on a kept-alive connection, one
// more with Connection: close); a buffered one makes one per response.
// Both answer with chapter 4's response, and close first when asked to.
func TestServeWrites(t *testing.T) {
	keep, closeConn := ResponseWrites(ServeOptions{Unbuffered: true})
	if keep != 13 || closeConn != 14 {
		t.Errorf("ResponseWrites = %d, %d; want 13 and 14 (the chapter's count)", keep, closeConn)
	}
	for _, o := range []ServeOptions{{Unbuffered: true}, {}, {Size: 3000}, {Unbuffered: true, Nagle: true}} {
		addr, l := serveTest(t, o)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		// Writes per response, as counted and as expected; -1 where not checked.
		var got, want []int
		for i, closeIt := range []bool{false, false, true} {
			before := l.count()
			req := "GET / HTTP/1.1\r\nHost: x\r\n"
			if closeIt {
				req += "Connection: close\r\n"
			}
			io.WriteString(c, req+"\r\n")
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("%+v: response %d: %v", o, i, err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(body) != o.Body() || resp.Header.Get("Date") == "" ||
				resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Close != closeIt {
				t.Errorf("%+v: response %d: %s, close %v, header %v, %d-byte body", o, i, resp.Status, resp.Close, resp.Header, len(body))
			}
			w := 1
			if o.Unbuffered {
				w = map[bool]int{false: keep, true: closeConn}[closeIt]
			}
			if o.Size > 4096 {
				w = -1 // larger than the bufio.Writer: not checked
			}
			// The client has the whole response, so the server's Writes
			// are done (countingConn counts a Write before making it).
			n := l.count() - before
			if w < 0 {
				n = -1
			}
			got, want = append(got, n), append(want, w)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: writes per response %v, want %v (the last with Connection: close)", o, got, want)
		}
		if _, err := r.ReadByte(); err != io.EOF {
			t.Errorf("%+v: after Connection: close the server did not close: %v", o, err)
		}
		c.Close()
	}
}

// Body gives Size bytes ending in a newline, or Hello; Args gives netlab
// serve's flags.
func TestServeOptions(t *testing.T) {
	if b := (ServeOptions{}).Body(); b != Hello {
		t.Errorf("default body %q", b)
	}
	for _, n := range []int{1, 64, 65, 65536} {
		b := ServeOptions{Size: n}.Body()
		if len(b) != n || !strings.HasSuffix(b, "\n") {
			t.Errorf("Size %d: %d bytes, ends %q", n, len(b), b[len(b)-1:])
		}
	}
	got := strings.Join(ServeOptions{Unbuffered: true, Nagle: true, Size: 10}.Args(9999), " ")
	if want := "serve -addr localhost:9999 -unbuffered -nagle -size 10"; got != want {
		t.Errorf("Args = %q, want %q", got, want)
	}
}
