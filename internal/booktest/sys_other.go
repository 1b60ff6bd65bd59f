//go:build !linux

package booktest

import (
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"tcpbook/internal/netns"
)

// listeningBy connects to find out: without Linux's socket tables, that
// is the only way to know, and the server will log the connection. It
// cannot tell whose socket it reached, so it calls any the groups'.
func listeningBy(addr string, pgids []int) (netns.Who, error) {
	hostport, udp := strings.CutPrefix(addr, udpPrefix)
	if udp {
		// Bound already if binding fails.
		c, err := net.ListenPacket("udp", hostport)
		if err == nil {
			c.Close()
			return netns.Nobody, nil
		}
	} else {
		c, err := net.DialTimeout("tcp", hostport, time.Second)
		if err != nil {
			return netns.Nobody, nil
		}
		c.Close()
	}
	if len(pgids) == 0 {
		return netns.Other, nil
	}
	return netns.Group, nil
}

func openTerminal() (term, tty *os.File, err error) {
	return nil, nil, errors.New("no pseudo-terminal here")
}

// dieWithParent does nothing: only Linux has Pdeathsig. The watchdog of
// the process group still kills it when this process dies.
func dieWithParent(attr *syscall.SysProcAttr) {}

// waitExited reports that it cannot wait without reaping here.
func waitExited(pid int) bool { return false }
