package netlab

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Server is a server program running in the link's server namespace.
type Server struct {
	cmd    *exec.Cmd
	exited chan error
	out    *output
}

// StartServer starts the program exe with args in the server's namespace
// and waits until it listens on TCP port, reading the namespace's socket
// table (no connection is made, so the server's log shows only the
// measurement's clients). It gives up after ten seconds, or at once if the
// program exits; the error shows the program's last lines of output.
func StartServer(l *Link, port uint16, exe string, args ...string) (*Server, error) {
	return startServer(l, exe, args, nil, fmt.Sprintf("to listen on TCP port %d", port),
		func(int) (bool, error) { return l.Listening(port) })
}

// startServer starts exe with args in the server's namespace and waits
// until ready(pid) says so or, if line is not nil, until the program
// prints a line (on stdout or stderr) that matches line. what says what it
// waits for, for the error.
func startServer(l *Link, exe string, args []string, line *regexp.Regexp, what string, ready func(pid int) (bool, error)) (*Server, error) {
	s := &Server{cmd: exec.Command(exe, args...), exited: make(chan error, 1), out: &output{ready: line}}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.WaitDelay = time.Second // a child that holds the output open does not hold up Stop
	if err := l.Start(s.cmd); err != nil {
		return nil, err
	}
	go func() { s.exited <- s.cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for wait := time.Duration(0); ; wait = 5 * time.Millisecond {
		select {
		case err := <-s.exited:
			return nil, fmt.Errorf("%s exited (%v) while netlab waited for it %s; its last output:\n%s", exe, err, what, s.out.tail())
		case <-time.After(wait):
		}
		ok, err := s.out.matched(), error(nil)
		if line == nil {
			ok, err = ready(s.cmd.Process.Pid)
		}
		if err != nil {
			s.Stop()
			return nil, err
		}
		if ok {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("%s is not ready after 10 s: netlab waited for it %s; its last output:\n%s", exe, what, s.out.tail())
		}
	}
}

// Stop kills the server and waits for it to end.
func (s *Server) Stop() {
	s.cmd.Process.Kill()
	<-s.exited
}

// output is a program's stdout and stderr together: it keeps the last
// lines, for an error message, and notes a line that matches ready.
type output struct {
	mu      sync.Mutex
	ready   *regexp.Regexp
	seen    bool
	partial []byte   // the line being written
	last    []string // the last lines, at most 10
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.partial = append(o.partial, p...)
	for len(o.partial) > 0 {
		line, rest, ok := bytes.Cut(o.partial, []byte("\n"))
		if !ok && len(line) < 4096 {
			break
		}
		o.seen = o.seen || o.ready != nil && o.ready.Match(line)
		o.last = append(o.last[max(0, len(o.last)-9):], string(line))
		o.partial = append(o.partial[:0], rest...)
	}
	return len(p), nil
}

func (o *output) matched() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen
}

// tail returns the last lines written, indented, or "(none)".
func (o *output) tail() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	lines := append(o.last[:len(o.last):len(o.last)], string(o.partial))
	s := strings.TrimSpace(strings.Join(lines, "\n"))
	if s == "" {
		return "\t(none)"
	}
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}
