package netlab

import (
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Server is a server program running in the link's server namespace.
type Server struct {
	cmd    *exec.Cmd
	exited chan error
	stderr *strings.Builder
}

// StartServer starts the program exe with args in the server's namespace
// and waits until it listens on port, reading the namespace's socket
// table (no connection is made, so the server's log shows only the
// measurement's clients). It gives up after ten seconds, or at once if the
// program exits.
func StartServer(l *Link, port uint16, exe string, args ...string) (*Server, error) {
	s := &Server{cmd: exec.Command(exe, args...), exited: make(chan error, 1), stderr: &strings.Builder{}}
	s.cmd.Stderr = s.stderr
	if err := l.Start(s.cmd); err != nil {
		return nil, err
	}
	go func() { s.exited <- s.cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := l.Listening(port)
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
		case err := <-s.exited:
			return nil, fmt.Errorf("%s exited: %v\n%s", exe, err, s.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Stop kills the server and waits for it to end.
func (s *Server) Stop() {
	s.cmd.Process.Kill()
	<-s.exited
}
