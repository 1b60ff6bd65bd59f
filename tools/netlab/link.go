package netlab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"tcpbook/internal/netns"
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
	rtt := l.cfg.RTT
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

// Link は、クライアントの名前空間とサーバーの名前空間をつなぐリンクです。
// 2 つの TUN デバイスの間でパケットを運び、向きごとに RTT/2 ずつ遅らせます。
type Link struct {
	cfg            Config
	client, server *side
	tunC, tunS     *os.File
	done           chan struct{}
	wg             sync.WaitGroup
	stats          linkStats
}

// NewLink creates the client and server namespaces and joins them with a
// link as cfg describes. It needs root, or root in a user namespace. An
// error that means the link cannot be created here wraps ErrNoLink; its
// text says what to do (Help).
func NewLink(cfg Config) (_ *Link, err error) {
	if cfg.RTT < 0 || cfg.Rate < 0 || cfg.Queue < 0 || !(cfg.Loss >= 0 && cfg.Loss <= 1) {
		return nil, errors.New("netlab: negative RTT, rate or queue, or a loss outside 0 to 1")
	}
	l := &Link{cfg: cfg, done: make(chan struct{})}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	if l.client, err = newNetns(); err != nil {
		return nil, err
	}
	if l.server, err = newNetns(); err != nil {
		return nil, err
	}
	l.client.run(func() { l.tunC, err = setup(ClientIP, ServerIP, false, cfg.Sysctl) })
	if err != nil {
		return nil, fmt.Errorf("client side: %w", err)
	}
	l.server.run(func() { l.tunS, err = setup(ServerIP, ClientIP, true, cfg.Sysctl) })
	if err != nil {
		return nil, fmt.Errorf("server side: %w", err)
	}
	half := cfg.RTT / 2
	toServer := &forwarder{from: l.tunC, to: l.tunS, delay: half, rewrite: toLoopback, done: l.done, stats: &l.stats}
	toClient := &forwarder{from: l.tunS, to: l.tunC, delay: half, rewrite: fromLoopback, done: l.done, stats: &l.stats}
	toServer.setDrops(cfg.Drops, 1)
	toClient.setDrops(cfg.Drops, 2)
	toServer.setPicks(cfg.Picks, false)
	toClient.setPicks(cfg.Picks, true)
	if cfg.Rate > 0 {
		toServer.bucket = newTokenBucket(cfg.Rate, cfg.Burst)
		toClient.bucket = newTokenBucket(cfg.Rate, cfg.Burst)
	}
	if cfg.Pcap != nil {
		capture := func(t time.Time, p []byte) { cfg.Pcap.WritePacket(t, p) }
		toServer.onRead = capture  // sent by the client, before the rewrite
		toClient.onWrite = capture // received by the client, after it
		if s := cfg.Pcap.Server; s != nil {
			capture := func(t time.Time, p []byte) { s.WritePacket(t, p) }
			toServer.onWrite = capture // received by the server, after the rewrite
			toClient.onRead = capture  // sent by the server, before it
		}
	}
	l.wg.Add(2)
	go func() { defer l.wg.Done(); toServer.forward() }()
	go func() { defer l.wg.Done(); toClient.forward() }()
	return l, nil
}

// Stats returns what the link has carried so far.
func (l *Link) Stats() Stats {
	return Stats{l.stats.packets.Load(), l.stats.bytes.Load(), l.stats.dropped.Load()}
}

// Dial connects from the client's namespace to addr, such as
// "10.77.0.2:8888".
func (l *Link) Dial(ctx context.Context, network, addr string) (conn net.Conn, err error) {
	l.client.run(func() {
		var d net.Dialer
		conn, err = d.DialContext(ctx, network, addr)
	})
	return conn, err
}

// Start starts cmd in the server's namespace.
func (l *Link) Start(cmd *exec.Cmd) (err error) {
	l.server.run(func() { err = cmd.Start() })
	return err
}

// StartClient starts cmd in the client's namespace.
func (l *Link) StartClient(cmd *exec.Cmd) (err error) {
	l.client.run(func() { err = cmd.Start() })
	return err
}

// Listening reports whether a TCP socket listens on port in the server's
// namespace, by reading that namespace's socket table: it makes no
// connection.
func (l *Link) Listening(port uint16) (ok bool, err error) {
	l.server.run(func() { ok, err = netns.Listening(port) })
	return ok, err
}

// Net returns the TCP settings of the client's and the server's namespace.
func (l *Link) Net() (client, server NetInfo) {
	l.client.run(func() { client = readNetInfo() })
	l.server.run(func() { server = readNetInfo() })
	return client, server
}

// Close takes the link down: packets still in flight are dropped. The
// namespaces disappear with their last process and thread.
func (l *Link) Close() {
	if l.done != nil {
		select {
		case <-l.done:
			return // closed already
		default:
			close(l.done)
		}
	}
	for _, f := range []*os.File{l.tunC, l.tunS} {
		if f != nil {
			f.Close() // the forwarders' reads end
		}
	}
	l.wg.Wait()
	for _, ns := range []*side{l.client, l.server} {
		if ns != nil {
			ns.Close()
		}
	}
}

// side is one of the link's two network namespaces: a thread of its own
// (netns.Thread) on which run runs a function.
type side struct{ th *netns.Thread }

// newNetns makes a namespace for one side of the link, with lo up.
func newNetns() (*side, error) {
	th, err := netns.NewThread()
	if err != nil {
		return nil, fmt.Errorf("%w: %w\n%s", ErrNoLink, err, Help)
	}
	return &side{th}, nil
}

func (s *side) run(f func()) { s.th.Run(f) }
func (s *side) Close()       { s.th.Close() }

// writeSysctl sets the sysctl name ("net.ipv4.tcp_congestion_control")
// of the calling thread's network namespace.
func writeSysctl(name, value string) error {
	if !strings.HasPrefix(name, "net.") || strings.Contains(name, "/") || strings.Contains(name, "..") {
		return fmt.Errorf("sysctl %s: only the namespace's own net.* settings can be set", name)
	}
	p := "/proc/sys/" + strings.ReplaceAll(name, ".", "/")
	if err := os.WriteFile(p, []byte(value+"\n"), 0); err != nil {
		if name == "net.ipv4.tcp_congestion_control" {
			avail, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_available_congestion_control")
			allowed, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_allowed_congestion_control")
			return fmt.Errorf("sysctl %s=%s: %w (available here: %s; a network namespace other than the first may only choose an allowed one: %s)",
				name, value, err, strings.TrimSpace(string(avail)), strings.TrimSpace(string(allowed)))
		}
		return fmt.Errorf("sysctl %s=%s: %w", name, value, err)
	}
	return nil
}
