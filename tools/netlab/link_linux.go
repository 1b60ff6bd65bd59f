//go:build linux

package netlab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"tcpbook/internal/netns"
)

const tunName = "tun0" // 名前空間ごとにデバイス名は別なので、両側で同じ名前を使える

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

// Config returns the configuration the link was created with.
func (l *Link) Config() Config { return l.cfg }

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

// Listen listens in the server's namespace, as a server started with
// StartServer would: Listen("tcp", "127.0.0.1:0"), and the client reaches
// it at ServerIP and the same port.
func (l *Link) Listen(network, addr string) (ln net.Listener, err error) {
	l.server.run(func() { ln, err = net.Listen(network, addr) })
	return ln, err
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

// setup は名前空間の中で動き、sysctl を設定し、TUN デバイスを
// 作って、自分のアドレス local と相手のアドレス peer を設定します。
func setup(local, peer string, routeLocalnet bool, sysctl map[string]string) (*os.File, error) {
	for k, v := range sysctl {
		if err := writeSysctl(k, v); err != nil {
			return nil, err
		}
	}
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: /dev/net/tun: %w\n%s", ErrNoLink, err, Help)
	}
	ifr, err := unix.NewIfreq(tunName)
	if err == nil {
		// IFF_TUN は IP パケットを、IFF_NO_PI は余計な前置きなしで読み書きする
		ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
		err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%w: TUNSETIFF: %w\n%s", ErrNoLink, err, Help)
	}
	// os.NewFile は fd をランタイムのネットワークポーラー（epoll）に登録する。
	// デバイスにつなぐ TUNSETIFF より前に登録すると、読めるようになっても
	// 知らせが来ないので、必ずこの順番にする
	tun := os.NewFile(uintptr(fd), "/dev/net/tun")
	err = configure(tunName, local, peer)
	if err == nil && routeLocalnet {
		// 127.0.0.1 宛て・127.0.0.1 発のパケットがこのデバイスを通るのを許す
		err = os.WriteFile("/proc/sys/net/ipv4/conf/"+tunName+"/route_localnet", []byte("1\n"), 0)
	}
	if err != nil {
		tun.Close()
		return nil, fmt.Errorf("%s: %w", tunName, err)
	}
	return tun, nil
}

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

// configure は、1 対 1 のリンクのこちら側のアドレスと相手のアドレスを設定して、
// インターフェースを上げます。相手への経路はカーネルが足します。
func configure(name, local, peer string) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for _, a := range []struct {
		req  uint
		addr string
	}{
		{unix.SIOCSIFADDR, local},
		{unix.SIOCSIFNETMASK, "255.255.255.255"},
		{unix.SIOCSIFDSTADDR, peer},
	} {
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return err
		}
		ip := netip.MustParseAddr(a.addr).As4()
		if err := ifr.SetInet4Addr(ip[:]); err != nil {
			return err
		}
		if err := unix.IoctlIfreq(fd, a.req, ifr); err != nil {
			return fmt.Errorf("%s: %w", a.addr, err)
		}
	}
	return netns.IfUp(name)
}

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
