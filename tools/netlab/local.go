package netlab

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// WaitFDs waits until the server has at least n files open, for at most
// ten seconds: the sign that it has accepted the connections made.
func (s *Server) WaitFDs(n int) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		k, err := ProcFDs(s.Pid())
		if err != nil {
			return err
		}
		if k >= n {
			return nil
		}
		if err := s.Alive(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server has %d files open after 10 s, want %d", k, n)
		}
		time.Sleep(2 * time.Millisecond) // polling /proc: there is nothing to wait on
	}
}

// loadRequest is the request the load, memory and TIME_WAIT tests send,
// written whole in one write.
func loadRequest(port uint16, close bool) []byte {
	return []byte(get("/", "localhost:"+strconv.Itoa(int(port)), close))
}

var errNotOK = errors.New("the response is not 200 OK with a Content-Length")

// readHello reads one response and checks that it is 200 OK with the body
// "Hello World\n". It is a lean reader, not net/http's, so that the load
// generator spends as little CPU per request as it can.
func readHello(r *bufio.Reader) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.")) || len(line) < 12 || string(line[8:12]) != " 200" {
		return errNotOK
	}
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break // the empty line ends the header
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return errNotOK
			}
		}
	}
	if length != len(Hello) {
		return errNotOK
	}
	var body [len(Hello)]byte
	if _, err := io.ReadFull(r, body[:]); err != nil {
		return err
	}
	if string(body[:]) != Hello {
		return fmt.Errorf("unexpected body %q", body[:])
	}
	return nil
}
