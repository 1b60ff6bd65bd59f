package netlab

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// LocalServer is a server program running on this machine's loopback
// (in the namespace netlab runs in), for the load and memory tests.
type LocalServer struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // after exited is closed
	stderr *strings.Builder
}

// StartLocalServer starts exe with args, on cpus if any and with env added
// to its environment, and waits until it listens on port (reading the
// socket table, so without connecting). It gives up after ten seconds, or
// at once if the program exits.
func StartLocalServer(port uint16, cpus []int, env []string, exe string, args ...string) (*LocalServer, error) {
	s := &LocalServer{cmd: exec.Command(exe, args...), exited: make(chan struct{}), stderr: &strings.Builder{}}
	s.cmd.Stderr = s.stderr
	if len(env) > 0 {
		s.cmd.Env = append(s.cmd.Environ(), env...)
	}
	var err error
	if len(cpus) > 0 {
		err = StartPinned(s.cmd, cpus)
	} else {
		err = s.cmd.Start()
	}
	if err != nil {
		return nil, err
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := LocalListening(port)
		if err != nil {
			s.Stop()
			return nil, err
		}
		if ok {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("%s does not listen on port %d after 10 s", exe, port)
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("%s exited: %v\n%s", exe, s.err, s.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Pid returns the server's process ID.
func (s *LocalServer) Pid() int { return s.cmd.Process.Pid }

// Alive returns nil while the server runs, and why it ended after.
func (s *LocalServer) Alive() error {
	select {
	case <-s.exited:
		return fmt.Errorf("the server exited: %v\n%s", s.err, s.stderr.String())
	default:
		return nil
	}
}

// Stop kills the server and waits for it to end.
func (s *LocalServer) Stop() {
	s.cmd.Process.Kill()
	<-s.exited
}

// WaitFDs waits until the server has at least n files open, for at most
// ten seconds: the sign that it has accepted the connections made.
func (s *LocalServer) WaitFDs(n int) error {
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

// Requests the load and memory tests send, written whole in one write.
func loadRequest(port uint16, close bool) []byte {
	req := "GET / HTTP/1.1\r\nHost: localhost:" + strconv.Itoa(int(port)) + "\r\n"
	if close {
		req += "Connection: close\r\n"
	}
	return []byte(req + "\r\n")
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
