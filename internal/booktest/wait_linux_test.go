package booktest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"tcpbook/internal/netns"
)

// startTestServer starts the test binary as a server on addr ("-":
// listening nowhere), in a process group of its own, killed when the test
// ends.
func startTestServer(t *testing.T, addr string) *group {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envTestListen+"="+addr)
	g, err := startGroup(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.signal(syscall.SIGKILL)
		g.wait(nil)
	})
	return g
}

// TestWaitListeningOurs: the wait ends when the started program listens,
// and not when another program listens on the same port, which the
// socket table alone cannot tell apart.
func TestWaitListeningOurs(t *testing.T) {
	t.Parallel()
	none := func() error { return nil }
	groups := func(gs ...*group) func() []int {
		return func() []int {
			var pgids []int
			for _, g := range gs {
				pgids = append(pgids, g.pgid)
			}
			return pgids
		}
	}

	// This test process listens, as another test's server would; the
	// started program never does.
	other := freeAddr(t)
	ln, err := net.Listen("tcp", other)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	idle := startTestServer(t, "-")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = waitListening(ctx, other, groups(idle), none)
	if err == nil || !strings.Contains(err.Error(), "another program listens on "+other) {
		t.Errorf("waiting for the idle program on a port another program listens on: %v; want an error naming the other program", err)
	}
	port, _ := portOf(other)
	if ok, _ := netns.Listening(port); !ok {
		t.Errorf("the socket table does not show the other program's listener on %s", other)
	}

	// The started program listens: the wait ends, for its group only.
	mine := freeAddr(t)
	srv := startTestServer(t, mine)
	ctx, cancel = context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := waitListening(ctx, mine, groups(idle, srv), none); err != nil {
		t.Errorf("waiting for the program that listens: %v", err)
	}
	if who, err := listeningBy(mine, []int{idle.pgid}); who != netns.Other || err != nil {
		t.Errorf("listeningBy(%s, the idle program's group) = %v, %v; want %v", mine, who, err, netns.Other)
	}

	// waitport -udp: the started program binds a UDP port, as a QUIC
	// server does; the TCP port of the same number stays free.
	udp := udpPrefix + freeAddr(t)
	udpSrv := startTestServer(t, udp)
	ctx, cancel = context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := waitListening(ctx, udp, groups(udpSrv), none); err != nil {
		t.Errorf("waiting for the program that binds %s: %v", udp, err)
	}
	if who, err := listeningBy(strings.TrimPrefix(udp, udpPrefix), []int{udpSrv.pgid}); who != netns.Nobody || err != nil {
		t.Errorf("listeningBy(the TCP port of %s) = %v, %v; want %v", udp, who, err, netns.Nobody)
	}
}
