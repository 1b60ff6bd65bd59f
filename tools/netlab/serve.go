package netlab

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ServeOptions make the lab's own server (netlab serve) behave like one of
// the book's servers, or like an earlier, worse version of one.
type ServeOptions struct {
	// Unbuffered writes each response straight to the connection with
	// http.Response.Write, which makes a Write for every piece of the
	// status line and the header: chapter 4's server as it was before
	// respond buffered its response (ResponseWrites counts them).
	// Otherwise the response goes to a bufio.Writer and leaves in one Write,
	// as chapter 4's respond does today.
	Unbuffered bool `json:"unbuffered"`
	// Nagle turns Nagle's algorithm back on (SetNoDelay(false)); Go turns
	// it off on every TCP connection.
	Nagle bool `json:"nagle"`
	// Size is the body's length in bytes; 0 means "Hello World\n".
	Size int `json:"size,omitempty"`
}

// Args returns the command line arguments after "netlab" that start
// netlab's server with these options on localhost:port.
func (o ServeOptions) Args(port uint16) []string {
	args := []string{"serve", "-addr", "localhost:" + strconv.Itoa(int(port))}
	if o.Unbuffered {
		args = append(args, "-unbuffered")
	}
	if o.Nagle {
		args = append(args, "-nagle")
	}
	if o.Size > 0 {
		args = append(args, "-size", strconv.Itoa(o.Size))
	}
	return args
}

// Hello is the body chapter 4's server answers a GET / with.
const Hello = "Hello World\n"

// Body returns the response body the options ask for: Hello, or Size bytes
// of text ending in a newline.
func (o ServeOptions) Body() string {
	if o.Size <= 0 {
		return Hello
	}
	line := strings.Repeat("0123456789abcdef", 4)[:63] + "\n"
	return strings.Repeat(line, o.Size/64+1)[:o.Size-1] + "\n"
}

// Serve answers every request on ln's connections with chapter 4's
// response (200 OK, Content-Type, Date, Content-Length and the body) on
// kept-alive connections, until ln is closed. A request with "Connection:
// close" is answered with the same response plus Connection: close, and
// then the server closes first, as chapter 4's does.
func Serve(ln net.Listener, o ServeOptions) error {
	body := o.Body()
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		if tc, ok := conn.(interface{ SetNoDelay(bool) error }); ok && o.Nagle {
			tc.SetNoDelay(false)
		}
		go serveConn(conn, o, body)
	}
}

// serveConn answers the requests on one connection until the client closes
// it, asks to close it, or sends nothing for a minute.
func serveConn(conn net.Conn, o ServeOptions, body string) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	var w io.Writer = conn
	var bw *bufio.Writer
	if !o.Unbuffered {
		bw = bufio.NewWriter(conn)
		w = bw
	}
	for {
		conn.SetDeadline(time.Now().Add(time.Minute))
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return
		}
		if err := writeResponse(w, req, body); err != nil {
			return
		}
		if bw != nil {
			if err := bw.Flush(); err != nil {
				return
			}
		}
		if req.Close {
			if cw, ok := conn.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
				// Wait for the client's FIN, at most a second, as chapter 4's
				// closeWrite does.
				conn.SetReadDeadline(time.Now().Add(time.Second))
				io.Copy(io.Discard, r)
			}
			return
		}
	}
}

// writeResponse writes chapter 4's response to req with http.Response.Write.
func writeResponse(w io.Writer, req *http.Request, body string) error {
	resp := http.Response{
		StatusCode: http.StatusOK,
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header: http.Header{
			"Content-Type": {"text/plain; charset=utf-8"},
			"Date":         {time.Now().UTC().Format(http.TimeFormat)},
		},
		ContentLength: int64(len(body)),
		Body:          io.NopCloser(strings.NewReader(body)),
		Close:         req.Close,
		Request:       req,
	}
	return resp.Write(w)
}

// ResponseWrites returns how many Write calls an unbuffered server makes
// for one response, without and with Connection: close. Buffered, the
// response is always one Write (for bodies up to the bufio.Writer's 4096
// bytes).
func ResponseWrites(o ServeOptions) (keep, close int) {
	count := func(closeConn bool) int {
		req, _ := http.NewRequest("GET", "http://localhost:8888/", nil)
		req.Close = closeConn
		var c writeCounter
		writeResponse(&c, req, o.Body())
		return c.writes
	}
	return count(false), count(true)
}

// writeCounter counts Write calls and bytes.
type writeCounter struct{ writes, bytes int }

func (c *writeCounter) Write(p []byte) (int, error) {
	c.writes++
	c.bytes += len(p)
	return len(p), nil
}
