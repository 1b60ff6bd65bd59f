package netns

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envListen makes the test binary a server for these tests: it listens on
// the address it names, prints "listening", and ends with its input.
const envListen = "NETNS_TEST_LISTEN"

func TestMain(m *testing.M) {
	if addr := os.Getenv(envListen); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("listening")
		bufio.NewReader(os.Stdin).ReadString('\n')
		ln.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func port(t *testing.T, addr net.Addr) uint16 {
	t.Helper()
	_, p, err := net.SplitHostPort(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		t.Fatal(err)
	}
	return uint16(n)
}

func freePort(t *testing.T) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return port(t, ln.Addr())
}

// TestWhoListens: a socket is the group's only when a process of that
// group holds it; a listener of another program is Other, which a look
// at the socket table alone (Listening) cannot tell apart.
func TestWhoListens(t *testing.T) {
	mine, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	myPort := port(t, mine.Addr())

	// A server in a process group of its own, as booktest starts one.
	childPort := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", childPort)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envListen+"="+addr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "listening\n" {
		t.Fatalf("the server printed %q, %v", line, err)
	}
	child, me := cmd.Process.Pid, syscall.Getpgrp()

	// A UDP socket bound to a port, as a QUIC server's; and one
	// connected to it, as a client's, which listens for nobody else.
	bound, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer bound.Close()
	udpPort := port(t, bound.LocalAddr())
	connected, err := net.Dial("udp", bound.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer connected.Close()
	connectedPort := port(t, connected.LocalAddr())

	for _, c := range []struct {
		port uint16
		udp  bool
		pgid int
		want Who
	}{
		{myPort, false, me, Group},
		{myPort, false, child, Other},
		{childPort, false, child, Group},
		{childPort, false, me, Other},
		{freePort(t), false, me, Nobody},
		{udpPort, true, me, Group},
		{udpPort, true, child, Other},
		{udpPort, false, me, Nobody},
		{connectedPort, true, me, Nobody},
	} {
		got, err := WhoListens(c.port, c.udp, c.pgid)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("WhoListens(%d, udp %v, group %d) = %v, want %v", c.port, c.udp, c.pgid, got, c.want)
		}
		if c.udp {
			continue
		}
		if ok, err := Listening(c.port); err != nil || ok != (c.want != Nobody) {
			t.Errorf("Listening(%d) = %v, %v", c.port, ok, err)
		}
	}
}

// TestOff: TCPBOOK_NO_NETNS=1 makes every way to a namespace fail with
// the reason, as on a machine without user namespaces.
func TestOff(t *testing.T) {
	t.Setenv(EnvOff, "1")
	if err := check(); !errors.Is(err, ErrOff) {
		t.Errorf("the probe: %v, want %v", err, ErrOff)
	}
	if _, err := NewThread(); !errors.Is(err, ErrOff) {
		t.Errorf("NewThread: %v, want %v", err, ErrOff)
	}
	if _, err := Rerun("NETNS_TEST_NEVER", false); !errors.Is(err, ErrOff) {
		t.Errorf("Rerun: %v, want %v", err, ErrOff)
	}
}

// TestThread: a thread's namespace has its own loopback, up, and none of
// this machine's listeners.
func TestThread(t *testing.T) {
	if err := Probe(); err != nil {
		t.Skipf("NOTICE: no network namespace here: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("NewThread needs root (Rerun gives it in a user namespace); the probe's child checked the rest")
	}
	outside, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer outside.Close()
	th, err := NewThread()
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	th.Run(func() {
		if ok, err := Listening(port(t, outside.Addr())); err != nil || ok {
			t.Errorf("the machine's listener shows in the thread's namespace: %v, %v", ok, err)
		}
		ln, err := net.Listen("tcp", outside.Addr().String()) // the same address, free in here
		if err != nil {
			t.Errorf("listening on lo in the thread's namespace: %v", err)
			return
		}
		defer ln.Close()
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
		if err != nil {
			t.Errorf("connecting over lo in the thread's namespace: %v", err)
			return
		}
		c.Close()
	})
}

// TestProbe says whether this machine gives the tests network namespaces,
// and how, or why not: go test -v -run TestProbe ./internal/netns.
func TestProbe(t *testing.T) {
	if err := Probe(); err != nil {
		t.Logf("NOTICE: no network namespace: %v", err)
		return
	}
	how := "as root"
	if userns {
		how = "in an unprivileged user namespace"
	}
	t.Logf("network namespaces: available, %s", how)
	// A child started with Attr has its own network: it does not see
	// this machine's listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	attr, err := Attr()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null")
	cmd.SysProcAttr = attr
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(":%04X 00000000:0000 0A", port(t, ln.Addr())); strings.Contains(string(out), want) {
		t.Errorf("the child sees this machine's listener (%s):\n%s", want, out)
	}
}
