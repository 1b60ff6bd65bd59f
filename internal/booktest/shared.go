package booktest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// Without a network namespace, the tests and scripts that use a fixed port
// (the book's localhost:8888) share this machine's network. They then run
// one at a time: each holds lockNetwork while it uses the network, in this
// test binary and across the ones go test ./... runs side by side.

// noticeShared says, in the test's log and once per process on standard
// error, that the tests run on this machine's network, and why.
func noticeShared(t *testing.T, why error) {
	t.Helper()
	msg := fmt.Sprintf("NOTICE: no network namespace (%v): the tests and scripts that use a fixed port run one at a time on this machine's network", why)
	t.Log(msg)
	noticeOnce.Do(func() { fmt.Fprintln(os.Stderr, msg) })
}

var noticeOnce sync.Once

// lockFile is the lock of this machine's network, for the tests of every
// checkout and every user (see lockNetwork).
var lockFile = filepath.Join(os.TempDir(), "tcpbook-network.lock")

// lockNetwork waits until no other test on this machine holds the lock of
// its network, and takes it. The lock is an flock on lockFile: the kernel
// releases it when unlock closes the file, or when the process dies.
func lockNetwork() (unlock func(), err error) {
	f, err := os.Open(lockFile)
	if errors.Is(err, fs.ErrNotExist) {
		// Readable by all, so another user's tests can lock it too.
		f, err = os.OpenFile(lockFile, os.O_RDONLY|os.O_CREATE, 0o644)
	}
	if err != nil {
		return nil, fmt.Errorf("the lock of this machine's network: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("the lock of this machine's network: flock %s: %w", lockFile, err)
	}
	return func() { f.Close() }, nil
}
