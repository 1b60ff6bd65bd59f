package netlab

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"tcpbook/internal/netns"
)

// EnvUserns is set in the environment of a program that
// RerunInUserNamespace started, so that it does not start itself again.
const EnvUserns = "NETLAB_USERNS"

// RerunInUserNamespace runs this program again in a new user namespace,
// where it is root and can create namespaces and TUN devices (if the kernel
// allows unprivileged users a user namespace), and returns its exit code.
// A program calls it when it is not root and EnvUserns is not set.
func RerunInUserNamespace() (int, error) {
	code, err := netns.Rerun(EnvUserns, false)
	if err != nil {
		return 0, fmt.Errorf("%w: cannot create a user namespace: %w\n%s", ErrNoLink, err, Help)
	}
	return code, nil
}

// EnvNetns is set in the environment of a program that RerunInNetns
// started.
const EnvNetns = "NETLAB_NETNS"

// RerunInNetns runs this program again in a network namespace of its own
// (and a user namespace too when not root), where only it and its
// children use the loopback interface, so that nothing else on the machine
// shares its ports, sockets or TIME_WAIT counts. It returns the exit code.
// The program calls it when EnvNetns is not set, and calls LoopbackUp in
// the new namespace.
func RerunInNetns() (int, error) {
	code, err := netns.Rerun(EnvNetns, true)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNoLink, err)
	}
	return code, nil
}

// LoopbackUp brings up lo, which a new network namespace has down.
func LoopbackUp() error { return netns.LoopbackUp() }

// LocalListening reports whether a TCP socket listens on port in this
// thread's network namespace.
func LocalListening(port uint16) (bool, error) { return netns.Listening(port) }

// InNewNetns runs f on a thread of its own in a new network namespace
// with lo up: the sockets f opens and the programs it starts belong to
// that namespace, which disappears when they are gone.
func InNewNetns(f func()) error {
	th, err := netns.NewThread()
	if err != nil {
		return fmt.Errorf("%w: %w\n%s", ErrNoLink, err, Help)
	}
	defer th.Close()
	th.Run(f)
	return nil
}

// recoveryCounters are the TcpExt counters (nstat(8) names them so) that
// say how a sender found and repaired a loss.
var recoveryCounters = []string{
	"TCPSynRetrans",        // SYN and SYN+ACK retransmissions
	"TCPTimeouts",          // retransmission timeouts (RTO), the SYN's included
	"TCPLossProbes",        // tail loss probes sent (RACK-TLP)
	"TCPLossProbeRecovery", // losses a probe repaired
	"TCPFastRetrans",       // retransmissions before a timeout (fast retransmit, RACK)
	"TCPSackRecovery",      // recovery episodes started by SACK
	"TCPDSACKRecv",         // D-SACKs received: a retransmission turned out needless
}

// recovery returns the nonzero recoveryCounters of each end of the link
// since it was created (each end is a network namespace of its own, and
// the counters are per namespace).
func (l *Link) recovery() (client, server map[string]int64) {
	l.client.run(func() { client = readRecovery() })
	l.server.run(func() { server = readRecovery() })
	return client, server
}

// readRecovery reads the calling thread's namespace's TcpExt counters:
// a line of names and a line of values, both starting "TcpExt:".
func readRecovery() map[string]int64 {
	data, err := os.ReadFile("/proc/thread-self/net/netstat")
	if err != nil {
		return nil
	}
	var names []string
	out := map[string]int64{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "TcpExt:" {
			continue
		}
		if names == nil {
			names = f[1:]
			continue
		}
		for i, v := range f[1:] {
			if i < len(names) && slices.Contains(recoveryCounters, names[i]) {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n != 0 {
					out[names[i]] = n
				}
			}
		}
	}
	return out
}
