//go:build linux

package netns

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// envProbe marks the child Probe starts: this package's init, in that
// child, brings its loopback up and exits.
const envProbe = "TCPBOOK_NETNS_PROBE"

func init() {
	if os.Getenv(envProbe) != "1" {
		return
	}
	if err := LoopbackUp(); err != nil {
		fmt.Fprintf(os.Stderr, "bringing up lo: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// userns is true once probe has found that a namespace needs a user
// namespace too (not root, or root without the capability).
var userns bool

// probe starts this program again in a new network namespace, as root
// directly and otherwise in an unprivileged user namespace, and has it
// bring up its loopback interface: a kernel may let a user namespace be
// made yet deny it the capabilities to configure a network (Ubuntu's
// AppArmor restriction), which only trying finds out.
func probe() error {
	try := func(withUser bool) error {
		cmd := exec.Command("/proc/self/exe")
		cmd.Env = append(os.Environ(), envProbe+"=1")
		cmd.SysProcAttr = attr(syscall.CLONE_NEWNET, withUser)
		out, err := cmd.CombinedOutput()
		if err != nil && len(out) > 0 {
			err = fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
		}
		return err
	}
	if os.Geteuid() == 0 {
		if try(false) == nil {
			return nil
		}
	}
	if err := try(true); err != nil {
		return fmt.Errorf("cannot create a network namespace in a user namespace: %v", err)
	}
	userns = true
	return nil
}

// attr returns the attributes that start a child in new namespaces of
// the kinds in flags, and in a new user namespace too when withUser,
// where the child is root (so that it may configure its network) mapped
// to this user (what it writes on disk still belongs to the user).
func attr(flags uintptr, withUser bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Cloneflags: flags}
	if withUser {
		a.Cloneflags |= syscall.CLONE_NEWUSER
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
		a.GidMappingsEnableSetgroups = false
	}
	return a
}

// Attr returns the attributes that start a child in a network namespace
// of its own (in a user namespace too where Probe found it needs one),
// or Probe's error. The child brings its loopback up (LoopbackUp).
func Attr() (*syscall.SysProcAttr, error) {
	if err := Probe(); err != nil {
		return nil, err
	}
	return attr(syscall.CLONE_NEWNET, userns), nil
}

// Rerun runs this program again with the same arguments, standard input
// and output, and env=1 added to its environment, so that it knows not to
// start itself again: in a network namespace of its own when network
// (see Attr), otherwise in a user namespace only, where it is root and can
// make namespaces and TUN devices itself. It returns the program's exit
// code, or why it could not be started.
func Rerun(env string, network bool) (int, error) {
	var a *syscall.SysProcAttr
	switch {
	case network:
		var err error
		if a, err = Attr(); err != nil {
			return 0, err
		}
	case os.Getenv(EnvOff) == "1":
		return 0, ErrOff
	default:
		a = attr(0, true)
	}
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env+"=1")
	cmd.SysProcAttr = a
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("cannot create a namespace: %w", err)
	}
	return 0, nil
}

// LoopbackUp brings up lo, which a new network namespace has down;
// 127.0.0.1 and ::1 come with it.
func LoopbackUp() error { return IfUp("lo") }

// IfUp brings up the interface name in the calling thread's network
// namespace.
func IfUp(name string) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// A Thread is a goroutine locked to an OS thread that has entered a new
// network namespace, with lo up: what Run runs there (the sockets it
// opens, the programs it starts) belongs to that namespace, which
// disappears with its last thread, process and socket.
type Thread struct {
	do chan func()
}

// NewThread makes a new network namespace on a thread of its own. It
// needs root, or root in a user namespace (Rerun).
func NewThread() (*Thread, error) {
	if os.Getenv(EnvOff) == "1" {
		return nil, ErrOff
	}
	t := &Thread{do: make(chan func())}
	errc := make(chan error)
	go func() {
		// Never unlocked: when the goroutine ends, the runtime ends the
		// thread rather than reuse one in another namespace.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("cannot create a network namespace: %w", err)
			return
		}
		if err := LoopbackUp(); err != nil {
			errc <- fmt.Errorf("bringing up lo in a new network namespace: %w", err)
			return
		}
		errc <- nil
		for f := range t.do {
			f()
		}
	}()
	if err := <-errc; err != nil {
		return nil, err
	}
	return t, nil
}

// Run runs f on the thread, in its namespace, and returns when f has.
func (t *Thread) Run(f func()) {
	done := make(chan struct{})
	t.do <- func() {
		defer close(done)
		f()
	}
	<-done
}

// Close ends the thread. It may not be called twice.
func (t *Thread) Close() { close(t.do) }

// Listening reports whether a TCP socket (IPv4 or IPv6) listens on port
// in the calling thread's network namespace, reading the kernel's socket
// tables: it makes no connection.
func Listening(port uint16) (bool, error) {
	inodes, err := listeners(port, false)
	return len(inodes) > 0, err
}

// WhoListens reports whether a process of the process group pgid holds a
// socket that listens on port in the calling thread's network namespace:
// the socket's inode in /proc/net/tcp (/proc/net/udp if udp: a UDP
// socket bound to the port and connected to no peer, as a QUIC server's)
// is among the files /proc/PID/fd lists for a process whose group is pgid. Another program listening on
// the port (a test's server, a reader's in another terminal) is Other:
// a wait that reads only the socket table would take it for the group's.
func WhoListens(port uint16, udp bool, pgid int) (Who, error) {
	inodes, err := listeners(port, udp)
	if err != nil || len(inodes) == 0 {
		return Nobody, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return Nobody, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, err := processGroup(pid); err != nil || g != pgid {
			continue // gone, or another group's
		}
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			continue // gone
		}
		for _, fd := range fds {
			link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			if err != nil {
				continue
			}
			if ino, ok := strings.CutPrefix(link, "socket:["); ok && inodes[strings.TrimSuffix(ino, "]")] {
				return Group, nil
			}
		}
	}
	return Other, nil
}

// processGroup reads the process group of pid from /proc/PID/stat.
func processGroup(pid int) (int, error) {
	f, err := StatFields(pid, 3) // state, ppid, pgrp, ...
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(f[2])
}

// listeners returns the inodes of the TCP sockets that listen on port in
// the calling thread's network namespace, or with udp, of the UDP sockets
// bound to port that are connected to no peer.
func listeners(port uint16, udp bool) (map[string]bool, error) {
	want := fmt.Sprintf(":%04X", port)
	tables, state := []string{"/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6"}, "0A" // TCP_LISTEN
	if udp {
		tables, state = []string{"/proc/thread-self/net/udp", "/proc/thread-self/net/udp6"}, "07" // TCP_CLOSE: not connected
	}
	inodes := map[string]bool{}
	for _, table := range tables {
		f, err := os.Open(table)
		if errors.Is(err, os.ErrNotExist) {
			continue // no IPv6
		}
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
			fields := strings.Fields(sc.Text())
			if len(fields) > 9 && strings.HasSuffix(fields[1], want) && fields[3] == state &&
				(!udp || strings.HasSuffix(fields[2], ":0000")) {
				inodes[fields[9]] = true
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return inodes, nil
}

// StatFields returns the fields of /proc/PID/stat after the command name:
// f[0] is field 3 (the state), f[2] the process group, f[11] and f[12]
// utime and stime. The command name (field 2) is in parentheses and may
// hold anything, spaces and parentheses too, so the fields start after
// its last ')'. It fails unless there are at least min of them.
func StatFields(pid, min int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, errors.New("/proc/PID/stat: no command name")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < min {
		return nil, errors.New("/proc/PID/stat: too few fields")
	}
	return f, nil
}
