package booktest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tcpbook/internal/chapter"
	"tcpbook/internal/netns"
)

// envIsolated names the test that a child process runs isolated.
const envIsolated = "BOOKTEST_ISOLATED"

// Isolate runs the calling test in a child process with a network
// namespace of its own, so that the test can use the address the book's
// programs use (localhost:8888) whatever else listens on this machine, and
// run in parallel with other tests that do too. It returns true in that
// child, where the test goes on, and false in the parent, after reporting
// the child's result.
//
// Where no namespace can be made (netns.Probe says why), it logs the
// reason, waits until no other test on this machine uses the machine's
// network (in this test binary or another: go test ./... runs packages
// side by side), and returns true: the test goes on here, alone on
// localhost:8888 until it ends, even if it called t.Parallel.
//
// Call it first in a top-level test:
//
//	func TestBadClients(t *testing.T) {
//		if !booktest.Isolate(t) {
//			return
//		}
//		...
//	}
func Isolate(t *testing.T) bool {
	t.Helper()
	if os.Getenv(envIsolated) == t.Name() {
		if err := enterNetns(); err != nil {
			t.Fatalf("bringing up the loopback interface: %v", err)
		}
		return true
	}
	if strings.Contains(t.Name(), "/") {
		t.Fatal("booktest.Isolate works in top-level tests only")
	}
	if err := netns.Probe(); err != nil {
		noticeShared(t, err)
		unlock, err := lockNetwork()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(unlock)
		return true
	}
	report, skipped, err := reexec(t.Name(), envIsolated+"="+t.Name())
	switch {
	case err != nil:
		t.Errorf("in its own network namespace: %v\n%s", err, report)
	case skipped == t.Name():
		t.Skipf("in its own network namespace:\n%s", report)
	case testing.Verbose():
		t.Logf("in its own network namespace:\n%s", report)
	}
	return false
}

// Build builds the chapter program in dir (a slash path from the book's
// root, like "chapters/02") as go run does, and returns the executable.
func Build(t *testing.T, dir string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := chapter.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), binName(dir))
	if err := goBuild(root, dir, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// A Server is a program running in the background for a test.
type Server struct {
	cmd  *exec.Cmd
	g    *group
	out  *output
	done chan struct{}
	err  error
}

// Start runs the program bin and waits until it listens on addr (it, or
// a process it started: another program listening there does not count).
// addr is HOST:PORT for a TCP port, or UDP(HOST:PORT) for a UDP port the
// program binds. The program runs in the test's working directory, in a
// process group of its own: when the test ends, the group is killed, the
// program and whatever it started; and if the test binary dies first
// (go test -timeout), the group dies with it.
func Start(t *testing.T, bin, addr string) *Server {
	t.Helper()
	return StartIn(t, "", bin, addr)
}

// StartIn is Start with the program running in directory dir, as a
// reader's would in the shell's current directory: a program that makes
// files there (chapter 9's certificates) makes them in dir, not in the
// test's package directory. dir "" is the test's working directory.
func StartIn(t *testing.T, dir, bin, addr string) *Server {
	t.Helper()
	s := &Server{cmd: exec.Command(bin), out: &output{}, done: make(chan struct{})}
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	g, err := startGroup(s.cmd)
	if err != nil {
		t.Fatal(err)
	}
	s.g = g
	go func() {
		s.err = g.wait(nil)
		close(s.done)
	}()
	t.Cleanup(func() {
		g.signal(syscall.SIGKILL)
		<-s.done
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := waitListening(ctx, addr, func() []int { return []int{g.pgid} }, s.Alive); err != nil {
		t.Fatalf("%v\n%s", err, s.Output())
	}
	return s
}

// UDP names a UDP port for Start to wait for (as waitport -udp does in a
// script): Start(t, bin, booktest.UDP("localhost:8443")) returns once the
// program has bound a UDP socket to that address.
func UDP(hostport string) string { return udpPrefix + hostport }

// Output returns what the program has printed so far.
func (s *Server) Output() string { return s.out.String() }

// Alive returns nil while the program runs, and why it ended otherwise.
func (s *Server) Alive() error {
	select {
	case <-s.done:
		return fmt.Errorf("the program ended: %v\n%s", s.err, s.Output())
	default:
		return nil
	}
}

// Interrupt presses Ctrl-C where the program runs: the terminal sends
// SIGINT to its foreground process group, the program and whatever it
// started. It returns an error, and sends nothing, if the program has
// already ended. Wait then says how it ended.
func (s *Server) Interrupt() error {
	if err := s.Alive(); err != nil {
		return fmt.Errorf("before Ctrl-C: %w", err)
	}
	s.g.signal(syscall.SIGINT)
	return nil
}

// Wait waits at most timeout for the program to end and returns how it
// ended: nil for exit status 0, else the *exec.ExitError (another status,
// or the signal that ended it). What it printed is all in Output by then.
// A program still running after timeout is left running (the end of the
// test kills it), and Wait returns an error saying so.
func (s *Server) Wait(timeout time.Duration) error {
	select {
	case <-s.done:
		return s.err
	case <-time.After(timeout):
		return fmt.Errorf("the program still runs %v later", timeout)
	}
}

// RSS returns the program's resident memory in bytes (Linux only).
func (s *Server) RSS() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
}

// WaitOutput waits until the program has printed want, failing the test if
// it ends first or takes longer than a script's wait would.
func WaitOutput(t *testing.T, s *Server, want string) {
	t.Helper()
	contains := func(out string) bool { return strings.Contains(out, want) }
	switch s.out.waitFor(contains, s.done, waitTimeout) {
	case errEnded:
		t.Fatalf("the program ended (%v) without printing %q:\n%s", s.err, want, s.Output())
	case errTimeout:
		t.Fatalf("the program did not print %q within %v:\n%s", want, waitTimeout, s.Output())
	}
}
