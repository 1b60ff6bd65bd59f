//go:build linux

package netlab

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"tcpbook/internal/netns"
)

// What needs Linux itself, beyond its namespaces: the TUN devices, CPU
// affinity and a non-blocking connect.

const tunName = "tun0" // 名前空間ごとにデバイス名は別なので、両側で同じ名前を使える

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

// PinProcess restricts every thread of this process to cpus; threads
// started later inherit the restriction.
func PinProcess(cpus []int) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	// Twice: a thread started while the first pass runs inherits the old set.
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("sched_setaffinity %v: %w", cpus, err)
			}
		}
	}
	return nil
}

// StartPinned starts cmd restricted to cpus: it starts it from a thread of
// its own that it restricts first, since a new process inherits the CPUs
// of the thread that starts it. That thread ends afterwards.
func StartPinned(cmd *exec.Cmd, cpus []int) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		var set unix.CPUSet
		for _, c := range cpus {
			set.Set(c)
		}
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			errc <- fmt.Errorf("sched_setaffinity %v: %w", cpus, err)
			return
		}
		errc <- cmd.Start()
	}()
	return <-errc
}

// Affinity returns the CPUs the process pid may run on (0: this one).
func Affinity(pid int) ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		return nil, err
	}
	var cpus []int
	for c := range 1024 {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}
