package netlab

import (
	"errors"
	"time"
)

// Config describes a link.
type Config struct {
	// RTT is the round-trip time: each direction delays every packet by RTT/2.
	RTT time.Duration
	// Rate limits each direction to Rate bytes per second (ParseRate reads
	// "10mbit"); 0 means no limit.
	Rate float64
	// Burst is the token bucket's size in bytes; 0 means DefaultBurst(Rate).
	// The bucket starts full: the first Burst bytes leave at once.
	Burst int
	// Drops are the ways the link loses packets: none by default.
	Drops
	// Picks are packets the link drops on purpose, each once: the first
	// packet that matches. They come before Drops.Loss, which does not
	// draw for a picked packet.
	Picks []Pick
	// Pcap, if not nil, receives every packet the link carries, as the
	// client's side sees it: a packet the client sends at the time the
	// link reads it, and a packet the client receives at the time the link
	// delivers it, both with the server's address 10.77.0.2. Flush it
	// after Close. A packet the link drops on the way to the server is
	// there (the client sent it); one dropped on the way to the client is
	// not (the client never saw it). Pcap.Server, if not nil, receives
	// the server's side: a packet the server receives when the link
	// delivers it, one it sends when the link reads it, with the server's
	// address 127.0.0.1 (the link rewrites it); the clock is the same.
	Pcap *PcapWriter
	// Sysctl sets sysctls in both namespaces before the link carries a
	// packet, such as "net.ipv4.tcp_congestion_control": "reno". Only the
	// namespaced net.* ones make sense.
	Sysctl map[string]string
}

// Drops are the ways a link loses packets, each direction on its own.
// The zero value loses none.
type Drops struct {
	// Loss is the probability (0 to 1) that the link loses a packet, drawn
	// for every packet as the link reads it, before the queue: a lost
	// packet takes no room in the queue and none of the rate. Each
	// direction draws from its own stream of a PCG seeded with Seed, so the
	// same Seed loses the same packets (by their place in their direction).
	Loss float64 `json:"loss,omitempty"`
	Seed uint64  `json:"seed,omitempty"`
	// Queue is a drop-tail limit, in packets, on the packets that wait for
	// the rate limit: a packet that comes when Queue packets have been
	// given a time to leave that has not yet come is dropped. It needs a
	// Rate; 0 means no limit: packets wait in a 4,096-packet queue per
	// direction, and when that is full the link stops reading from the
	// sender's TUN device until there is room; it never drops.
	Queue int `json:"queue,omitempty"`
}

// Pick names one TCP segment for the link to drop: in one direction, the
// first segment whose sequence numbers cover Seq, counted as tcpdump
// counts relative sequence numbers: 0 is the SYN, 1 the first byte of
// data, n its nth byte. The link learns each connection's initial
// sequence number from its SYN. A retransmission of the picked segment
// passes, as does everything after it: a pick drops once per link.
type Pick struct {
	ToClient bool   `json:"to_client"` // the server's segments, else the client's
	Seq      uint32 `json:"seq"`
}

// Stats is what a link has carried, both directions together.
type Stats struct {
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"`
	Dropped int64 `json:"dropped,omitempty"` // packets lost (Loss) or dropped (Queue)
}

// Sub returns s minus an earlier t.
func (s Stats) Sub(t Stats) Stats {
	return Stats{s.Packets - t.Packets, s.Bytes - t.Bytes, s.Dropped - t.Dropped}
}

// ErrNoLink wraps every error that says the link cannot be created here
// (not Linux, no privilege, no TUN device), as opposed to a link that was
// created and then failed. Tests skip on it.
var ErrNoLink = errors.New("the delayed link cannot be created here")

// Help says what to do when the link cannot be created.
const Help = `The delayed link needs Linux network namespaces and a TUN device (/dev/net/tun):
run as root (sudo), or as a user allowed unprivileged user namespaces
(check: unshare --user --map-root-user true; on Debian and Ubuntu:
sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 and later also
sysctl kernel.apparmor_restrict_unprivileged_userns=0), to whom /dev/net/tun
is readable and writable (mode 0666, as most distributions make it). In a
container, run it with --privileged, or with CAP_NET_ADMIN, CAP_SYS_ADMIN and
the device /dev/net/tun. Without the link, netlab table still prints saved results.`

// Quiet waits until the link has carried nothing for RTT+10ms, and returns
// its Stats then. When a client returns, the FIN and ACK of a closing
// connection are still in the link's queue and arrive RTT/2 later;
// counting at once would miss them here and count them for the next
// measurement. If packets keep coming, it gives up after ten RTTs and a
// second.
func (l *Link) Quiet() Stats {
	rtt := l.Config().RTT
	deadline := time.Now().Add(10*rtt + time.Second)
	s, since := l.Stats(), time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for time.Since(since) < rtt+10*time.Millisecond && time.Now().Before(deadline) {
		<-tick.C
		if t := l.Stats(); t != s {
			s, since = t, time.Now()
		}
	}
	return s
}
