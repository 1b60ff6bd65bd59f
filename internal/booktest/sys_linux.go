package booktest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

func (iso isolation) attr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if iso.userns {
		// Root inside the namespace, to bring its loopback up; what it
		// writes on disk still belongs to the user.
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	return attr
}

// probeIsolation finds out whether a child can have a network namespace:
// as root directly, otherwise inside an unprivileged user namespace.
func probeIsolation() isolation {
	try := func(iso isolation) error {
		cmd := exec.Command("/bin/true")
		cmd.SysProcAttr = iso.attr()
		return cmd.Run()
	}
	if os.Geteuid() == 0 {
		if err := try(isolation{}); err == nil {
			return isolation{}
		}
	}
	iso := isolation{userns: true}
	if err := try(iso); err != nil {
		return isolation{err: fmt.Errorf("cannot create a network namespace: %v", err)}
	}
	return iso
}

// loopbackUp brings up lo in a new network namespace, where it starts
// down; 127.0.0.1 and ::1 come with it.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// listeningOn reports whether /proc/net/tcp or tcp6 has a socket in the
// LISTEN state on port.
func listeningOn(port uint16) (bool, error) {
	want := fmt.Sprintf(":%04X", port)
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return false, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			const listen = "0A"
			if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == listen {
				f.Close()
				return true, nil
			}
		}
		f.Close()
	}
	return false, nil
}

// listening reports whether a TCP socket listens on the port of
// hostport, reading the kernel's socket tables rather than connecting, so
// the server sees no connection from the test.
func listening(hostport string) (bool, error) {
	_, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return false, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return false, fmt.Errorf("bad port in %s", hostport)
	}
	return listeningOn(uint16(port))
}

// openTerminal makes a pseudo-terminal, so that a command prints what it
// prints in the reader's terminal: programs and libc buffer a terminal by
// line and a pipe by block, and tools like curl print differently to a
// terminal. Output post-processing is off, so lines end in "\n" as the
// program wrote them, and the window is a fixed 80x24.
func openTerminal() (term, tty *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*os.File, *os.File, error) {
		m.Close()
		return nil, nil, err
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return fail(err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		return fail(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fail(err)
	}
	sfd := int(s.Fd())
	t, err := unix.IoctlGetTermios(sfd, unix.TCGETS)
	if err == nil {
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO
		err = unix.IoctlSetTermios(sfd, unix.TCSETS, t)
	}
	if err == nil {
		err = unix.IoctlSetWinsize(sfd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80})
	}
	if err != nil {
		s.Close()
		return fail(err)
	}
	return m, s, nil
}

// dieWithParent asks the kernel to kill the child when this process dies
// (strictly, the thread that starts it: see startGroup).
func dieWithParent(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }

// waitExited waits until process pid has exited, without reaping it, and
// reports whether it could.
func waitExited(pid int) bool {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return err == nil
		}
	}
}
