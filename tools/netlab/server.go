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

// Server is a server program that netlab started: in the link's server
// namespace (StartServer) or on this machine's loopback (StartLocalServer).
type Server struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // after exited is closed
	// stderr is the last lines of its stderr (String), and of its stdout
	// too when a ready line is awaited.
	stderr *output
}

// StartServer starts the program exe with args in the server's namespace
// and waits until it listens on TCP port, reading the namespace's socket
// table (no connection is made, so the server's log shows only the
// measurement's clients). It gives up after ten seconds, or at once if the
// program exits; the error shows the last lines of its stderr.
func StartServer(l *Link, port uint16, exe string, args ...string) (*Server, error) {
	return startServer(l.Start, exe, args, nil, fmt.Sprintf("to listen on TCP port %d", port),
		func(int) (bool, error) { return l.Listening(port) })
}

// StartLocalServer starts exe with args on this machine's loopback, on
// cpus if any and with env added to its environment, and waits as
// StartServer does.
func StartLocalServer(port uint16, cpus []int, env []string, exe string, args ...string) (*Server, error) {
	start := func(cmd *exec.Cmd) error {
		if len(env) > 0 {
			cmd.Env = append(cmd.Environ(), env...)
		}
		if len(cpus) > 0 {
			return StartPinned(cmd, cpus)
		}
		return cmd.Start()
	}
	return startServer(start, exe, args, nil, fmt.Sprintf("to listen on TCP port %d", port),
		func(int) (bool, error) { return LocalListening(port) })
}

// startServer starts exe with args with start and waits until ready(pid)
// says so or, if line is not nil, until the program prints a line (on
// stdout or stderr) that matches line. The error shows the last lines of
// its stderr (and of its stdout if line is not nil). what says what it waits for, for
// the error.
func startServer(start func(*exec.Cmd) error, exe string, args []string, line *regexp.Regexp, what string, ready func(pid int) (bool, error)) (*Server, error) {
	s := &Server{cmd: exec.Command(exe, args...), exited: make(chan struct{}), stderr: &output{ready: line}}
	// stdout goes to /dev/null unless a line on it is awaited: chapter 2's
	// server prints every request there, and reading that would cost
	// netlab's CPU, which the measurements share.
	s.cmd.Stderr = s.stderr
	if line != nil {
		s.cmd.Stdout = s.stderr
	}
	s.cmd.WaitDelay = time.Second // a child that holds the output open does not hold up Stop
	if err := start(s.cmd); err != nil {
		return nil, err
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for wait := time.Duration(0); ; wait = 5 * time.Millisecond {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("%s exited (%v) while netlab waited for it %s; its last output:\n%s", exe, s.err, what, s.stderr.tail())
		case <-time.After(wait):
		}
		ok, err := s.stderr.matched(), error(nil)
		if line == nil {
			ok, err = ready(s.Pid())
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
			return nil, fmt.Errorf("%s is not ready after 10 s: netlab waited for it %s; its last output:\n%s", exe, what, s.stderr.tail())
		}
	}
}

// Pid returns the server's process ID.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Alive returns nil while the server runs, and why it ended after.
func (s *Server) Alive() error {
	select {
	case <-s.exited:
		return fmt.Errorf("the server exited: %v; its last output:\n%s", s.err, s.stderr.tail())
	default:
		return nil
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

// String returns the last lines written.
func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(append(o.last[:len(o.last):len(o.last)], string(o.partial)), "\n")
}

// tail returns the last lines written, indented, for an error message.
func (o *output) tail() string {
	s := strings.TrimSpace(o.String())
	if s == "" {
		return "\t(none)"
	}
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}
