//go:build !linux

package booktest

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"
)

func (iso isolation) attr() *syscall.SysProcAttr { return nil }

func probeIsolation() isolation {
	return isolation{err: errors.New("network namespaces need Linux")}
}

func loopbackUp() error { return errors.New("network namespaces need Linux") }

// listening connects to find out: without Linux's socket tables, that is
// the only way to know, and the server will log the connection.
func listening(hostport string) (bool, error) {
	c, err := net.DialTimeout("tcp", hostport, time.Second)
	if err != nil {
		return false, nil
	}
	c.Close()
	return true, nil
}

func openTerminal() (term, tty *os.File, err error) {
	return nil, nil, errors.New("no pseudo-terminal here")
}

// dieWithParent does nothing: only Linux has Pdeathsig. The watchdog of
// the process group still kills it when this process dies.
func dieWithParent(attr *syscall.SysProcAttr) {}

// waitExited reports that it cannot wait without reaping here.
func waitExited(pid int) bool { return false }
