//go:build !linux

package booktest

import (
	"context"
	"errors"
	"fmt"
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

// waitListening connects to find out: without Linux's socket tables, that
// is the only way to know, and the server will log the connection.
func waitListening(ctx context.Context, hostport string, check func() error) error {
	for {
		if listening(hostport) {
			return nil
		}
		if err := check(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nothing listens on %s after %v", hostport, portTimeout)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func listening(hostport string) bool {
	c, err := net.DialTimeout("tcp", hostport, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func openTerminal() (term, tty *os.File, err error) {
	return nil, nil, errors.New("no pseudo-terminal here")
}
