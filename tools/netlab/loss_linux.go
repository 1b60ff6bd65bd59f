package netlab

import (
	"os"
	"slices"
	"strconv"
	"strings"
)

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
