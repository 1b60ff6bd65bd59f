// Package netns owns the network namespaces of the book's tests (booktest)
// and its lab (tools/netlab): whether this process can give a child a
// network of its own, starting a child or this program again in one,
// bringing interfaces up, a thread in a new namespace, and whether a
// TCP socket listens on a port, and whose it is.
//
// A network namespace needs root, or an unprivileged user namespace in
// which the process is root. Where neither can be had (macOS; Ubuntu 23.10
// and later, whose AppArmor keeps unprivileged user namespaces from
// configuring a network: kernel.apparmor_restrict_unprivileged_userns=1;
// a container that forbids them), Probe says why, and the caller falls
// back to the machine's own network, one user of a port at a time.
//
// TCPBOOK_NO_NETNS=1 in the environment makes Probe fail as it would
// there, so the fallback can be tried on a machine that has namespaces.
package netns

import (
	"errors"
	"os"
	"sync"
)

// EnvOff, set to 1, makes Probe report that no namespace can be made.
const EnvOff = "TCPBOOK_NO_NETNS"

// ErrOff is the reason Probe gives when EnvOff is set.
var ErrOff = errors.New(EnvOff + "=1 in the environment: network namespaces are treated as unavailable")

// Probe reports whether a child process can be given a network namespace
// of its own, with its loopback interface up: nil if it can, and why not
// otherwise. It tries once per process and remembers the answer.
func Probe() error { return probeOnce() }

var probeOnce = sync.OnceValue(check)

func check() error {
	if os.Getenv(EnvOff) == "1" {
		return ErrOff
	}
	return probe()
}

// Who says whose socket listens on a port.
type Who int

const (
	Nobody Who = iota // nothing listens
	Group             // a process of the group holds a listening socket
	Other             // something listens, and no process of the group holds it
)

func (w Who) String() string {
	return [...]string{"nobody", "the group", "another program"}[w]
}
